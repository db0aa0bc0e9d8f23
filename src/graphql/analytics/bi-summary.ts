import type { DataSource } from 'typeorm';

type Db = Pick<DataSource, 'query'>;

/**
 * Where an analytics query reads: `summary` (the default) reads the BI summary tables when they hold the
 * answer for the current warehouse load and model (src/warehouse/bi-aggregates.service.ts) and otherwise
 * runs the live SQL; `live` always runs the live SQL, the reference the summaries are tested against.
 */
export type BiSource = 'summary' | 'live';

/** The newest warehouse load's summary header, or null when none was built yet. */
export async function currentLoad(db: Db): Promise<{ loadNo: number } | null> {
  const [row] = (await db.query(`SELECT load_no AS "loadNo" FROM bi_load ORDER BY load_no DESC LIMIT 1`)) as { loadNo: number }[];
  return row ?? null;
}

/**
 * A model's summaries: null when there are none or, when `model.snapshotId` is given, they were built over
 * another feature snapshot than the model's now (a deleted snapshot); `loadCurrent` when its
 * warehouse-dependent ones (timeline, counts by state) were built over the current load.
 */
export async function modelSummary(
  db: Db,
  model: { id: number; snapshotId?: number | null },
): Promise<{ loadCurrent: boolean; loadNo: number | null } | null> {
  const [row] = (await db.query(
    `SELECT a.snapshot_id AS "snapshotId", a.load_no AS "loadNo", COALESCE(a.load_no = (SELECT max(load_no) FROM bi_load), false) AS "loadCurrent"
       FROM bi_model_aggregate a WHERE a.model_version_id = $1`,
    [model.id],
  )) as { snapshotId: number | null; loadNo: number | null; loadCurrent: boolean }[];
  if (!row || (model.snapshotId !== undefined && row.snapshotId !== model.snapshotId)) return null;
  return { loadCurrent: row.loadCurrent, loadNo: row.loadNo };
}

/**
 * The load-keyed summary queries read their load by number in one statement: a load that commits in between
 * removes the older one, and the statement then finds nothing. Such a result (and a genuinely empty one,
 * cheap to recompute) is answered by the live SQL instead.
 */
export async function summaryOrLive<T>(summary: (() => Promise<T[]>) | null, live: () => Promise<T[]>): Promise<T[]> {
  if (summary) {
    const rows = await summary();
    if (rows.length) return rows;
  }
  return live();
}
