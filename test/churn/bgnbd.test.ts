import {
  BgNbdModel,
  churnProbability,
  conditionalExpectedPurchases,
  customerLogLikelihood,
  expectedPurchases,
  fitBgNbd,
  fitMbgNbd,
  hyp2f1,
  pAlive,
  probPurchases,
  simulateBgNbd,
  totalLogLikelihood,
  type BgNbdParams,
} from '../../src/churn';
import { betaQuadrature, expectedPurchasesIfAlive } from '../../src/churn/bgnbd';

const BG: BgNbdParams = { kind: 'bg-nbd', r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const MBG: BgNbdParams = { kind: 'mbg-nbd', r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
// a > 1 exercises the other side of the (a − 1) singularity of the closed forms.
const BG_A_GT_1: BgNbdParams = { kind: 'bg-nbd', r: 1.7, alpha: 12.5, a: 2.6, b: 7.1 };

/** Π_{k<n} f(k). */
const prod = (n: number, f: (k: number) => number) => Array.from({ length: n }, (_, k) => f(k)).reduce((s, v) => s * v, 1);

/**
 * The likelihoods written out from the papers with products instead of gamma functions (integer x):
 * BG/NBD (FHL 2005 eq. 6): B(a,b+x)/B(a,b) · Γ(r+x)α^r/Γ(r) · [(α+T)^-(r+x) + δ(x>0) a/(b+x−1) (α+t_x)^-(r+x)];
 * MBG/NBD: B(a,b+x+1)/B(a,b) · Γ(r+x)α^r/Γ(r) · [(α+T)^-(r+x) + a/(b+x) (α+t_x)^-(r+x)].
 */
function handLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const gammaRatio = prod(x, (k) => r + k);
  if (p.kind === 'bg-nbd') {
    const betaRatio = prod(x, (k) => (b + k) / (a + b + k));
    const dead = x > 0 ? (a / (b + x - 1)) * Math.pow(alpha + tx, -(r + x)) : 0;
    return betaRatio * gammaRatio * Math.pow(alpha, r) * (Math.pow(alpha + T, -(r + x)) + dead);
  }
  const betaRatio = prod(x + 1, (k) => (b + k) / (a + b + k));
  return betaRatio * gammaRatio * Math.pow(alpha, r) * (Math.pow(alpha + T, -(r + x)) + (a / (b + x)) * Math.pow(alpha + tx, -(r + x)));
}

/** E[Y(t) | x, t_x, T] as FHL eq. 10 / lifetimes write it, through ₂F₁ (a different code path from the model's). */
function closedFormExpectation(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const bx = p.kind === 'bg-nbd' ? b + x : b + x + 1;
  const c = a + bx - 1;
  const z = t / (alpha + T + t);
  const num = (c / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, bx, c, z));
  const odds = p.kind === 'bg-nbd' ? (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0) : (a / (b + x)) * Math.pow((alpha + T) / (alpha + tx), r + x);
  return num / (1 + odds);
}

const histories: [number, number, number][] = [
  [0, 0, 38.86],
  [1, 1.71, 38.86],
  [2, 30.43, 38.86],
  [7, 29.43, 38.86],
  [4, 10, 10],
  [12, 5.5, 70],
];

describe('likelihood', () => {
  it.each([BG, MBG, BG_A_GT_1])('matches the paper formula written with products ($kind, r=$r)', (p) => {
    for (const [x, tx, T] of histories) {
      expect(customerLogLikelihood(p, x, tx, T)).toBeCloseTo(Math.log(handLikelihood(p, x, tx, T)), 11);
    }
  });

  it('totals the per-customer values, and weights count customers', () => {
    const data = { x: histories.map((h) => h[0]), tx: histories.map((h) => h[1]), T: histories.map((h) => h[2]) };
    const sum = histories.reduce((s, [x, tx, T]) => s + customerLogLikelihood(BG, x, tx, T), 0);
    expect(totalLogLikelihood(BG, data)).toBeCloseTo(sum, 10);
    expect(totalLogLikelihood(BG, { ...data, weights: histories.map(() => 3) })).toBeCloseTo(3 * sum, 9);
  });
});

