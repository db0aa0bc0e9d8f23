import type { DataSource } from 'typeorm';
import { MEMBER_REVENUE } from './analytics-sql';
import type { GeoSegment } from './geo-segment.type';
import type { ModelRef } from '../../models/model-ref';

type Db = Pick<DataSource, 'query'>;

/**
 * A model's customers per state, for a map, in one aggregate (GROUPING SETS: per state, and per state × RFM
 * segment). The state is the one of the model's feature snapshot (the customer's, else its zip prefix's);
 * customers with no known state are left out. Placed at the state's centroid (state_centroid). Ordered by
 * customers, most first.
 */
export async function geoSegments(ds: Db, model: ModelRef): Promise<GeoSegment[]> {
  return (await ds.query(
    `WITH g AS (
       SELECT upper(f.state) AS state, cs.rfm_segment, GROUPING(cs.rfm_segment) = 1 AS is_state,
              count(*)::int AS customers, avg(cs.churn_probability)::float8 AS churn_risk,
              COALESCE(sum(${MEMBER_REVENUE}), 0)::float8 AS revenue
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1 AND f.state IS NOT NULL
        GROUP BY GROUPING SETS ((upper(f.state)), (upper(f.state), cs.rfm_segment))
     )
     SELECT s.state, sc.name AS "stateName", sc.lat, sc.lng, s.customers, s.churn_risk AS "churnRisk", s.revenue,
            (array_agg(x.rfm_segment ORDER BY x.customers DESC, x.rfm_segment))[1] AS "topSegment",
            json_agg(json_build_object('segment', x.rfm_segment, 'customers', x.customers) ORDER BY x.customers DESC, x.rfm_segment) AS segments
       FROM g s
       JOIN g x ON x.state = s.state AND NOT x.is_state
       LEFT JOIN state_centroid sc ON sc.state = s.state
      WHERE s.is_state
      GROUP BY s.state, sc.name, sc.lat, sc.lng, s.customers, s.churn_risk, s.revenue
      ORDER BY s.customers DESC, s.state`,
    [model.id, model.snapshotId],
  )) as GeoSegment[];
}
