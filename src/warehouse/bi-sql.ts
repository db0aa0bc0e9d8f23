/**
 * The BI queries' grouping rules, written once: the live queries (src/graphql/analytics, the reference path)
 * and the summary tables that the loaders and the train pipeline keep (bi-aggregates.service.ts) both build
 * from these fragments, so a summary row means exactly what the live query would have computed for it.
 *
 * The fragments are SQL text over table names only; they import nothing above the warehouse.
 */

/**
 * The number of the current warehouse load: the newest whose summaries no write has overtaken since (see
 * migration 1764000000060: every write to a table the summaries read moves bi_write_seq). NULL when none is.
 */
export const CURRENT_LOAD = `(SELECT max(load_no) FROM bi_load WHERE write_no = (SELECT last_value FROM bi_write_seq))`;

/**
 * A member's revenue: spend before the model's as-of from its feature snapshot (`f`). Net spend below zero
 * (returns exceeding purchases) counts as 0 — the same rule as the segments' revenueShare.
 */
export const MEMBER_REVENUE = 'GREATEST(f.monetary, 0)';

/**
 * Sums and means of float8 columns are taken in numeric: a float8 sum depends on the order rows arrive in,
 * which changes with the plan (parallel workers, a freshly attached partition), so the same question could
 * get answers that differ in the last bits. Numeric addition is exact and order-free (each value converted
 * at 15 significant digits), and the result is rounded to float8 once.
 */
export const exactSum = (x: string) => `COALESCE(sum((${x})::numeric), 0)::float8`;
export const exactAvg = (x: string) => `avg((${x})::numeric)::float8`;

/** The calendar month (UTC) of a timestamptz, as a timestamp at its first instant. */
export const monthOf = (ts: string) => `date_trunc('month', ${ts} AT TIME ZONE 'UTC')`;

/**
 * The calendar month (UTC) of a timestamptz as an integer, year × 12 + month − 1, so that month differences
 * are integer subtraction (date_part is float8: cheaper than extract's numeric over many rows).
 */
export const monthIndexOf = (ts: string) =>
  `(date_part('year', ${ts} AT TIME ZONE 'UTC') * 12 + date_part('month', ${ts} AT TIME ZONE 'UTC') - 1)::int`;

/** "YYYY-MM" of a month index. */
export const monthLabel = (index: string) => `to_char(make_date((${index}) / 12, (${index}) % 12 + 1, 1), 'YYYY-MM')`;

/**
 * A cohort's state group: the customer's state, else its zip prefix's (`c` customer, `g` geolocation),
 * upper-cased; an empty state is no state.
 */
export const COHORT_STATE = `NULLIF(upper(COALESCE(c.state, g.state)), '')`;

/**
 * Cohort cells: per (cohort month index, group, month offset k) the members who purchased in that month.
 * `grp` is COHORT_STATE (`byState`) or NULL; `cohortFilter` restricts cohorts (`w` rows, `b.last` the last
 * month with a purchase). The CTEs purchase_month, bounds, with_cohort and cells.
 */
export function cohortCellsCtes(byState: boolean, cohortFilter: string): string {
  return `purchase_month AS (
       SELECT customer_id, ${monthIndexOf('purchased_at')} AS m FROM order_fact WHERE is_purchase GROUP BY 1, 2
     ),
     bounds AS (SELECT max(m) AS last FROM purchase_month),
     with_cohort AS (
       SELECT customer_id, m, min(m) OVER (PARTITION BY customer_id) AS cohort FROM purchase_month
     ),
     cells AS (
       SELECT w.cohort, ${byState ? COHORT_STATE : 'NULL::text'} AS grp, w.m - w.cohort AS k, count(*)::int AS active
         FROM with_cohort w
        CROSS JOIN bounds b
        ${byState ? 'JOIN customer c ON c.id = w.customer_id LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix' : ''}
        WHERE ${cohortFilter}
        GROUP BY 1, 2, 3
     )`;
}

/**
 * The cohort answer rows from CTEs `cells` (cohort, grp, k, active) and `bounds` (last): per (cohort, group) its
 * label, size and dense cells (JSON). `withIndex` adds the cohort's month index (`cohort_index`); `ordered`
 * sorts as the query answers (cohort, then group with no group last).
 */
