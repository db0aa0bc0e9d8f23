import { fitRateDropout, retainedRates } from '../../src/churn/rate-dropout';
import { SeededRandom } from '../../src/shared/random';

/**
 * A store where rate and dropout go together: four in five customers buy about once a year and leave within two
 * weeks, the rest buy every two weeks and stay for years. Purchases are Poisson while alive, lifetimes exponential
 * (the grid's own likelihood), ages uniform on 1–100 weeks.
 */
function simulate(n: number, seed: number) {
  const rng = new SeededRandom(seed);
  const exp = (rate: number) => -Math.log(1 - rng.next()) / rate;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const brief = rng.next() < 0.8;
    const lambda = brief ? 0.02 : 0.5;
    const life = exp(brief ? 0.5 : 0.005);
    T[i] = 1 + 99 * rng.next();
    let t = 0;
    for (;;) {
      t += exp(lambda);
      if (t >= Math.min(life, T[i])) break;
      x[i]++;
      tx[i] = t;
    }
  }
  return { x, tx, T };
}

describe('rate-dropout grid', () => {
  const data = simulate(4000, 11);
  const model = fitRateDropout(data);
  const rateOf = (x: number, tx: number, T: number) => retainedRates(model, { x: [x], tx: [tx], T: [T] })[0];

  it('values each customer by the customers whose history looks like theirs', () => {
    expect(model.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 9);
    // A one-time buyer silent for 30 weeks: the brief customers' rate (0.02), not a rate near zero nor the regulars'.
    const once = rateOf(0, 0, 30);
    // Two orders a week apart, then 29 weeks of silence: still a brief customer, not 1 a week.
    const quick = rateOf(1, 1, 30);
    // Ten orders over 20 weeks, the last a week ago: a regular (0.5 a week).
    const regular = rateOf(10, 20, 21);
    console.log('E[λ] per week: once', once.toFixed(4), 'quick pair', quick.toFixed(4), 'regular', regular.toFixed(3), 'iterations', model.iterations);
    expect(once).toBeGreaterThan(0.008);
    expect(once).toBeLessThan(0.05);
    expect(quick).toBeLessThan(0.15);
    expect(regular).toBeGreaterThan(0.35);
    expect(regular).toBeLessThan(0.7);
    // The dropout-free NBD this replaced, fitted to the same store (r 0.07, α 0.75), read them as (r + 0)/(α + 30) =
    // 0.002 and, gone, (r + 1)/(α + 1) = 0.61.
  });

  it('scores identical histories alike and in customer order', () => {
    const r = retainedRates(model, { x: [10, 0, 10], tx: [20, 0, 20], T: [21, 30, 21] });
    expect(r[0]).toBe(r[2]);
    expect(r[1]).toBeCloseTo(rateOf(0, 0, 30), 12);
  });
});
