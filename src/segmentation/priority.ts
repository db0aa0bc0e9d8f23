/**
 * Segment priority: where marketing should act first.
 *
 *   value at risk  = churn risk × expected value (total over the segment's members)
 *   priority score = the segment's value at risk ÷ the sum of it over all segments of the same kind
 *
 * So the score is the share of all value at risk that sits in the segment (0–1, scores of a kind sum to 1),
 * and the rank orders segments by it (ties broken by total value, then key). Churn risk is the members'
 * mean churn probability from the churn model; when no churn model could be fitted it falls back to the
 * share of members in the RFM "high" churn tier (+ half the "medium" share), and says so in `riskSource`.
 * Expected value is the members' CLV when available, else their historical monetary value.
 *
 * The recommended action compares a segment with the population (member-weighted means). A segment is at
 * risk when its churn risk reaches the population's or one in three (AT_RISK), whichever is lower — in a store
 * where most customers buy once the population's risk is very high, and a third of a valuable segment
 * slipping away is already a reason to act:
 *   at risk     and value ≥ population → win-back (if lapsed: recency above the population's) or retain
 *   at risk     and value <  population → let go (cheap automated touches only)
 *   not at risk and value ≥ population → upsell
 *   not at risk and value <  population → nurture
 */
export const AT_RISK = 1 / 3;
export type RecommendedAction = 'win-back' | 'retain' | 'upsell' | 'nurture' | 'let go';
export type RiskSource = 'bg_nbd' | 'rfm_tier';

export interface SegmentStats {
  key: string;
  size: number;
  churnRisk: number;
  /** Sum of the members' expected value (CLV or monetary). */
  valueTotal: number;
  avgRecencyDays: number | null;
}

export interface SegmentPriority {
  key: string;
  valueAtRisk: number;
  priorityScore: number;
  priorityRank: number;
  action: RecommendedAction;
  reason: string;
}

export const PRIORITY_FORMULA =
  'priority = (churn risk × total expected value) / Σ over segments of the same kind; rank by priority, ties by total value';

const ACTION_TEXT: Record<RecommendedAction, string> = {
  'win-back': 'Win back: personal offer or reactivation campaign before they are gone',
  retain: 'Retain: loyalty benefits and service follow-up to keep them buying',
  upsell: 'Upsell: cross-sell and premium offers to healthy, valuable customers',
  nurture: 'Nurture: onboarding and low-cost content to grow their value',
  'let go': 'Let go: automated low-cost touches only; not worth paid retention',
};

export function actionText(a: RecommendedAction): string {
  return ACTION_TEXT[a];
}

export function prioritize(segments: SegmentStats[]): SegmentPriority[] {
  for (const s of segments) {
    if (!(s.size >= 0) || !Number.isFinite(s.churnRisk) || s.churnRisk < 0 || s.churnRisk > 1 || !Number.isFinite(s.valueTotal)) {
      throw new RangeError(`segment "${s.key}": size ≥ 0, churnRisk in [0, 1] and a finite valueTotal are required`);
    }
  }
  const n = segments.reduce((a, s) => a + s.size, 0);
  const popRisk = n ? segments.reduce((a, s) => a + s.churnRisk * s.size, 0) / n : 0;
  const popValue = n ? segments.reduce((a, s) => a + s.valueTotal, 0) / n : 0;
  const withRec = segments.filter((s) => s.avgRecencyDays !== null);
  const recN = withRec.reduce((a, s) => a + s.size, 0);
  const popRecency = recN ? withRec.reduce((a, s) => a + (s.avgRecencyDays as number) * s.size, 0) / recN : 0;

  const atRisk = segments.map((s) => Math.max(0, s.churnRisk * s.valueTotal));
  const totalAtRisk = atRisk.reduce((a, b) => a + b, 0);
  const out = segments.map((s, i): SegmentPriority => {
    const meanValue = s.size ? s.valueTotal / s.size : 0;
    const risky = s.churnRisk >= Math.min(popRisk, AT_RISK);
    const valuable = meanValue >= popValue;
    const lapsed = s.avgRecencyDays !== null && s.avgRecencyDays > popRecency;
    const action: RecommendedAction = risky ? (valuable ? (lapsed ? 'win-back' : 'retain') : 'let go') : valuable ? 'upsell' : 'nurture';
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const reason =
      `churn risk ${pct(s.churnRisk)} vs ${pct(popRisk)} overall; mean value ${meanValue.toFixed(2)} vs ${popValue.toFixed(2)}` +
      (s.avgRecencyDays !== null ? `; last purchase ${s.avgRecencyDays.toFixed(0)} days ago vs ${popRecency.toFixed(0)}` : '');
    return { key: s.key, valueAtRisk: atRisk[i], priorityScore: totalAtRisk > 0 ? atRisk[i] / totalAtRisk : 0, priorityRank: 0, action, reason };
  });
  const order = out
    .map((p, i) => ({ p, s: segments[i] }))
    .sort((a, b) => b.p.priorityScore - a.p.priorityScore || b.s.valueTotal - a.s.valueTotal || a.s.key.localeCompare(b.s.key));
  order.forEach((o, rank) => (o.p.priorityRank = rank + 1));
  return out;
}