export function cohortRows(opts: { withIndex?: boolean; ordered?: boolean } = {}): string {
  return `
     SELECT ${opts.withIndex ? 's.cohort AS cohort_index, ' : ''}${monthLabel('s.cohort')} AS cohort, s.grp AS "group", s.active AS size,
            json_agg(json_build_object('periodOffset', o.k, 'active', COALESCE(a.active, 0),
                                       'share', COALESCE(a.active, 0)::float8 / s.active) ORDER BY o.k) AS cells
       FROM cells s
      CROSS JOIN bounds b
      CROSS JOIN LATERAL generate_series(0, b.last - s.cohort) AS o(k)
       -- A group is never '' (COHORT_STATE), so '' can stand for "no group" and the join can be hashed.
       LEFT JOIN cells a ON a.cohort = s.cohort AND COALESCE(a.grp, '') = COALESCE(s.grp, '') AND a.k = o.k
      WHERE s.k = 0
      GROUP BY s.cohort, s.grp, s.active${opts.ordered ? '\n      ORDER BY s.cohort, s.grp NULLS LAST' : ''}`;
}

export const COHORT_RESULT = cohortRows({ ordered: true });

/** First and last month (timestamps, UTC) with a purchase order, as `first` and `last`. */
export const PURCHASE_BOUNDS = `SELECT ${monthOf('max(purchased_at)')} AS last, ${monthOf('min(purchased_at)')} AS first FROM order_fact WHERE is_purchase`;

/**
 * The timeline's cells of model `modelParam`: per (month, series) active buyers, purchase orders and revenue
 * (numeric, exact). A customer counts once per month: purchases are summed per (customer, month) first, and
 * the four groupings ("all", "tier:…", "segment:…", "cluster:…") come from one GROUPING SETS pass. `windowJoin`/
 * `windowWhere` restrict the months read (the live query reads only its window). Buyers outside the model
 * land in no tier, segment or cluster series (their series is NULL).
 */
export function timelineAggCtes(modelParam: string, windowJoin: string, windowWhere: string): string {
  return `customer_month AS (
       SELECT o.customer_id, ${monthOf('o.purchased_at')} AS month, count(*) AS orders, COALESCE(sum(o.value), 0) AS revenue
         FROM order_fact o
        ${windowJoin}
        WHERE o.is_purchase ${windowWhere}
        GROUP BY 1, 2
     ),
     agg AS (
       SELECT p.month,
              CASE WHEN GROUPING(cs.churn_tier) = 0 THEN 'tier:' || cs.churn_tier
                   WHEN GROUPING(cs.rfm_segment) = 0 THEN 'segment:' || cs.rfm_segment
                   WHEN GROUPING(cs.cluster_id) = 0 THEN 'cluster:' || cs.cluster_id
                   ELSE 'all' END AS series,
              count(*)::int AS active, sum(p.orders)::int AS orders, sum(p.revenue) AS revenue
         FROM customer_month p
         LEFT JOIN customer_segment cs ON cs.model_version_id = ${modelParam} AND cs.customer_id = p.customer_id
        GROUP BY GROUPING SETS ((p.month), (p.month, cs.churn_tier), (p.month, cs.rfm_segment), (p.month, cs.cluster_id))
     )`;
}

/**
 * The timeline result from CTEs `window_` (first, last month) and `agg` (month, series, active, orders, revenue):
 * dense, every month of the window × every series of model `modelParam`, zeros included.
 */
export const timelineResult = (modelParam: string) => `,
     series AS (
       SELECT 'all' AS series, 0 AS ord
       UNION ALL SELECT 'tier:' || t, o FROM unnest(ARRAY['HIGH', 'MEDIUM', 'LOW']) WITH ORDINALITY AS t(t, o)
       UNION ALL SELECT 'cluster:' || segment_key, 5 FROM segment_profile WHERE model_version_id = ${modelParam} AND kind = 'CLUSTER'
       UNION ALL SELECT 'segment:' || segment_key, 10 FROM segment_profile WHERE model_version_id = ${modelParam} AND kind = 'RFM'
     ),
     periods AS (SELECT generate_series(w.first, w.last, interval '1 month') AS month FROM window_ w)
     SELECT to_char(p.month, 'YYYY-MM') AS period, s.series, COALESCE(a.active, 0) AS "activeCustomers",
            COALESCE(a.orders, 0) AS orders, COALESCE(a.revenue, 0)::float8 AS revenue
       FROM periods p
      CROSS JOIN series s
       LEFT JOIN agg a ON a.month = p.month AND a.series = s.series
      ORDER BY p.month, s.ord, length(s.series), s.series`;

