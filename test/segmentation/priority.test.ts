import { prioritize } from '../../src/segmentation/priority';

describe('prioritize', () => {
  const segs = [
    { key: 'lapsed-vip', size: 100, churnRisk: 0.8, valueTotal: 50_000, avgRecencyDays: 300 },
    { key: 'active-vip', size: 100, churnRisk: 0.1, valueTotal: 60_000, avgRecencyDays: 20 },
    { key: 'one-timers', size: 1000, churnRisk: 0.9, valueTotal: 40_000, avgRecencyDays: 200 },
    { key: 'new', size: 300, churnRisk: 0.2, valueTotal: 9_000, avgRecencyDays: 10 },
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

  it('derives the action from risk and value relative to the population', () => {
    const p = Object.fromEntries(prioritize(segs).map((s) => [s.key, s.action]));
    // population: risk = (80+10+900+60)/1500 = 0.7, value per customer = 159000/1500 = 106
    expect(p['lapsed-vip']).toBe('win-back'); // risk .8 ≥ .7, value 500 ≥ 106, recency above mean
    expect(p['active-vip']).toBe('upsell'); // risk .1 < .7, value 600 ≥ 106
    expect(p['one-timers']).toBe('let go'); // risk .9, value 40 < 106
    expect(p['new']).toBe('nurture'); // risk .2, value 30
  });

  it('calls a valuable segment at risk from one in three even when the population is riskier', () => {
    const p = prioritize([
      { key: 'loyal', size: 100, churnRisk: 0.4, valueTotal: 100_000, avgRecencyDays: 30 },
      { key: 'champions', size: 100, churnRisk: 0.15, valueTotal: 100_000, avgRecencyDays: 10 },
      { key: 'one-timers', size: 10_000, churnRisk: 0.97, valueTotal: 50_000, avgRecencyDays: 200 },
    ]);
    const a = Object.fromEntries(p.map((s) => [s.key, s.action]));
    expect(a.loyal).toBe('retain'); // 0.4 ≥ 1/3 although the population's risk is ~0.95; recent, so retain
    expect(a.champions).toBe('upsell');
    expect(a['one-timers']).toBe('let go');
  });

  it('rejects a churn risk outside [0, 1] naming the segment', () => {
    expect(() => prioritize([{ key: 'x', size: 1, churnRisk: 1.5, valueTotal: 1, avgRecencyDays: null }])).toThrow(/segment "x"/);
  });
});
