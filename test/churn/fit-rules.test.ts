import { decideFit, MIN_REPEAT_CUSTOMERS } from '../../src/churn/fit-rules';
import { empiricalNoPurchase, fitEmpiricalRepeat } from '../../src/churn/empirical-repeat';

const fit = (params: { r: number; alpha: number; a: number; b: number }, converged = true) => ({
  version: 1, kind: 'mbg-nbd' as const, timeUnit: 'week' as const, params,
  fit: { logLikelihood: -1, customers: 1, distinctRows: 1, iterations: 1, evaluations: 1, converged, method: 'lbfgs' as const, penalizer: 0 },
});

describe('decideFit', () => {
  const sound = fit({ r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 });
  it('serves a sound fit on enough repeat buyers', () => {
    const d = decideFit({ customers: 2357, repeatCustomers: 946, transaction: sound, holdoutAuc: 0.8 });
    expect(d.use).toBe('model');
    expect(d.checks.every((c) => c.ok)).toBe(true);
  });
  it.each([
    ['too few repeat buyers', { repeatCustomers: MIN_REPEAT_CUSTOMERS - 1 }, /repeat customers ≥ 30: 29 fails/],
    ['a fit that did not converge', { transaction: fit({ r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, false) }, /fit converged: false fails/],
    ['parameters run off to extremes', { transaction: fit({ r: 4.5e45, alpha: 2.3e50, a: 4.3e22, b: 1 }) }, /parameters within .* fails/],
    ['a holdout no better than chance', { holdoutAuc: 0.5 }, /holdout AUC ≥ 0.55: 0.5 fails/],
    ['a fit that failed', { transaction: null, fitError: 'no repeat purchase' }, /the fit failed \(no repeat purchase\)/],
  ])('falls back on %s, saying why', (_, over, why) => {
    const d = decideFit({ customers: 2357, repeatCustomers: 946, transaction: sound, holdoutAuc: 0.8, ...over });
    expect(d.use).toBe('fallback');
    expect(d.reason).toMatch(why);
  });
});

describe('empirical repeat table', () => {
  it('learns P(buy again) by recency × frequency and shrinks thin cells towards their neighbours', () => {
    // 1,000 recent customers (10 days) of whom 300 buy again; 1,000 old ones (400 days) of whom 10 do.
    const rec = [...Array(1000).fill(10), ...Array(1000).fill(400)];
    const freq = Array(2000).fill(1);
    const bought = [...Array(1000).fill(0).map((_, i) => (i < 300 ? 1 : 0)), ...Array(1000).fill(0).map((_, i) => (i < 10 ? 1 : 0))];
    const t = fitEmpiricalRepeat({ recencyDays: rec, purchaseDays: freq, boughtAfter: bought }, 90);
    const [recent, old, empty] = empiricalNoPurchase(t, [10, 400, 10], [1, 1, 3]);
    expect(recent).toBeLessThan(0.75);
    expect(old).toBeGreaterThan(0.98);
    // No customer with 3+ purchase days on the split: the cell says what its recency row says.
    expect(empty).toBeCloseTo(recent, 2);
  });
});
