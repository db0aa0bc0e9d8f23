import { badInput } from '../shared/errors';
import { Math } from '../shared/math';

/**
 * RFM scoring, segments and churn tiers as pure functions; the train pipeline applies them to a whole
 * snapshot (src/models/steps/scoring.step.ts). Rules in words: docs/rfm.md.
 *
 * Scores (1–5) come from tie-aware quintiles over all customers of a snapshot. For a value v among N values:
 *   below(v) = number of values strictly smaller than v (every member of a tie group has the same below),
 *   floor    = the number of values equal to the smallest value.
 *   - Usual case (floor ≤ N/5):  score = 1 + ⌊5 · below(v) / N⌋
 *     i.e. exact quintiles when there are no ties; a tie group takes the score of the quintile it starts in.
 *   - Dominant floor (floor > N/5, e.g. the one-time buyers in frequency): the smallest value scores 1 and
 *     every larger value is spread over 2–5 by quartiles of the customers above the floor:
 *       score = 2 + ⌊4 · (below(v) − floor) / (N − floor)⌋
 *     so that one-time buyers all get F = 1 while repeat buyers still differ, however many buy once.
 * Integer arithmetic only, so SQL and JavaScript give identical scores.
 * R is scored on −recency_days (most recent = 5), F on frequency (distinct orders), M on monetary; a customer
 * with no known spend (monetary NULL) ranks below everyone in M (treated as −∞).
 */

export type ChurnTier = 'HIGH' | 'MEDIUM' | 'LOW';

export interface SegmentRule {
  name: string;
  /** Inclusive R score range. */
  r: readonly [number, number];
  /** Inclusive F score range. */
  f: readonly [number, number];
  tier: ChurnTier;
}

/**
 * The named segments on the R × F grid, first match wins, in this order. The grid is the classic R/F segment
 * map; the boxes are chosen so that the 25 (R, F) cells are covered exactly once (every segment is reachable,
 * none is shadowed by an earlier one):
 *
 *   F →        1               2                   3–5
 *   R=5   New Customers   Potential Loyalist   Loyal (F3) / Champions (F4–5)
 *   R=4   Promising       Potential Loyalist   Loyal (F3) / Champions (F4–5)
 *   R=3   About To Sleep  Need Attention       Loyal Customers
 *   R=2   Hibernating     Hibernating          At Risk (F3–4) / Can't Lose Them (F5)
 *   R=1   Lost            Lost                 At Risk (F3–4) / Can't Lose Them (F5)
 *
 * F alone (not (F+M)/2) places a customer on the grid: loyalty is about coming back, and averaging in M would
 * call a big one-time buyer "loyal". M still weighs in the RFM score and drives ABC.
 */
export const RFM_SEGMENTS: readonly SegmentRule[] = [
  { name: 'Champions', r: [4, 5], f: [4, 5], tier: 'LOW' },
  { name: 'Loyal Customers', r: [3, 5], f: [3, 5], tier: 'LOW' },
  { name: 'Potential Loyalist', r: [4, 5], f: [2, 2], tier: 'LOW' },
  { name: 'New Customers', r: [5, 5], f: [1, 1], tier: 'LOW' },
  { name: 'Promising', r: [4, 4], f: [1, 1], tier: 'LOW' },
  { name: 'Need Attention', r: [3, 3], f: [2, 2], tier: 'MEDIUM' },
  { name: 'About To Sleep', r: [3, 3], f: [1, 1], tier: 'MEDIUM' },
  { name: 'At Risk', r: [1, 2], f: [3, 4], tier: 'HIGH' },
  { name: "Can't Lose Them", r: [1, 2], f: [5, 5], tier: 'HIGH' },
  { name: 'Hibernating', r: [2, 2], f: [1, 2], tier: 'HIGH' },
  { name: 'Lost', r: [1, 1], f: [1, 2], tier: 'HIGH' },
];

/** Segment for scores outside every box (cannot happen with valid 1–5 scores; kept as a safe default). */
export const OTHERS = 'Others';
export const OTHERS_TIER: ChurnTier = 'LOW';

/** Weights of the RFM score 0.5·R + 0.3·F + 0.2·M (range 1–5). */
export const RFM_WEIGHTS = { r: 0.5, f: 0.3, m: 0.2 } as const;

/**
 * Tie-aware quintile scores (1–5) of `values`, in input order, by the rule in this file's header.
 * -Infinity is allowed (it ranks lowest); NaN is not.
 */
export function quintileScores(values: ArrayLike<number>, name = 'values'): Int8Array {
  const n = values.length;
  const out = new Int8Array(n);
  if (n === 0) return out;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) throw badInput(`${name}[${i}] is ${String(v)}, expected a number`, { argument: name, row: i });
  }
  // Ranks by binary search in a sorted copy: "below" = how many values are strictly smaller (ties share it).
  const sorted = Float64Array.from(values).sort();
  const lowerBound = (v: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const min = sorted[0];
  let floor = 0;
  while (floor < n && sorted[floor] === min) floor++;
  for (let i = 0; i < n; i++) out[i] = quintileScoreOf(lowerBound(values[i]), n, floor);
  return out;
}