describe('P(alive)', () => {
  it('is exactly 1 for x = 0 under BG/NBD, whatever T', () => {
    for (const T of [0.1, 10, 1e5]) expect(pAlive(BG, 0, 0, T)).toBe(1);
  });

  it('stays in (0, 1] and churnProbability = 1 − P(alive)', () => {
    for (const p of [BG, MBG])
      for (const [x, tx, T] of histories) {
        const pa = pAlive(p, x, tx, T);
        expect(pa).toBeGreaterThan(0);
        expect(pa).toBeLessThanOrEqual(1);
        expect(churnProbability(p, x, tx, T)).toBeCloseTo(1 - pa, 14);
      }
  });

  it('falls as time since the last purchase grows, for repeat buyers', () => {
    for (const p of [BG, MBG]) expect(pAlive(p, 3, 5, 40)).toBeLessThan(pAlive(p, 3, 30, 40));
  });

  it('MBG/NBD: below 1 for one-time buyers and decreasing in T', () => {
    const values = [0.5, 5, 20, 50, 200].map((T) => pAlive(MBG, 0, 0, T));
    expect(values[0]).toBeLessThan(1);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
  });
});

describe('conditional expectation E[Y(t) | x, t_x, T]', () => {
  it.each([BG, MBG, BG_A_GT_1])('agrees with the ₂F₁ closed form ($kind, a=$a)', (p) => {
    for (const [x, tx, T] of histories)
      for (const t of [0.5, 4.345, 39, 52, 200]) {
        const v = conditionalExpectedPurchases(p, t, x, tx, T);
        const ref = closedFormExpectation(p, t, x, tx, T);
        expect(Math.abs(v - ref)).toBeLessThanOrEqual(1e-11 * Math.max(1, ref));
      }
  });

  it('is 0 at t = 0, increases with t, and decreases with T for one-time buyers', () => {
    for (const p of [BG, MBG]) {
      expect(conditionalExpectedPurchases(p, 0, 2, 10, 20)).toBe(0);
      expect(conditionalExpectedPurchases(p, 10, 2, 10, 20)).toBeLessThan(conditionalExpectedPurchases(p, 20, 2, 10, 20));
      const byT = [1, 10, 40, 100].map((T) => conditionalExpectedPurchases(p, 52, 0, 0, T));
      for (let i = 1; i < byT.length; i++) expect(byT[i]).toBeLessThan(byT[i - 1]);
    }
  });

  it('costs a bounded number of terms on a degenerate fit (the MBG/NBD fit of the balanced seed store, seed 31)', () => {
    // r and α near 1e100, a and b near 0: A·s ≈ 2e27 expected purchases if alive, a series peaking at term ~2e27.
    // With a → 0 the dropout probability p ~ Beta(a, B) sits at 0, so E[(1 − (1 + ps)^−A)/p] → A·s.
    const p: BgNbdParams = { kind: 'mbg-nbd', r: 2.7551010830597457e107, alpha: 1.938248579784661e81, a: 8.781346366736873e-152, b: 2.0141850600563843e-238 };
    const t = 90 / 7;
    for (const [x, tx, T] of [[0, 0, 10], [3, 20, 40], [12, 60, 61]]) {
      const A = p.r + x;
      const s = t / (p.alpha + T);
      expect(expectedPurchasesIfAlive(A, p.a, p.b + x + 1, s) / (A * s)).toBeCloseTo(1, 9);
      expect(Number.isFinite(conditionalExpectedPurchases(p, t, x, tx, T))).toBe(true);
    }
  });

  it('the quadrature used beyond the series budget agrees with the exact positive series (1e-9)', () => {
    for (const A of [0.3, 2.9, 150]) for (const a of [0.05, 0.8, 1, 30]) for (const B of [1e-3, 0.7, 8]) for (const s of [0.01, 2, 40]) {
      const exact = expectedPurchasesIfAlive(A, a, B, s); // within the series budget for these arguments
      expect([A, a, B, s, Math.abs(betaQuadrature(A, a, B, s) / exact - 1) < 1e-9]).toEqual([A, a, B, s, true]);
    }
  });

  it('far horizons (t ≫ α + T) agree between the series and the connection formula', () => {
    // t/(α+T) ≈ 2e3 and 2e4: beyond the series budget, so the 1 − z connection formula answers; compare with
    // the closed form evaluated by hyp2f1 (which also uses the 1 − z formula, but for the full ₂F₁).
    for (const t of [1e4, 1e5]) {
      const v = conditionalExpectedPurchases(BG_A_GT_1, t, 1, 0.5, 1);
      expect(v / closedFormExpectation(BG_A_GT_1, t, 1, 0.5, 1)).toBeCloseTo(1, 9);
    }
  });
});

