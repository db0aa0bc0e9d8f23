import type { DataSource } from 'typeorm';
import { badInput } from '../../shared/errors';
import { CohortBy, Granularity } from './analytics-enums';
import { cohortCellsCtes, COHORT_RESULT, CURRENT_LOAD } from '../../warehouse/bi-sql';
import { MAX_MONTHS } from './analytics-sql';
import { currentLoad, summaryOrLive, type BiSource } from './bi-summary';
import type { Cohort } from './cohort.type';

type Db = Pick<DataSource, 'query'>;

export interface CohortOptions {
  granularity?: Granularity | null;
  by?: CohortBy | null;
  /** How many cohort months, counting back from the last month with a purchase (default 24). */
  cohorts?: number | null;
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
 * Read from the current load's cohort cells (bi_cohort_cell) when there is one. The live SQL (the reference,
 * `source` 'live') makes one pass: distinct (customer, month) pairs with the customer's first month as a
 * window minimum, counted per (cohort, group, offset); generate_series fills the offsets nobody was active in.
 */
export async function cohortRetention(ds: Db, opts: CohortOptions = {}, source: BiSource = 'summary'): Promise<Cohort[]> {
  if ((opts.granularity ?? Granularity.MONTH) !== Granularity.MONTH) throw badInput('granularity must be MONTH', { argument: 'granularity' });
  const cohorts = checkMonths(opts.cohorts, DEFAULT_COHORTS, 'cohorts');
  const byState = (opts.by ?? CohortBy.NONE) === CohortBy.STATE;
  const load = source === 'summary' ? await currentLoad(ds) : null;
  // The load's cells are kept per state; without the split, a cohort's cells are the sums over its states
  // (every member has exactly one state group, so no one counts twice).
  const fromSummary = load
    ? async () =>
        (await ds.query(
          `WITH bounds AS (SELECT last_purchase_month_index AS last FROM bi_load WHERE load_no = $2 AND load_no = ${CURRENT_LOAD}),
           cells AS (
             SELECT c.cohort, ${byState ? `NULLIF(c.state, '')` : 'NULL::text'} AS grp, c.k, sum(c.active)::int AS active
               FROM bi_cohort_cell c CROSS JOIN bounds b
              WHERE c.load_no = $2 AND c.cohort > b.last - $1
              GROUP BY 1, 2, 3
           )${COHORT_RESULT}`,
          [cohorts, load.loadNo],
        )) as Cohort[]
    : null;
  return summaryOrLive(fromSummary, async () =>
    (await ds.query(`WITH ${cohortCellsCtes(byState, 'w.cohort > b.last - $1')}${COHORT_RESULT}`, [cohorts])) as Cohort[]);
}
