import { ABC_SHARES, XYZ_CV } from './abc-xyz';
import { checkSnapshotId } from './rfm.sql';

/**
 * ABC/XYZ for a whole feature snapshot, set-based, with exactly the rules of ./abc-xyz.ts. Returns a SELECT
 * yielding (customer_id, abc, xyz, abc_xyz), usable as the source of an INSERT … SELECT.
 * Revenue is numeric cents (round(monetary, 2)), so the share comparisons are exact; the running sum excludes
 * the current peer group, so ties share `before` and get the same class.
 */
export function abcXyzSql(snapshotId: number): string {
  const id = checkSnapshotId(snapshotId);
  return `
WITH s AS (
  SELECT customer_id, frequency, order_value_cv,
         CASE WHEN monetary > 0 THEN round(monetary::numeric, 2) END AS rev
    FROM customer_features
   WHERE snapshot_id = ${id}
),
c AS (
  SELECT s.*,
         -- Revenue of every strictly larger customer: the running sum through the peer group minus the group.
         -- (EXCLUDE GROUP says the same but makes PostgreSQL re-aggregate the frame per row: quadratic.)
         COALESCE(sum(rev) OVER (ORDER BY rev DESC NULLS LAST) - sum(rev) OVER (PARTITION BY rev), 0) AS before,
         sum(rev) OVER () AS total
    FROM s
),
classed AS (
  SELECT customer_id,
         CASE WHEN rev IS NULL THEN 'C'
              WHEN before < ${ABC_SHARES.a} * total THEN 'A'
              WHEN before < ${ABC_SHARES.b} * total THEN 'B'
              ELSE 'C' END AS abc,
         CASE WHEN frequency = 1 THEN 'S'
              WHEN order_value_cv IS NULL THEN 'Z'
              WHEN order_value_cv <= ${XYZ_CV.x} THEN 'X'
              WHEN order_value_cv <= ${XYZ_CV.y} THEN 'Y'
              ELSE 'Z' END AS xyz
    FROM c
)
SELECT customer_id, abc, xyz, abc || xyz AS abc_xyz FROM classed`;
}
