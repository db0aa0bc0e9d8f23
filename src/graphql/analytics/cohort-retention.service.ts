import type { DataSource } from 'typeorm';
import { badInput } from '../../shared/errors';
import { CohortBy, Granularity } from './analytics-enums';
import { cohortCellsCtes, COHORT_RESULT, COHORT_STATE, CURRENT_LOAD } from '../../warehouse/bi-sql';
import { MAX_MONTHS } from './analytics-sql';
import { summaryOrLive, type BiSource } from './bi-summary';
import type { Cohort, CohortCell, CohortState } from './cohort.type';

type Db = Pick<DataSource, 'query'>;

export interface CohortOptions {
  granularity?: Granularity | null;
  by?: CohortBy | null;
  /** How many cohort months, counting back from the last month with a purchase (default 24). */
  cohorts?: number | null;
  /** Split by STATE: only this state's cohorts (compared upper-cased, as the split groups). */
  state?: string | null;
}

export const DEFAULT_COHORTS = 24;

export function checkMonths(v: number | null | undefined, dflt: number, argument: string): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1 || n > MAX_MONTHS) throw badInput(`${argument} must be an integer from 1 to ${MAX_MONTHS} (got ${String(v)})`, { argument });
  return n;
}

/**
 * Monthly cohort retention, all in SQL. A customer's cohort is the UTC month of their first purchase order
 * (order_fact.is_purchase); a cohort member is active in month offset k when they made at least one purchase in
 * the k-th month after it (k = 0 is the cohort month, so its share is 1 and its count is the cohort's size).
 * Cohorts are limited to the last `cohorts` months up to the last month with any purchase; each cohort has a
 * cell for every offset from 0 to that last month (the triangle), zeros included. Split by STATE, a cohort is
 * a (month, state) pair, the state being the customer's, else its zip prefix's.
 *
 * Read from the current load's answer rows (bi_cohort_row, their active counts) when there is one. The live SQL (the reference,
 * `source` 'live') makes one pass: distinct (customer, month) pairs with the customer's first month as a
 * window minimum, counted per (cohort, group, offset); generate_series fills the offsets nobody was active in.
 */
/**
 * A stored row's cells from its active counts (offset k at index k). The share is the same float8 quotient the
 * SQL computes (active::float8 / size): both are one IEEE division of the same two integers.
 */
function cellsOf(actives: number[], size: number): CohortCell[] {
  return actives.map((active, periodOffset) => ({ periodOffset, active, share: active / size }));
}

/**
 * An answer row with `cells` made on first read: a client that asks for the groups only (the dashboard's state
 * picker) or for the compact `actives` does not pay for thousands of cell objects. The property is an own,
 * enumerable one, in the same key order as the live rows, so both serialize alike.
 */
function storedCohort(cohort: string, group: string | null, size: number, actives: number[]): Cohort {
  let cells: CohortCell[] | undefined;
  const row = { cohort, group, size } as Cohort;
  Object.defineProperty(row, 'cells', { enumerable: true, get: () => (cells ??= cellsOf(actives, size)) });
  row.actives = actives;
  return row;
}

