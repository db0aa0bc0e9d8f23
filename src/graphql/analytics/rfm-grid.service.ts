import type { DataSource } from 'typeorm';
import { rfmSegment } from '../../segmentation/rfm';
import { RFM_RESULT, rfmCellsSql } from '../../warehouse/bi-sql';
import type { BiSource } from './bi-summary';
import type { ModelRef } from '../../models/model-ref';
import type { RfmCell } from './rfm-grid.type';

type Db = Pick<DataSource, 'query'>;

/**
 * Customers and revenue of a model per (R, F) score pair: all 25 cells, empty ones as zeros, ordered by r
 * then f. Revenue comes from the feature snapshot the model was trained on (0 when that snapshot is gone).
 * Read from the model's summary (bi_rfm_cell) when it has one.
 */
export async function rfmGrid(ds: Db, model: ModelRef, source: BiSource = 'summary'): Promise<RfmCell[]> {
  const rows = (
    source === 'summary' && model.summary
      ? await ds.query(`WITH cells AS (SELECT r, f, customers, revenue FROM bi_rfm_cell WHERE model_version_id = $1)${RFM_RESULT}`, [model.id])
      : await ds.query(`WITH cells AS (${rfmCellsSql('$1', '$2')})${RFM_RESULT}`, [model.id, model.snapshotId])
  ) as Omit<RfmCell, 'segment'>[];
  return rows.map((c) => ({ ...c, segment: rfmSegment(c.r, c.f) }));
}