describe('population quantities', () => {
  it.each([BG, MBG, BG_A_GT_1])('P(X(t)=n) sums to 1 and its mean is E[X(t)] ($kind)', (p) => {
    for (const t of [1, 39, 78]) {
      let total = 0;
      let mean = 0;
      // n < 600 holds all but ~1e-10 of the mass for these parameters and horizons.
      for (let n = 0; n < 600; n++) {
        const pn = probPurchases(p, n, t);
        expect(pn).toBeGreaterThanOrEqual(0);
        total += pn;
        mean += n * pn;
      }
      expect(total).toBeCloseTo(1, 9);
      expect(mean).toBeCloseTo(expectedPurchases(p, t), 6);
    }
  });

  it('E[X(t)] equals the conditional expectation of a customer observed for an instant with x = 0 (BG/NBD)', () => {
    for (const t of [1, 39, 78]) expect(conditionalExpectedPurchases(BG, t, 0, 0, 1e-12)).toBeCloseTo(expectedPurchases(BG, t), 9);
  });
});

describe('edge cases stay finite', () => {
  it.each([BG, MBG])('x = 0, t_x = T, T = 1e5 weeks, x = 500 ($kind)', (p) => {
    const cases: [number, number, number][] = [
      [0, 0, 1e-6],
      [0, 0, 1e5],
      [3, 20, 20],
      [500, 70, 78],
      [500, 1, 1e5],
      [1, 1e5, 1e5],
    ];
    for (const [x, tx, T] of cases) {
      for (const v of [
        pAlive(p, x, tx, T),
        customerLogLikelihood(p, x, tx, T),
        conditionalExpectedPurchases(p, 52, x, tx, T),
        conditionalExpectedPurchases(p, 1e4, x, tx, T),
      ]) {
        expect(Number.isFinite(v)).toBe(true);
      }
      expect(conditionalExpectedPurchases(p, 52, x, tx, T)).toBeGreaterThanOrEqual(0);
    }
    expect(pAlive(p, 500, 70, 78)).toBeGreaterThan(0);
    expect(Number.isFinite(probPurchases(p, 500, 78))).toBe(true);
  });
});

describe('validation', () => {
  const ok = { x: [0, 1, 2], tx: [0, 3, 5], T: [10, 10, 10] };
  const cases: [string, object, string][] = [
    ['t_x > T', { ...ok, x: Array(18).fill(1), tx: [...Array(17).fill(1), 40], T: [...Array(17).fill(2), 39] }, 'row 17: t_x (40) > T (39)'],
    ['non-integer x', { ...ok, x: [0, 1.5, 2] }, 'row 1: x (1.5) must be a non-negative integer'],
    ['negative x', { ...ok, x: [-1, 1, 2] }, 'row 0: x (-1) must be a non-negative integer'],
    ['negative t_x', { ...ok, tx: [0, -3, 5] }, 'row 1: t_x (-3) < 0'],
    ['T = 0', { ...ok, T: [10, 10, 0] }, 'row 2: T (0) must be > 0'],
    ['x = 0 with t_x > 0', { ...ok, tx: [1, 3, 5] }, 'row 0: t_x (1) must be 0 when x = 0'],
    ['NaN', { ...ok, T: [10, NaN, 10] }, 'row 1: T (NaN) is not a finite number'],
    ['length mismatch', { ...ok, tx: [0, 3] }, 'x has 3 rows but tx has 2'],
    ['negative weight', { ...ok, weights: [1, -1, 1] }, 'row 1: weight (-1) must be a finite number ≥ 0'],
    ['empty', { x: [], tx: [], T: [] }, 'no customers to fit'],
  ];
  it.each(cases)('rejects %s with a message naming the row and field', (_name, data, message) => {
    expect(() => fitBgNbd(data as never)).toThrow(message);
  });

  it('rejects bad parameters and times in the per-customer functions', () => {
    expect(() => pAlive({ ...BG, a: -1 }, 1, 1, 2)).toThrow('params.a (-1) must be a finite number > 0');
    expect(() => conditionalExpectedPurchases(BG, -1, 1, 1, 2)).toThrow('t (-1) must be a finite number ≥ 0');
    expect(() => probPurchases(BG, 1.5, 2)).toThrow('n (1.5) must be a non-negative integer');
    expect(() => pAlive(BG, 1, 3, 2)).toThrow('customer: t_x (3) > T (2)');
  });
});

