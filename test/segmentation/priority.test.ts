import { prioritize, type SegmentStats } from '../../src/segmentation/priority';

describe('prioritize', () => {
  // valueAtRisk = Σ churn × value if retained; here with the segment's mean churn for simplicity.
  const seg = (key: string, size: number, churnRisk: number, valueIfRetainedTotal: number, avgRecencyDays: number | null): SegmentStats => ({
    key, size, churnRisk, valueIfRetainedTotal, valueAtRisk: churnRisk * valueIfRetainedTotal, avgRecencyDays,
  });
  const segs = [
    seg('lapsed-vip', 100, 0.8, 50_000, 300),
    seg('active-vip', 100, 0.1, 60_000, 20),
    seg('one-timers', 1000, 0.9, 40_000, 200),
    seg('new', 300, 0.2, 9_000, 10),
  ];

  it('scores the share of value at risk and ranks by it', () => {
    const p = prioritize(segs);
    const atRisk = [0.8 * 50_000, 0.1 * 60_000, 0.9 * 40_000, 0.2 * 9_000];
    const total = atRisk.reduce((a, b) => a + b, 0);
    p.forEach((s, i) => expect(s.priorityScore).toBeCloseTo(atRisk[i] / total, 12));
    expect(p.reduce((a, s) => a + s.priorityScore, 0)).toBeCloseTo(1, 12);
    const byRank = [...p].sort((a, b) => a.priorityRank - b.priorityRank).map((s) => s.key);
    expect(byRank).toEqual(['lapsed-vip', 'one-timers', 'active-vip', 'new']);
  });

  it('ranks the segment most likely to leave higher when values if retained are equal (no survival double count)', () => {
    const p = prioritize([seg('leaving', 100, 0.9, 10_000, 200), seg('staying', 100, 0.2, 10_000, 20)]);
    expect(p.find((s) => s.key === 'leaving')!.priorityRank).toBe(1);
  });

  it('derives the action from risk and value if retained relative to the population', () => {
    const p = Object.fromEntries(prioritize(segs).map((s) => [s.key, s.action]));
    // population value if retained per customer = 159000/1500 = 106; low value below 53
    expect(p['lapsed-vip']).toBe('win-back'); // churn .8 ≥ .5, value 500, recency above the mean
    expect(p['active-vip']).toBe('upsell'); // churn .1 < 1/3, value 600
    expect(p['one-timers']).toBe('let go'); // churn .9, value 40 < 53
    expect(p['new']).toBe('nurture'); // churn .2, value 30
  });

  it('retains a valuable segment at risk that is still buying', () => {
    const p = prioritize([seg('loyal', 100, 0.4, 100_000, 30), seg('champions', 100, 0.15, 100_000, 10), seg('one-timers', 10_000, 0.97, 50_000, 200)]);
    const a = Object.fromEntries(p.map((s) => [s.key, s.action]));
    expect(a.loyal).toBe('retain');
    expect(a.champions).toBe('upsell');
    expect(a['one-timers']).toBe('let go');
  });

  it('retains a valuable segment with a modest rate that holds the largest pile of money at risk, so the top row is never a growth action', () => {
    // champions: churn .2 < 1/3, but 0.2 × 900,000 = 180,000 is 47% of all value at risk (average share 1/3)
    const p = prioritize([seg('champions', 500, 0.2, 900_000, 15), seg('lapsed', 300, 0.9, 150_000, 250), seg('steady', 500, 0.1, 600_000, 30)]);
    const top = [...p].sort((a, b) => a.priorityRank - b.priorityRank)[0];
    expect(top.key).toBe('champions');
    expect(top.action).toBe('retain');
    expect(top.reason).toContain("at least an average segment's 33%");
    // steady: 0.1 × 600,000 = 60,000 is 16% — below the average share, healthy and valuable: growth
    expect(p.find((s) => s.key === 'steady')!.action).toBe('upsell');
  });

  it('quotes its numbers in the reason', () => {
    const r = prioritize(segs).find((s) => s.key === 'lapsed-vip')!.reason;
    expect(r).toContain('value at risk 40000');
    expect(r).toMatch(/churn 80% vs \d+% overall/);
    expect(r).toContain('value if retained 500 per customer vs 106');
  });

  it('rejects a churn risk outside [0, 1] naming the segment', () => {
    expect(() => prioritize([seg('x', 1, 1.5, 1, null)])).toThrow(/segment "x"/);
  });
});
