import {
  conditionalExpectedAverageSpend,
  fitGammaGamma,
  GammaGammaModel,
  gammaDraw,
  logGamma,
  populationMeanSpend,
  spendLogLikelihood,
  type GammaGammaParams,
} from '../../src/churn';
import { SeededRandom } from '../../src/shared/random';

const GG: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };
const { exp, log } = Math; // local bindings: global lookups are slow inside the test runner's VM context

/**
 * Density of the mean m of x purchases by direct integration over the customer's rate ν:
 * ∫ Gamma(m; px, νx) · Gamma(ν; q, v) dν (trapezoid on log ν), instead of the model's closed form.
 */
function integratedDensity({ p, q, v }: GammaGammaParams, x: number, m: number): number {
  const logGammaPdf = (y: number, shape: number, rate: number) => shape * log(rate) + (shape - 1) * log(y) - rate * y - logGamma(shape);
  let s = 0;
  const h = 0.001;
  for (let u = -20; u <= 10; u += h) {
    const nu = exp(u);
    s += exp(logGammaPdf(m, p * x, nu * x) + logGammaPdf(nu, q, v) + u) * h;
  }
  return s;
}

describe('Gamma-Gamma likelihood and expectations', () => {
  it('matches the density integrated over the spend rate', () => {
    for (const [x, m] of [
      [1, 11.77],
      [2, 22.35],
      [7, 73.74],
      [29, 26.26],
    ]) {
      expect(spendLogLikelihood(GG, x, m)).toBeCloseTo(log(integratedDensity(GG, x, m)), 8);
    }
  });

  it('E[Z | x, m] shrinks m towards the population mean p·v/(q − 1) and equals it for x = 0', () => {
    const pop = (GG.p * GG.v) / (GG.q - 1);
    expect(populationMeanSpend(GG)).toBeCloseTo(pop, 12);
    expect(conditionalExpectedAverageSpend(GG, 0, 0)).toBeCloseTo(pop, 12);
    expect(conditionalExpectedAverageSpend(GG, 0, 999)).toBeCloseTo(pop, 12); // m is ignored without history
    // Weighted mean: weight p·x/(p·x + q − 1) on the customer's own mean.
    const x = 3;
    const m = 80;
    const w = (GG.p * x) / (GG.p * x + GG.q - 1);
    expect(conditionalExpectedAverageSpend(GG, x, m)).toBeCloseTo(w * m + (1 - w) * pop, 10);
    expect(conditionalExpectedAverageSpend(GG, 50, m)).toBeGreaterThan(conditionalExpectedAverageSpend(GG, 2, m));
  });

  it('requires q > 1 for a finite mean spend', () => {
    expect(() => conditionalExpectedAverageSpend({ p: 2, q: 0.9, v: 3 }, 0, 0)).toThrow('q (0.9) must be > 1');
  });
});

describe('fitGammaGamma', () => {
  it('recovers simulated parameters (likelihood-ratio check and ±15%)', () => {
    const rng = new SeededRandom(11);
    const frequency: number[] = [];
    const monetaryValue: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 1 + rng.int(8);
      const nu = gammaDraw(rng, GG.q) / GG.v;
      frequency.push(x);
      monetaryValue.push(gammaDraw(rng, GG.p * x) / (nu * x));
    }
    const m = fitGammaGamma({ frequency, monetaryValue });
    expect(m.fitInfo!.converged).toBe(true);
    let llTrue = 0;
    frequency.forEach((x, i) => (llTrue += spendLogLikelihood(GG, x, monetaryValue[i])));
    const lr = 2 * (m.fitInfo!.logLikelihood - llTrue);
    expect(lr).toBeGreaterThanOrEqual(0);
    expect(lr).toBeLessThan(16.27); // χ²₃ 99.9% quantile
    for (const k of ['p', 'q', 'v'] as const) expect([k, Math.abs(m.params[k] / GG[k] - 1) < 0.15]).toEqual([k, true]);
    // Same optimum without gradients, and the same parameters in another currency (v scales, p and q do not).
    const nm = fitGammaGamma({ frequency, monetaryValue }, { method: 'nelder-mead' });
    for (const k of ['p', 'q', 'v'] as const) expect(nm.params[k] / m.params[k]).toBeCloseTo(1, 4);
    const cents = fitGammaGamma({ frequency, monetaryValue: monetaryValue.map((v) => v * 100) });
    expect(cents.params.v / (100 * m.params.v)).toBeCloseTo(1, 5);
    expect(cents.params.p / m.params.p).toBeCloseTo(1, 5);
  });

  it('treats weights as repeated rows', () => {
    const data = { frequency: [1, 2, 3, 1, 5, 2], monetaryValue: [10, 20, 15, 40, 12, 8] };
    const twice = fitGammaGamma({ frequency: [...data.frequency, ...data.frequency], monetaryValue: [...data.monetaryValue, ...data.monetaryValue] }, { penalizer: 0.01 });
    const weighted = fitGammaGamma({ ...data, weights: data.frequency.map(() => 2) }, { penalizer: 0.01 });
    for (const k of ['p', 'q', 'v'] as const) expect(weighted.params[k] / twice.params[k]).toBeCloseTo(1, 5);
  });

  const cases: [string, object, string][] = [
    ['x = 0', { frequency: [1, 0], monetaryValue: [5, 5] }, 'row 1: frequency (0) must be an integer ≥ 1'],
    ['non-integer x', { frequency: [1.5], monetaryValue: [5] }, 'row 0: frequency (1.5) must be an integer ≥ 1'],
    ['m ≤ 0', { frequency: [1, 2], monetaryValue: [5, 0] }, 'row 1: monetary value (0) must be > 0'],
    ['NaN m', { frequency: [1], monetaryValue: [NaN] }, 'row 0: monetary value (NaN) is not a finite number'],
    ['length mismatch', { frequency: [1, 2], monetaryValue: [5] }, 'frequency has 2 rows but monetaryValue has 1'],
    ['empty', { frequency: [], monetaryValue: [] }, 'no repeat customers to fit'],
  ];
  it.each(cases)('rejects %s', (_n, data, message) => {
    expect(() => fitGammaGamma(data as never)).toThrow(message);
  });
});

describe('GammaGammaModel', () => {
  it('refuses to predict before fit and round-trips through versioned JSON', () => {
    const m = new GammaGammaModel();
    expect(() => m.conditionalExpectedAverageSpend(1, 10)).toThrow('Gamma-Gamma model is not fitted');
    const fitted = GammaGammaModel.fromParams(GG);
    const json = JSON.parse(JSON.stringify(fitted));
    expect(json).toMatchObject({ version: 1, kind: 'gamma-gamma', params: GG });
    expect(GammaGammaModel.fromJSON(json).conditionalExpectedAverageSpend(2, 30)).toBe(fitted.conditionalExpectedAverageSpend(2, 30));
    expect(() => GammaGammaModel.fromJSON({ ...json, version: 0 })).toThrow('unsupported Gamma-Gamma model version 0');
  });
});
