import { pAlive, probNoPurchaseWithin, type BgNbdParams } from '../../src/churn/bgnbd';
import { gammaDraw } from '../../src/churn/simulate';
import { createRandom } from '../../src/shared/random';

/** Simulates one customer's purchases over [0, T + t] from the model's generative story. */
function simulate(p: BgNbdParams, T: number, t: number, rng: ReturnType<typeof createRandom>) {
  const lambda = gammaDraw(rng, p.r) / p.alpha;
  const a = gammaDraw(rng, p.a);
  const dropout = a / (a + gammaDraw(rng, p.b));
  const times: number[] = [];
  let now = 0;
  // MBG/NBD may drop out right after the first purchase too; BG/NBD only after repeats.
  let alive = !(p.kind === 'mbg-nbd' && rng.next() < dropout);
  while (alive) {
    now += -Math.log(1 - rng.next()) / lambda;
    if (now > T + t) break;
    times.push(now);
    if (rng.next() < dropout) alive = false;
  }
  const calib = times.filter((s) => s <= T);
  return { x: calib.length, tx: calib.length ? calib[calib.length - 1] : 0, silent: !times.some((s) => s > T) };
}

describe('probNoPurchaseWithin', () => {
  const bg: BgNbdParams = { kind: 'bg-nbd', r: 0.8, alpha: 6, a: 0.9, b: 2.5 };

  it('is 1 for an empty horizon and tends to 1 − P(alive) for a long one', () => {
    expect(probNoPurchaseWithin(bg, 0, 3, 20, 40)).toBeCloseTo(1, 12);
    expect(probNoPurchaseWithin(bg, 1e9, 3, 20, 40)).toBeCloseTo(1 - pAlive(bg, 3, 20, 40), 6);
    expect(probNoPurchaseWithin(bg, 10, 3, 20, 40)).toBeLessThan(probNoPurchaseWithin(bg, 5, 3, 20, 40));
    expect(() => probNoPurchaseWithin(bg, -1, 3, 20, 40)).toThrow(/t \(-1\)/);
  });

  // Customers in the calibration period are counted from time 0 (first "purchase" at 0 is not part of this
  // simplified story), so compare the model's prediction with a simulation of that same story.
  it('matches the share of silent customers in a simulation of the model', () => {
    const rng = createRandom(99);
    const T = 52;
    const t = 26;
    let predicted = 0;
    let actual = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const c = simulate(bg, T, t, rng);
      actual += c.silent ? 1 : 0;
      predicted += probNoPurchaseWithin(bg, t, c.x, c.tx, T);
    }
    // Sum of predicted probabilities vs count of silent customers: within 1.5% of the customers.
    expect(Math.abs(predicted - actual) / n).toBeLessThan(0.015);
  });
});
