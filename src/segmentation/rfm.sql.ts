import { OTHERS, OTHERS_TIER, RFM_SEGMENTS, RFM_WEIGHTS } from './rfm';

/**
 * RFM for a whole feature snapshot, set-based, with exactly the rules of ./rfm.ts (scores, segment boxes,
 * weights and tiers are generated from the same tables). Returns a SELECT yielding
 * (customer_id, r, f, m, rfm_score, segment, churn_tier), usable as the source of an INSERT … SELECT.
 */

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function checkSnapshotId(snapshotId: number): number {
  if (!Number.isSafeInteger(snapshotId) || snapshotId <= 0 || snapshotId > 2147483647) {
    throw new RangeError(`snapshotId must be a positive integer, got ${String(snapshotId)}`);
  }
  return snapshotId;
}

/**
 * Score of dimension `x` (columns x_v, x_below, x_floor, x_min and n must exist): the tie-aware quintile rule
 * of ./rfm.ts in integer arithmetic (bigint division truncates, and every operand is ≥ 0, so it floors).
 */
function scoreExpr(x: string): string {
  return `(CASE WHEN 5 * ${x}_floor > n
               THEN CASE WHEN ${x}_v = ${x}_min THEN 1 ELSE 2 + (4 * (${x}_below - ${x}_floor)) / (n - ${x}_floor) END
               ELSE 1 + (5 * ${x}_below) / n END)::int`;
}

function segmentExpr(r: string, f: string): string {
  const whens = RFM_SEGMENTS.map(
    (s) => `WHEN ${r} BETWEEN ${s.r[0]} AND ${s.r[1]} AND ${f} BETWEEN ${s.f[0]} AND ${s.f[1]} THEN ${sqlString(s.name)}`,
  );
  return `CASE ${whens.join(' ')} ELSE ${sqlString(OTHERS)} END`;
}

function tierExpr(segment: string): string {
  const whens = RFM_SEGMENTS.map((s) => `WHEN ${sqlString(s.name)} THEN ${sqlString(s.tier)}`);
  return `CASE ${segment} ${whens.join(' ')} ELSE ${sqlString(OTHERS_TIER)} END`;
}

export function rfmSql(snapshotId: number): string {
  const id = checkSnapshotId(snapshotId);
  return `
WITH s AS (
  SELECT customer_id,
         -recency_days AS r_v,
         frequency::float8 AS f_v,
         COALESCE(monetary, '-Infinity'::float8) AS m_v   -- no known spend ranks lowest
    FROM customer_features
   WHERE snapshot_id = ${id}
),
ranked AS (
  SELECT customer_id, r_v, f_v, m_v,
         count(*) OVER () AS n,
         min(r_v) OVER () AS r_min, min(f_v) OVER () AS f_min, min(m_v) OVER () AS m_min,
         rank() OVER (ORDER BY r_v) - 1 AS r_below,
         rank() OVER (ORDER BY f_v) - 1 AS f_below,
         rank() OVER (ORDER BY m_v) - 1 AS m_below
    FROM s
),
floored AS (
  SELECT ranked.*,
         count(*) FILTER (WHERE r_v = r_min) OVER () AS r_floor,
         count(*) FILTER (WHERE f_v = f_min) OVER () AS f_floor,
         count(*) FILTER (WHERE m_v = m_min) OVER () AS m_floor
    FROM ranked
),
scored AS (
  SELECT customer_id, ${scoreExpr('r')} AS r, ${scoreExpr('f')} AS f, ${scoreExpr('m')} AS m
    FROM floored
),
segmented AS (
  SELECT scored.*, ${segmentExpr('r', 'f')} AS segment
    FROM scored
)
SELECT customer_id, r, f, m,
       ${RFM_WEIGHTS.r}::float8 * r + ${RFM_WEIGHTS.f}::float8 * f + ${RFM_WEIGHTS.m}::float8 * m AS rfm_score,
       segment,
       ${tierExpr('segment')} AS churn_tier
  FROM segmented`;
}
