import { Math } from '../shared/math';

/**
 * Segment priority: where marketing should act first.
 *
 *   per customer:  value at risk = churn probability × value if retained
 *   per segment:   value at risk = Σ over its members
 *                  priority score = the segment's value at risk ÷ the sum of it over all segments of the same kind
 *
 * Churn probability is P(no purchase within the horizon); value if retained is what the customer is expected to
 * spend over the CLV horizon if they stay. The value must NOT be the CLV: CLV already contains survival
 * (≈ P(alive) × value if alive), so churn × CLV shrinks exactly where customers are leaving and ranks the
 * segments with most to lose near the bottom. The score is the share of all value at risk that sits in the
 * segment (0–1, scores of a kind sum to 1); the rank orders segments by it (ties: value if retained, then key).
 *
 * The recommended action follows the money. Against the population (member-weighted means):
 *   low value   — mean value if retained below LOW_VALUE × the population's:
 *                   churn ≥ AT_RISK → let go (low value even if retained), else nurture (grow them cheaply)
 *   valuable    — at risk: churn ≥ AT_RISK, or the segment holds at least an average segment's share of the
 *                 value at risk of its kind (1 / number of segments):
 *                   most likely gone (churn ≥ GONE) and lapsed (recency above the population's) → win-back
 *                   otherwise (still buying)                                                     → retain
 *                 not at risk → upsell
 * The share clause is what makes "act on the top rows first" true: a valuable segment with a modest rate can still
 * hold the largest pile of money being lost (the best customers of a store, a few of whom leave each horizon), and
 * that money is kept by retaining them, not by selling them more. The top-ranked segment always holds at least the
 * average share, so it never carries a growth action unless its members are of low value.
 * upsell and nurture are growth actions: the board marks them so, since their value at risk is small by design.
 */
export const AT_RISK = 1 / 3;
export const GONE = 0.5;
export const LOW_VALUE = 0.5;
export type RecommendedAction = 'win-back' | 'retain' | 'upsell' | 'nurture' | 'let go';
/** 'bg_nbd' = the fitted transaction model; 'empirical_repeat' = the thin-data fallback; 'rfm_tier' = RFM tiers only. */
export type RiskSource = 'bg_nbd' | 'empirical_repeat' | 'rfm_tier';
export const GROWTH_ACTIONS: readonly RecommendedAction[] = ['upsell', 'nurture'];

export interface SegmentStats {
  key: string;
  size: number;
  /** Members' mean churn probability, 0–1. */
  churnRisk: number;
  /** Σ members' value if retained. */
  valueIfRetainedTotal: number;
  /** Σ members' churn probability × value if retained. */
  valueAtRisk: number;
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
  'value at risk = Σ members (P(no purchase within horizon) × value if retained); priority = value at risk / Σ over segments of the same kind; rank by priority';

const ACTION_TEXT: Record<RecommendedAction, string> = {
  'win-back': 'Win back: personal offer or reactivation campaign; most have stopped buying but are worth a lot if they return',
  retain: 'Retain: loyalty benefits and service follow-up to keep valuable customers buying',
  upsell: 'Upsell (growth): cross-sell and premium offers to healthy, valuable customers',
  nurture: 'Nurture (growth): onboarding and low-cost content to grow their value',
  'let go': 'Let go: automated low-cost touches only; low value even if retained',
};

export function actionText(a: RecommendedAction): string {
  return ACTION_TEXT[a];
}

const money = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export function prioritize(segments: SegmentStats[]): SegmentPriority[] {
  for (const s of segments) {
    if (
      !(s.size >= 0) ||
      !Number.isFinite(s.churnRisk) || s.churnRisk < 0 || s.churnRisk > 1 ||
      !Number.isFinite(s.valueIfRetainedTotal) || !Number.isFinite(s.valueAtRisk) || s.valueAtRisk < 0
    ) {
      throw new RangeError(`segment "${s.key}": size ≥ 0, churnRisk in [0, 1], a finite valueIfRetainedTotal and valueAtRisk ≥ 0 are required`);
    }
  }
  const n = segments.reduce((a, s) => a + s.size, 0);
  const popRisk = n ? segments.reduce((a, s) => a + s.churnRisk * s.size, 0) / n : 0;
  const popValue = n ? segments.reduce((a, s) => a + s.valueIfRetainedTotal, 0) / n : 0;
  const withRec = segments.filter((s) => s.avgRecencyDays !== null);
  const recN = withRec.reduce((a, s) => a + s.size, 0);
  const popRecency = recN ? withRec.reduce((a, s) => a + (s.avgRecencyDays as number) * s.size, 0) / recN : 0;

  const totalAtRisk = segments.reduce((a, s) => a + s.valueAtRisk, 0);
  const fairShare = segments.length ? 1 / segments.length : 0;
  const out = segments.map((s): SegmentPriority => {
    const meanValue = s.size ? s.valueIfRetainedTotal / s.size : 0;
    const share = totalAtRisk > 0 ? s.valueAtRisk / totalAtRisk : 0;
    const material = totalAtRisk > 0 && share >= fairShare;
    const risky = s.churnRisk >= AT_RISK;
    const lowValue = meanValue < LOW_VALUE * popValue;
    const lapsed = s.avgRecencyDays !== null && s.avgRecencyDays > popRecency;
    const action: RecommendedAction = lowValue
      ? risky ? 'let go' : 'nurture'
      : risky || material ? (s.churnRisk >= GONE && lapsed ? 'win-back' : 'retain') : 'upsell';
    const reason =
      `value at risk ${money(s.valueAtRisk)} (${pct(share)} of all${material ? `, at least an average segment's ${pct(fairShare)}` : ''}); churn ${pct(s.churnRisk)} vs ${pct(popRisk)} overall; ` +
      `value if retained ${money(meanValue)} per customer vs ${money(popValue)}` +
      (s.avgRecencyDays !== null ? `; last purchase ${s.avgRecencyDays.toFixed(0)} days ago vs ${popRecency.toFixed(0)}` : '');
    return { key: s.key, valueAtRisk: s.valueAtRisk, priorityScore: share, priorityRank: 0, action, reason };
  });
  const order = out
    .map((p, i) => ({ p, s: segments[i] }))
    .sort((a, b) => b.p.priorityScore - a.p.priorityScore || b.s.valueIfRetainedTotal - a.s.valueIfRetainedTotal || a.s.key.localeCompare(b.s.key));
  order.forEach((o, rank) => (o.p.priorityRank = rank + 1));
  return out;
}
