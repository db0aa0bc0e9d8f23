import type { DataSource } from 'typeorm';
import { CURRENT_LOAD } from '../../warehouse/bi-sql';

type Db = Pick<DataSource, 'query'>;

/**
 * Where an analytics query reads: `summary` (the default) reads the BI summary tables when they hold the
 * answer for the current warehouse load and model (src/warehouse/bi-aggregates.service.ts) and otherwise
 * runs the live SQL; `live` always runs the live SQL, the reference the summaries are tested against.
 */
export type BiSource = 'summary' | 'live';

/** The current warehouse load (see CURRENT_LOAD), or null when there is none (not built yet, or written since). */
export async function currentLoad(db: Db): Promise<{ loadNo: number } | null> {
  const [row] = (await db.query(`SELECT ${CURRENT_LOAD} AS "loadNo"`)) as { loadNo: number | null }[];
  return row?.loadNo ? { loadNo: row.loadNo } : null;
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
