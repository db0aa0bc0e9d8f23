import type { DataSource } from 'typeorm';
import { GEO_RESULT, geoGroupsSql } from '../../warehouse/bi-sql';
import type { BiSource } from './bi-summary';
import type { GeoSegment } from './geo-segment.type';
import type { ModelRef } from '../../models/model-ref';

type Db = Pick<DataSource, 'query'>;

/**
 * A model's customers per state, for a map, in one aggregate (GROUPING SETS: per state, and per state × RFM
 * segment). The state is the one of the model's feature snapshot (the customer's, else its zip prefix's);
 * customers with no known state are left out. Placed at the state's centroid (state_centroid). Ordered by
 * customers, most first. Read from the model's summary (bi_geo_state, bi_geo_segment) when it has one.
 */
export async function geoSegments(ds: Db, model: ModelRef, source: BiSource = 'summary'): Promise<GeoSegment[]> {
  if (source === 'summary' && model.summary) {
    return (await ds.query(
      `WITH g AS (
         SELECT state, NULL::text AS rfm_segment, true AS is_state, customers, churn_risk, revenue
           FROM bi_geo_state WHERE model_version_id = $1
         UNION ALL
         SELECT state, rfm_segment, false, customers, NULL::float8, NULL::float8
           FROM bi_geo_segment WHERE model_version_id = $1
       )${GEO_RESULT}`,
      [model.id],
    )) as GeoSegment[];
  }
  return (await ds.query(`WITH g AS (${geoGroupsSql('$1', '$2')})${GEO_RESULT}`, [model.id, model.snapshotId])) as GeoSegment[];
}