/**
 * The quintile rule itself: the score of a value that `below` of the n values lie strictly under, when the
 * smallest value is shared by `floor` of them. Usually 1 + ⌊5·below/n⌋; when the smallest value holds more
 * than a fifth of the customers (most bought once), it scores 1 and the rest share 2–5:
 * 2 + ⌊4·(below − floor)/(n − floor)⌋. Non-decreasing in `below`.
 */
export function quintileScoreOf(below: number, n: number, floor: number): number {
  if (5 * floor > n) return below < floor ? 1 : 2 + Math.floor((4 * (below - floor)) / (n - floor));
  return 1 + Math.floor((5 * below) / n);
}

/**
 * For scores 2, 3, 4, 5: the least number of values that must lie strictly below a value for it to earn that
 * score (the inverse of quintileScoreOf, found by bisection on it, so both read the same rule). Scoring a value
 * from outside the n values (a new customer) against the k-th smallest of them gives the score it would have had.
 */
export function quintileThresholdRanks(n: number, floor: number): number[] {
  const ks: number[] = [];
  for (let s = 2; s <= 5; s++) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (quintileScoreOf(mid, n, floor) >= s) hi = mid;
      else lo = mid + 1;
    }
    ks.push(lo);
  }
  return ks;
}

/**
 * The value a new value must exceed to earn each of the scores 2, 3, 4, 5 among `values` (null: every value earns
 * it): the k-th smallest value for each threshold rank k of quintileThresholdRanks. Scoring a member's own value
 * against them gives back its quintileScores score.
 */
export function quintileBoundaryValues(values: ArrayLike<number>): (number | null)[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) throw badInput('no values to take quintile boundaries of', { argument: 'values' });
  let floor = 1;
  while (floor < n && sorted[floor] === sorted[0]) floor++;
  return quintileThresholdRanks(n, floor).map((k) => (k <= 0 ? null : sorted[k - 1]));
}

function inBox(x: number, [lo, hi]: readonly [number, number]): boolean {
  return x >= lo && x <= hi;
}

/** The named segment of an (R, F) pair: the first rule of RFM_SEGMENTS that contains it, else "Others". */
export function rfmSegment(r: number, f: number): string {
  for (const rule of RFM_SEGMENTS) if (inBox(r, rule.r) && inBox(f, rule.f)) return rule.name;
  return OTHERS;
}

const tierBySegment = new Map<string, ChurnTier>(RFM_SEGMENTS.map((s) => [s.name, s.tier]));

/**
 * Churn tier of a segment: HIGH for Lost, Hibernating, At Risk and Can't Lose Them (long since the last
 * purchase); MEDIUM for About To Sleep and Need Attention (drifting); LOW for the rest.
 */
export function churnTier(segment: string): ChurnTier {
  return tierBySegment.get(segment) ?? OTHERS_TIER;
}

/**
 * Churn tier of a customer whose churn probability (P(no purchase within the horizon)) is known: the tier is that
 * same estimate in three bands (HIGH ≥ 2/3, MEDIUM ≥ 1/3, LOW below), so the tier shown next to a probability can
 * never contradict it. churnTier(segment) is only the fallback when no probability could be estimated.
 */
export function churnTierOf(probability: number): ChurnTier {
  return probability >= 2 / 3 ? 'HIGH' : probability >= 1 / 3 ? 'MEDIUM' : 'LOW';
}

/** 0.5·R + 0.3·F + 0.2·M, evaluated in this order (SQL does the same in float8, so results are bit-identical). */
export function rfmScore(r: number, f: number, m: number): number {
  return RFM_WEIGHTS.r * r + RFM_WEIGHTS.f * f + RFM_WEIGHTS.m * m;
}

export interface RfmInput {
  customerId: number;
  recencyDays: number;
  frequency: number;
  /** NULL when no order has a known value: ranks lowest in M. */
  monetary: number | null;
}

export interface RfmResult {
  customerId: number;
  r: number;
  f: number;
  m: number;
  rfmScore: number;
  segment: string;
  churnTier: ChurnTier;
}

/** RFM scores, segment and churn tier of every customer; quintiles are taken over `rows` as a whole. */
export function scoreRfm(rows: readonly RfmInput[]): RfmResult[] {
  rows.forEach((row, i) => {
    if (!Number.isFinite(row.recencyDays)) throw badInput(`rows[${i}].recencyDays is ${String(row.recencyDays)}, expected a finite number`, { argument: 'rows', row: i, field: 'recencyDays' });
    if (!Number.isSafeInteger(row.frequency) || row.frequency < 1) throw badInput(`rows[${i}].frequency is ${String(row.frequency)}, expected a positive integer`, { argument: 'rows', row: i, field: 'frequency' });
    if (row.monetary !== null && !Number.isFinite(row.monetary)) throw badInput(`rows[${i}].monetary is ${String(row.monetary)}, expected a finite number or null`, { argument: 'rows', row: i, field: 'monetary' });
  });
  const r = quintileScores(rows.map((x) => -x.recencyDays), 'recency');
  const f = quintileScores(rows.map((x) => x.frequency), 'frequency');
  const m = quintileScores(rows.map((x) => x.monetary ?? -Infinity), 'monetary');
  return rows.map((row, i) => {
    const segment = rfmSegment(r[i], f[i]);
    return { customerId: row.customerId, r: r[i], f: f[i], m: m[i], rfmScore: rfmScore(r[i], f[i], m[i]), segment, churnTier: churnTier(segment) };
  });
}
