import type { DataSource } from 'typeorm';
import { adjustedRandIndexFromContingency } from '../../segmentation/ari';
import { overlapSql } from '../../warehouse/bi-sql';
import { clusterName } from './analytics-sql';
import type { BiSource } from './bi-summary';
import type { ModelRef } from '../../models/model-ref';
import type { OverlapCell, SegmentOverlap } from './segment-overlap.type';

type Db = Pick<DataSource, 'query'>;

/**
 * The contingency table of RFM segment × cluster over `model`'s customers (one GROUP BY), and the
 * adjusted Rand index between the two labelings computed from it. The table is read from the model's summary
 * (bi_segment_overlap) when it has one.
 */
export async function segmentOverlap(ds: Db, model: ModelRef, source: BiSource = 'summary'): Promise<SegmentOverlap> {
  const modelId = model.id;
  const cells =
    source === 'summary' && model.summary
      ? 'SELECT rfm_segment, cluster_id, customers FROM bi_segment_overlap WHERE model_version_id = $1'
      : overlapSql('$1');
  const rows = (await ds.query(
    `SELECT o.rfm_segment AS "rfmSegment", o.cluster_id::text AS "clusterId", ${clusterName('$1', 'o.cluster_id')} AS "clusterName",
            o.customers
       FROM (${cells}) o
      ORDER BY o.rfm_segment, o.cluster_id`,
    [modelId],
  )) as OverlapCell[];
  const customers = rows.reduce((s, c) => s + c.customers, 0);
  // A model always has customers; an empty table has no partition to compare, reported as no agreement.
  const ari = rows.length ? adjustedRandIndexFromContingency(rows.map((c) => ({ a: c.rfmSegment, b: c.clusterId, count: c.customers }))) : 0;
  return { modelId: String(modelId), cells: rows, customers, adjustedRandIndex: ari };
}
