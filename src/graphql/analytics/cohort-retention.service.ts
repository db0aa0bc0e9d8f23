import type { DataSource } from 'typeorm';
import { badInput } from '../../shared/errors';
import { CohortBy, Granularity } from './analytics-enums';
import { MAX_MONTHS, monthIndexOf, monthLabel } from './analytics-sql';
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
 * One pass: distinct (customer, month) pairs with the customer's first month as a window minimum, counted per
 * (cohort, group, offset); generate_series fills the offsets nobody was active in.
 */
export async function cohortRetention(ds: Db, opts: CohortOptions = {}): Promise<Cohort[]> {
  if ((opts.granularity ?? Granularity.MONTH) !== Granularity.MONTH) throw badInput('granularity must be MONTH', { argument: 'granularity' });
  const cohorts = checkMonths(opts.cohorts, DEFAULT_COHORTS, 'cohorts');
  const byState = (opts.by ?? CohortBy.NONE) === CohortBy.STATE;
  return (await ds.query(
    `WITH purchase_month AS (
       SELECT customer_id, ${monthIndexOf('purchased_at')} AS m FROM order_fact WHERE is_purchase GROUP BY 1, 2
     ),
     bounds AS (SELECT max(m) AS last FROM purchase_month),
     with_cohort AS (
       SELECT customer_id, m, min(m) OVER (PARTITION BY customer_id) AS cohort FROM purchase_month
     ),
     cells AS (
       SELECT w.cohort, ${byState ? 'upper(COALESCE(c.state, g.state))' : 'NULL::text'} AS grp, w.m - w.cohort AS k, count(*)::int AS active
         FROM with_cohort w
        CROSS JOIN bounds b
        ${byState ? 'JOIN customer c ON c.id = w.customer_id LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix' : ''}
        WHERE w.cohort > b.last - $1
        GROUP BY 1, 2, 3
     )
     SELECT ${monthLabel('s.cohort')} AS cohort, s.grp AS "group", s.active AS size,
            json_agg(json_build_object('periodOffset', o.k, 'active', COALESCE(a.active, 0),
                                       'share', COALESCE(a.active, 0)::float8 / s.active) ORDER BY o.k) AS cells
       FROM cells s
      CROSS JOIN bounds b
      CROSS JOIN LATERAL generate_series(0, b.last - s.cohort) AS o(k)
       LEFT JOIN cells a ON a.cohort = s.cohort AND a.grp IS NOT DISTINCT FROM s.grp AND a.k = o.k
      WHERE s.k = 0
      GROUP BY s.cohort, s.grp, s.active
      ORDER BY s.cohort, s.grp NULLS LAST`,
    [cohorts],
  )) as Cohort[];
}