describe('BgNbdModel', () => {
  it('refuses to predict before fit', () => {
    const m = new BgNbdModel('mbg-nbd');
    expect(m.isFitted).toBe(false);
    expect(() => m.pAlive(0, 0, 1)).toThrow('mbg-nbd model is not fitted');
    expect(() => m.toJSON()).toThrow('not fitted');
  });

  it('round-trips through JSON with its version, and rejects other versions', () => {
    const m = BgNbdModel.fromParams(MBG, 'day');
    const json = JSON.parse(JSON.stringify(m));
    expect(json).toMatchObject({ version: 1, kind: 'mbg-nbd', timeUnit: 'day' });
    const back = BgNbdModel.fromJSON(json);
    expect(back.params).toEqual(MBG);
    expect(back.pAlive(2, 3, 9)).toBe(m.pAlive(2, 3, 9));
    expect(() => BgNbdModel.fromJSON({ ...json, version: 2 })).toThrow('unsupported BG/NBD model version 2');
    expect(() => BgNbdModel.fromJSON({ ...json, params: { ...json.params, b: 0 } })).toThrow('params.b (0) must be a finite number > 0');
  });

  it('bulk predictions equal the per-customer ones', () => {
    const m = BgNbdModel.fromParams(BG);
    const data = { x: histories.map((h) => h[0]), tx: histories.map((h) => h[1]), T: histories.map((h) => h[2]) };
    const pa = m.pAliveMany(data);
    const ce = m.conditionalExpectedPurchasesMany(26, data);
    histories.forEach(([x, tx, T], i) => {
      expect(pa[i]).toBe(m.pAlive(x, tx, T));
      expect(ce[i]).toBe(m.conditionalExpectedPurchases(26, x, tx, T));
    });
  });
});

describe('parameter recovery on simulated customers', () => {
  it.each([
    ['bg-nbd', BG],
    ['mbg-nbd', MBG],
  ] as const)('%s recovers the simulating parameters from 60,000 customers', (_kind, params) => {
    const sim = simulateBgNbd({ customers: 60_000, params, seed: 7 });
    const m = params.kind === 'bg-nbd' ? fitBgNbd(sim) : fitMbgNbd(sim);
    expect(m.fitInfo!.converged).toBe(true);
    expect(m.fitInfo!.distinctRows).toBeLessThan(60_000);
    // Likelihood-ratio check: 2(ℓ(θ̂) − ℓ(θ_true)) ~ χ²₄, whose 99.9% quantile is 18.47. A wrong likelihood,
    // gradient or simulator puts it far outside [0, 18.47] at this sample size.
    const lr = 2 * (m.fitInfo!.logLikelihood - totalLogLikelihood(params, sim));
    expect(lr).toBeGreaterThanOrEqual(0);
    expect(lr).toBeLessThan(18.47);
    // Sampling spread at n = 60k: about ±3% for r and α, ±15% for a and b.
    const tol = { r: 0.05, alpha: 0.05, a: 0.2, b: 0.2 };
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect([k, Math.abs(m.params[k] / params[k] - 1) < tol[k]]).toEqual([k, true]);
  });

  it('a penalizer shrinks the parameters', () => {
    const sim = simulateBgNbd({ customers: 5_000, params: BG, seed: 3 });
    const free = fitBgNbd(sim).params;
    const pen = fitBgNbd(sim, { penalizer: 0.1 }).params;
    expect(pen.r + pen.a + pen.b).toBeLessThan(free.r + free.a + free.b);
  });
});
