/**
 * The decision backtest: if marketing acts on the top of a ranking until it has reached a given share of the
 * customers, how much of the value really lost in the horizon does it reach?
 *
 *   capture(ranking, c) = Σ value lost by the first c·n customers of the ranking ÷ Σ value lost by everyone
 *
 * A segment ranking covers customers segment by segment in priority order; the segment that crosses the
 * coverage is taken in part, its members in order of their own value at risk (acting on part of a segment is
 * what a campaign with a budget does). Customer rankings (recency, monetary, RFM score) are the baselines a
 * store could use without a model; all are judged on the same customers and the same losses in one run.
 */
export const COVERAGES = [0.1, 0.2, 0.3] as const;

export interface GainPoint {
  coverage: number;
  /** Share of all value lost reached (0–1). */
  captured: number;
}

export interface RankingGain {
  ranking: string;
  points: GainPoint[];
}

/** Capture at each coverage for customers taken in `order` (indices into `lost`). */
export function gainOf(order: ArrayLike<number>, lost: ArrayLike<number>, coverages: readonly number[] = COVERAGES): GainPoint[] {
  const n = lost.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += lost[i];
  const cum = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) cum[k + 1] = cum[k] + lost[order[k]];
  return coverages.map((c) => ({ coverage: c, captured: total > 0 ? cum[Math.min(n, Math.round(c * n))] / total : 0 }));
}

/** Customers by descending score (ties by index, so the order is deterministic). */
export function orderByScore(score: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: score.length }, (_, i) => i);
  return idx.sort((a, b) => score[b] - score[a] || a - b);
}

/** Customers segment by segment in rank order, each segment's members by descending value at risk. */
export function orderBySegments(segmentRank: ArrayLike<number>, valueAtRisk: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: segmentRank.length }, (_, i) => i);
  return idx.sort((a, b) => segmentRank[a] - segmentRank[b] || valueAtRisk[b] - valueAtRisk[a] || a - b);
}