/**
 * Geo groups of model `modelParam` over its snapshot `snapshotParam`: per state (is_state) and per state × RFM
 * segment, customers, mean churn risk and revenue. The state is the snapshot's; customers without one are
 * left out.
 */
export const geoGroupsSql = (modelParam: string, snapshotParam: string) => `
       SELECT upper(f.state) AS state, cs.rfm_segment, GROUPING(cs.rfm_segment) = 1 AS is_state,
              count(*)::int AS customers, ${exactAvg('cs.churn_probability')} AS churn_risk,
              ${exactSum(MEMBER_REVENUE)} AS revenue
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = ${snapshotParam} AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = ${modelParam} AND f.state IS NOT NULL
        GROUP BY GROUPING SETS ((upper(f.state)), (upper(f.state), cs.rfm_segment))`;

/** The geo result from CTE `g` (geoGroupsSql's columns). */
export const GEO_RESULT = `
     SELECT s.state, sc.name AS "stateName", sc.lat, sc.lng, s.customers, s.churn_risk AS "churnRisk", s.revenue,
            (array_agg(x.rfm_segment ORDER BY x.customers DESC, x.rfm_segment))[1] AS "topSegment",
            json_agg(json_build_object('segment', x.rfm_segment, 'customers', x.customers) ORDER BY x.customers DESC, x.rfm_segment) AS segments
       FROM g s
       JOIN g x ON x.state = s.state AND NOT x.is_state
       LEFT JOIN state_centroid sc ON sc.state = s.state
      WHERE s.is_state
      GROUP BY s.state, sc.name, sc.lat, sc.lng, s.customers, s.churn_risk, s.revenue
      ORDER BY s.customers DESC, s.state`;

/** RFM cells of model `modelParam`: customers and revenue per (r, f) present in the model. */
export const rfmCellsSql = (modelParam: string, snapshotParam: string) => `
       SELECT cs.r, cs.f, count(*)::int AS customers, ${exactSum(MEMBER_REVENUE)} AS revenue
         FROM customer_segment cs
         LEFT JOIN customer_features f ON f.snapshot_id = ${snapshotParam} AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = ${modelParam}
        GROUP BY cs.r, cs.f`;

/** The 25-cell grid from CTE `cells` (r, f, customers, revenue). */
export const RFM_RESULT = `
     SELECT r.r, f.f, COALESCE(c.customers, 0)::int AS customers, COALESCE(c.revenue, 0)::float8 AS revenue
       FROM generate_series(1, 5) AS r(r)
      CROSS JOIN generate_series(1, 5) AS f(f)
       LEFT JOIN cells c ON c.r = r.r AND c.f = f.f
      ORDER BY r.r, f.f`;

/** Customers of model `modelParam` per (RFM segment, cluster). */
export const overlapSql = (modelParam: string) => `SELECT rfm_segment, cluster_id, count(*)::int AS customers
               FROM customer_segment WHERE model_version_id = ${modelParam}
              GROUP BY rfm_segment, cluster_id`;

/**
 * The state the customer list filters on: the person's, else the model snapshot's (`c` customer, `f`
 * customer_features). The list's state filter is an equality on it.
 */
export const LIST_STATE = 'COALESCE(c.state, f.state)';

/** Customers of model `modelParam` per (list state, RFM segment, cluster), for the list's counts; no state left out. */
export const stateCountsSql = (modelParam: string, snapshotParam: string) => `
       SELECT ${LIST_STATE} AS state, cs.rfm_segment, cs.cluster_id, count(*)::int AS customers
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = ${snapshotParam} AND f.customer_id = cs.customer_id
         JOIN customer c ON c.id = cs.customer_id
        WHERE cs.model_version_id = ${modelParam} AND ${LIST_STATE} IS NOT NULL
        GROUP BY 1, 2, 3`;

