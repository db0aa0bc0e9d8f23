import type { DataSource } from 'typeorm';
import { notFound } from '../../shared/errors';
import { clusterName } from './analytics-sql';
import type { SegmentMap } from './segment-map.type';

type Db = Pick<DataSource, 'query'>;

/**
 * The 2-D PCA projection stored with model `modelId`, in one statement: the stored points carry the integer
 * customer key, mapped here to the public customer id (points whose customer no longer exists are dropped);
 * centroids get their cluster names. A model stored without a projection gives empty lists.
 */
export async function segmentMap(ds: Db, modelId: number): Promise<SegmentMap> {
  const rows = (await ds.query(
    `SELECT COALESCE((
              SELECT json_agg(json_build_object('x', (e.p->>'x')::float8, 'y', (e.p->>'y')::float8,
                                                'clusterId', e.p->>'clusterId', 'customerId', c.customer_unique_id) ORDER BY e.ord)
                FROM jsonb_array_elements(mv.projection->'points') WITH ORDINALITY AS e(p, ord)
                JOIN customer c ON c.id = (e.p->>'customerId')::int
            ), '[]') AS points,
            COALESCE((
              SELECT json_agg(json_build_object('clusterId', e.p->>'clusterId', 'name', ${clusterName('mv.id', "(e.p->>'clusterId')::int")},
                                                'x', (e.p->>'x')::float8, 'y', (e.p->>'y')::float8) ORDER BY (e.p->>'clusterId')::int)
                FROM jsonb_array_elements(mv.projection->'centroids') AS e(p)
            ), '[]') AS centroids,
            COALESCE(mv.projection->'explainedVariance', '[]') AS "explainedVariance"
       FROM model_version mv
      WHERE mv.id = $1`,
    [modelId],
  )) as Omit<SegmentMap, 'modelId'>[];
  if (rows.length === 0) throw notFound(`model version ${modelId} does not exist`, { id: String(modelId) });
  return { modelId: String(modelId), ...rows[0] };
}
