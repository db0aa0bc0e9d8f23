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
 * removes the older one, and the statement then finds nothing. A summary answers with its rows, or with null when
 * it does not hold the answer (no current load, or gone meanwhile); null, or no rows at all, is answered by the live
 * SQL. A summary that can tell an empty answer from a missing load (cohortRetention for a state without buyers)
 * answers `{ rows: [] }` to say the empty answer is its own.
 */
export async function summaryOrLive<T>(
  summary: (() => Promise<T[] | { rows: T[] } | null>) | null,
  live: () => Promise<T[]>,
): Promise<T[]> {
  if (summary) {
    const answer = await summary();
    if (answer && !Array.isArray(answer)) return answer.rows;
    if (answer?.length) return answer;
  }
  return live();
}