/**
 * The model's summaries that group its customers (geo, RFM grid, overlap, counts by list state) from ONE pass
 * over customer_segment ⋈ the snapshot's features ⋈ customer: the pass groups by every key any of them uses
 * (a few thousand groups), each summary then sums the groups it needs. Counts and numeric sums add up exactly,
 * and a numeric mean is its numeric sum over its count (avg's own final step), so each row equals what the
 * summary's own GROUP BY (geoGroupsSql, rfmCellsSql, overlapSql, stateCountsSql) computes. The joins are outer
 * here; `has_f` and `has_c` keep the inner joins' rules where a summary has them. CTE `fine`. `segments` is the
 * model's rows as `cs` (default: its customer_segment rows).
 */
export const modelFineGroupsCte = (
  modelParam: string,
  snapshotParam: string,
  segments = `(SELECT * FROM customer_segment WHERE model_version_id = ${modelParam}) cs`,
) => `fine AS MATERIALIZED (
       SELECT upper(f.state) AS geo_state, ${LIST_STATE} AS list_state, f.customer_id IS NOT NULL AS has_f, c.id IS NOT NULL AS has_c,
              cs.rfm_segment, cs.cluster_id, cs.r, cs.f,
              count(*)::int AS customers, sum((cs.churn_probability)::numeric) AS risk_sum, count(cs.churn_probability) AS risk_n,
              sum((${MEMBER_REVENUE})::numeric) AS revenue
         FROM ${segments}
         LEFT JOIN customer_features f ON f.snapshot_id = ${snapshotParam} AND f.customer_id = cs.customer_id
         LEFT JOIN customer c ON c.id = cs.customer_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
     )`;

/** The columns of modelFineGroupsCte's `fine`, with their types. */
export const FINE_COLUMNS: [string, string][] = [
  ['geo_state', 'text'], ['list_state', 'text'], ['has_f', 'boolean'], ['has_c', 'boolean'], ['rfm_segment', 'text'], ['cluster_id', 'integer'],
  ['r', 'smallint'], ['f', 'smallint'], ['customers', 'integer'], ['risk_sum', 'numeric'], ['risk_n', 'bigint'], ['revenue', 'numeric'],
];

/**
 * The timeline's cells like timelineAggCtes (same `customer_month`, same rows), grouped once by (month, tier,
 * segment, cluster) and each series then summed from those few hundred groups, rather than four hash
 * aggregates over every (customer, month). CTE `agg` without the NULL series. `assignments` joins the customers'
 * (churn_tier, rfm_segment, cluster_id) as `cs`, ending in `AND` (default: the model's customer_segment rows).
 */
export function timelineCellsCtes(modelParam: string, assignments = `customer_segment cs ON cs.model_version_id = ${modelParam} AND`): string {
  return `customer_month AS (
       SELECT o.customer_id, ${monthOf('o.purchased_at')} AS month, count(*) AS orders, COALESCE(sum(o.value), 0) AS revenue
         FROM order_fact o
        WHERE o.is_purchase
        GROUP BY 1, 2
     ),
     month_groups AS MATERIALIZED (
       SELECT p.month, cs.churn_tier, cs.rfm_segment, cs.cluster_id, count(*)::int AS active, sum(p.orders) AS orders, sum(p.revenue) AS revenue
         FROM customer_month p
         LEFT JOIN ${assignments} cs.customer_id = p.customer_id
        GROUP BY 1, 2, 3, 4
     ),
     agg AS (
       SELECT month, 'all' AS series, sum(active)::int AS active, sum(orders)::int AS orders, sum(revenue) AS revenue FROM month_groups GROUP BY month
       UNION ALL
       SELECT month, 'tier:' || churn_tier, sum(active)::int, sum(orders)::int, sum(revenue) FROM month_groups WHERE churn_tier IS NOT NULL GROUP BY month, churn_tier
       UNION ALL
       SELECT month, 'segment:' || rfm_segment, sum(active)::int, sum(orders)::int, sum(revenue) FROM month_groups WHERE rfm_segment IS NOT NULL GROUP BY month, rfm_segment
       UNION ALL
       SELECT month, 'cluster:' || cluster_id, sum(active)::int, sum(orders)::int, sum(revenue) FROM month_groups WHERE cluster_id IS NOT NULL GROUP BY month, cluster_id
     )`;
}