export async function cohortRetention(ds: Db, opts: CohortOptions = {}, source: BiSource = 'summary'): Promise<Cohort[]> {
  if ((opts.granularity ?? Granularity.MONTH) !== Granularity.MONTH) throw badInput('granularity must be MONTH', { argument: 'granularity' });
  const cohorts = checkMonths(opts.cohorts, DEFAULT_COHORTS, 'cohorts');
  const byState = (opts.by ?? CohortBy.NONE) === CohortBy.STATE;
  const state = opts.state === undefined || opts.state === null ? null : opts.state.trim().toUpperCase();
  if (state !== null && !byState) throw badInput('state needs by: STATE', { argument: 'state' });
  if (state === '') throw badInput('state must not be empty', { argument: 'state' });
  const params: unknown[] = state === null ? [cohorts] : [cohorts, state];
  // The current load keeps the answer rows of every cohort, split and unsplit: the last n cohorts are a range of
  // them. No current load (none built, or written since): no row at all, and the live SQL answers. A current load
  // with no cohort to answer (a state without buyers) gives one row without a cohort: the answer is empty, and
  // the live SQL's pass over order_fact is not run to say so.
  const fromSummary =
    source === 'summary'
      ? async () => {
          const rows = (await ds.query(
            `SELECT r.label AS cohort, NULLIF(r.state, '') AS "group", r.size, r.actives
               FROM bi_load l LEFT JOIN bi_cohort_row r
                 ON r.load_no = l.cells_no AND r.by_state = ${byState} AND r.cohort > l.last_purchase_month_index - $1
                    ${state === null ? '' : 'AND r.state = $2'}
              WHERE l.load_no = ${CURRENT_LOAD}
              ORDER BY r.cohort, NULLIF(r.state, '') NULLS LAST`,
            params,
          )) as { cohort: string | null; group: string | null; size: number; actives: number[] }[];
          if (rows.length === 0) return null;
          return { rows: rows.filter((r) => r.cohort !== null).map((r) => storedCohort(r.cohort!, r.group, r.size, r.actives)) };
        }
      : null;
  return summaryOrLive(fromSummary, async () =>
    (
      (await ds.query(
        `WITH ${cohortCellsCtes(byState, `w.cohort > b.last - $1${state === null ? '' : ` AND ${COHORT_STATE} = $2`}`)}${COHORT_RESULT}`,
        params,
      )) as Cohort[]
    ).map((c) => ({ ...c, actives: c.cells.map((x) => x.active) })));
}

/**
 * The states with cohorts among the last `cohorts` months, in byte order (unknown state last), each with its number of
 * cohorts and of customers (the sum of their sizes): cohortRetention(by: STATE) grouped by state. A picker needs
 * these ~30 rows, not every (month, state) cohort with its cells (640 rows at 1M customers, read with their counts
 * only to be thrown away). Read from the same answer rows as cohortRetention, without their counts.
 */
export async function cohortStates(ds: Db, opts: { cohorts?: number | null } = {}, source: BiSource = 'summary'): Promise<CohortState[]> {
  const cohorts = checkMonths(opts.cohorts, DEFAULT_COHORTS, 'cohorts');
  const fromSummary =
    source === 'summary'
      ? async () => {
          // No current load: no row, and the live SQL answers. A current load without cohorts: one row, 0 cohorts.
          const rows = (await ds.query(
            `SELECT NULLIF(r.state, '') AS state, count(r.cohort)::int AS cohorts, COALESCE(sum(r.size), 0)::int AS customers
               FROM bi_load l LEFT JOIN bi_cohort_row r
                 ON r.load_no = l.cells_no AND r.by_state AND r.cohort > l.last_purchase_month_index - $1
              WHERE l.load_no = ${CURRENT_LOAD}
              GROUP BY 1 ORDER BY NULLIF(r.state, '') COLLATE "C" NULLS LAST`,
            [cohorts],
          )) as CohortState[];
          if (rows.length === 0) return null;
          return { rows: rows.filter((r) => r.cohorts > 0) };
        }
      : null;
  return summaryOrLive(fromSummary, async () => {
    const byState = new Map<string | null, CohortState>();
    for (const c of await cohortRetention(ds, { by: CohortBy.STATE, cohorts }, 'live')) {
      const row = byState.get(c.group) ?? { state: c.group, cohorts: 0, customers: 0 };
      row.cohorts += 1;
      row.customers += c.size;
      byState.set(c.group, row);
    }
    return [...byState.values()].sort((a, b) => (a.state === b.state ? 0 : a.state === null ? 1 : b.state === null ? -1 : a.state < b.state ? -1 : 1));
  });
}
