import type { DataSource } from 'typeorm';
import { rfmSegment } from '../../segmentation/rfm';
import { MEMBER_REVENUE } from './analytics-sql';
import type { ModelRef } from '../../models/model-ref';
import type { RfmCell } from './rfm-grid.type';

type Db = Pick<DataSource, 'query'>;

/**
 * Customers and revenue of a model per (R, F) score pair: all 25 cells, empty ones as zeros, ordered by r
 * then f. Revenue comes from the feature snapshot the model was trained on (0 when that snapshot is gone).
 */
export async function rfmGrid(ds: Db, model: ModelRef): Promise<RfmCell[]> {
  const rows = (await ds.query(
    `WITH cells AS (
       SELECT cs.r, cs.f, count(*)::int AS customers, COALESCE(sum(${MEMBER_REVENUE}), 0)::float8 AS revenue
         FROM customer_segment cs
         LEFT JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1
        GROUP BY cs.r, cs.f
     )
     SELECT r.r, f.f, COALESCE(c.customers, 0)::int AS customers, COALESCE(c.revenue, 0)::float8 AS revenue
       FROM generate_series(1, 5) AS r(r)
      CROSS JOIN generate_series(1, 5) AS f(f)
       LEFT JOIN cells c ON c.r = r.r AND c.f = f.f
      ORDER BY r.r, f.f`,
    [model.id, model.snapshotId],
  )) as Omit<RfmCell, 'segment'>[];
  return rows.map((c) => ({ ...c, segment: rfmSegment(c.r, c.f) }));
}
