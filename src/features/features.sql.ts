import { FEATURES } from './catalogue';

/**
 * The feature computation: one INSERT … SELECT into a snapshot's partition ($1 = snapshot id, $2 = as_of), and
 * the same SELECT restricted to a few customers for on-demand use.
 *
 * Shape: every fact table is aggregated before anything is joined, so no row can be multiplied by another
 * table's rows. `order_fact` already holds one row per order, written when the orders were loaded: payments,
 * items and transaction lines summed, review sums, the items' categories, the order's purchase-day number.
 * `pc` folds it per person in one ordered pass, reviews included for orders whose reviews all precede as_of;
 * `rvx` reads the few other orders' reviews one by one (only those created before as_of count); `cat` unnests
 * the categories of customers with several orders (a one-order customer's are their order's). The per-person
 * aggregates are then joined 1:1.
 *
 * No leakage: orders count when purchased before as_of; reviews when created before as_of; delivery facts
 * when delivered before as_of (an order still in transit at as_of has no delay yet). A purchase-day number
 * counts only earlier days, so it is the same whatever as_of cuts.
 *
 * Speed: money sums stay numeric (exact cents) and are converted to float8 once per person; means, deviations,
 * shares and day counts run in float8, whose aggregate states need no allocation per group. The input comes in
 * (customer, purchase time) order from the index, so grouping needs neither a sort nor a hash table. Category
 * names compare in byte order (COLLATE "C"): cheaper than a linguistic sort, and the tie-break of the top
 * category is then the same on every server whatever its locale.
 */

const AS_OF = '$2::timestamptz';
// date_part gives float8 (EXTRACT gives numeric, whose arithmetic costs more).
const days = (interval: string) => `(date_part('epoch', ${interval}) / 86400)`;
const utcDay = (ts: string) => `(${ts} AT TIME ZONE 'UTC')::date`;
// Spend net of return-only orders: numeric sums converted to float8 once; the two sums are added (in numeric)
// only for customers who have such orders, the rare case.
const MONETARY = 'CASE WHEN ret.value IS NULL THEN pc.monetary_f ELSE (pc.monetary + ret.value)::float8 END';
const reviewSum = (col: string) => `(COALESCE(pc.${col}, 0) + COALESCE(rvx.${col}, 0))`;

/**
 * Output expression of every catalogue column, over the aliases of the final SELECT, cast to the column's type
 * (the on-demand SELECT has no INSERT to coerce counts from bigint).
 */
export const FEATURE_EXPRESSIONS: Readonly<Record<string, string>> = {
  recency_days: days(`${AS_OF} - pc.last_purchase_at`),
  frequency: 'pc.frequency::int',
  purchase_days: 'pc.purchase_days::int',
  first_purchase_at: 'pc.first_purchase_at',
  last_purchase_at: 'pc.last_purchase_at',
  monetary: MONETARY,
  avg_order_value: `${MONETARY} / pc.valued_orders`,
  // Undefined for a single valued order (sd NULL) and for a mean <= 0 (net returns): NULL, not 0.
  order_value_cv: 'CASE WHEN pc.monetary > 0 THEN pc.sd_value / (pc.monetary_f / pc.valued_orders) END',
  tenure_days: days(`${AS_OF} - pc.first_purchase_at`),
  mean_interpurchase_days: `CASE WHEN pc.purchase_days > 1
    THEN ${days('pc.last_purchase_at - pc.first_purchase_at')} / (pc.purchase_days - 1) END`,
  items_per_order: 'pc.items_per_order',
  // No item rows at all (transaction logs): NULL; items whose products have no category: 0. One order: its own.
  distinct_categories: 'CASE WHEN pc.frequency = 1 THEN pc.one_n_categories ELSE cat.distinct_categories END::int',
  top_category: 'CASE WHEN pc.frequency = 1 THEN pc.one_top_category ELSE cat.top_category END',
  // Reviews before as_of: the order sums (pc) plus the orders reviewed again later (rvx); none at all → NULL.
  avg_review_score: `(${reviewSum('rv_sum')}::float8 / NULLIF(${reviewSum('rv_n')}, 0))`,
  low_review_share: `(${reviewSum('rv_low')}::float8 / NULLIF(${reviewSum('rv_n')}, 0))`,
  avg_delivery_delay_days: 'pc.delay_days',
  late_delivery_share: 'pc.late_share',
  mean_installments: 'pc.mean_installments',
  credit_card_share: 'pc.credit_card_share',
  // Return lines exist only in transaction logs; elsewhere "no return lines" is a true 0, not a missing fact.
  returns: '(COALESCE(pc.returns, 0) + COALESCE(ret.n_returns, 0))::int',
  state: 'COALESCE(c.state, g.state)',
  lat: 'COALESCE(g.lat, sc.lat)',
  lng: 'COALESCE(g.lng, sc.lng)',
  repeat_monetary_mean: 'CASE WHEN pc.purchase_days > 1 THEN pc.repeat_value / (pc.purchase_days - 1) END',
};

for (const f of FEATURES) {
  if (!FEATURE_EXPRESSIONS[f.column]) throw new Error(`feature column ${f.column} has no SQL expression`);
}

const columns = FEATURES.map((f) => f.column);

/**
 * The one feature query, as a SELECT. For a snapshot ($1 = snapshot id) every customer is computed and the
 * first output column is the snapshot id; `forCustomers` instead restricts every read of the fact tables to
 * the customers in $1 (int[]) and leaves the snapshot id out, so the same expressions serve a handful of
 * customers on demand (classification of current features) without writing a snapshot.
 *
 * Restricted, order_fact is read through its (customer_id, purchased_at) index.
 */
function featureSelect(opts: { forCustomers: boolean }): string {
  const only = (col: string) => (opts.forCustomers ? ` AND ${col} = ANY($1::int[])` : '');
  const purchases = `f.is_purchase AND f.purchased_at < ${AS_OF}${only('f.customer_id')}`;
  return `
WITH pc AS (
  SELECT customer_id,
         count(*) AS frequency,
         max(purchase_day_no) AS purchase_days,
         min(purchased_at) AS first_purchase_at,
         max(purchased_at) AS last_purchase_at,
         sum(value) AS monetary,
         sum(value)::float8 AS monetary_f,
         count(value) AS valued_orders,
         stddev_samp(value::float8) AS sd_value,
         (sum(value) FILTER (WHERE purchase_day_no > 1))::float8 AS repeat_value,
         avg(n_items::float8) AS items_per_order,
         avg(max_installments::float8) AS mean_installments,
         avg(credit_share::float8) AS credit_card_share,
         sum(n_returns) AS returns,
         avg(delay_days::float8) FILTER (WHERE delivered_customer_at < ${AS_OF}) AS delay_days,
         avg((${utcDay('delivered_customer_at')} > ${utcDay('estimated_delivery_at')})::int::float8)
           FILTER (WHERE delivered_customer_at < ${AS_OF} AND estimated_delivery_at IS NOT NULL) AS late_share,
         -- Reviews of orders whose every dated review precedes as_of, from the order's sums; see rvx.
         sum(review_score_sum) FILTER (WHERE last_review_at < ${AS_OF}) AS rv_sum,
         sum(n_dated_reviews) FILTER (WHERE last_review_at < ${AS_OF}) AS rv_n,
         sum(n_low_reviews) FILTER (WHERE last_review_at < ${AS_OF}) AS rv_low,
         -- The order's own category facts, used when it is the customer's only one (see cat).
         min(n_categories) AS one_n_categories,
         min(top_category COLLATE "C") AS one_top_category
    FROM (SELECT f.customer_id, f.purchased_at, f.purchase_day_no, f.value, f.n_items, f.max_installments, f.credit_share,
                 f.n_returns, f.delivered_customer_at, f.estimated_delivery_at, f.delay_days, f.last_review_at,
                 f.n_dated_reviews, f.review_score_sum, f.n_low_reviews, f.n_categories, f.top_category
            FROM order_fact f
           WHERE ${purchases}
           ORDER BY f.customer_id, f.purchased_at) f
   GROUP BY customer_id
),
rvx AS (
  -- Orders with a review created on or after as_of (found by index): their reviews before as_of, one by one.
  SELECT f.customer_id, sum(r.score) AS rv_sum, count(*) AS rv_n, count(*) FILTER (WHERE r.score <= 2) AS rv_low
    FROM order_fact f
    JOIN order_review r ON r.order_id = f.order_id
   WHERE ${purchases} AND f.last_review_at >= ${AS_OF} AND r.created_at < ${AS_OF}
   GROUP BY f.customer_id
),
cat AS (
  -- Customers with several orders: mode() takes the most frequent category, among equally frequent ones the
  -- first in byte order. Both ignore NULL categories (items whose product has none).
  SELECT f.customer_id,
         count(DISTINCT c.name COLLATE "C") AS distinct_categories,
         mode() WITHIN GROUP (ORDER BY c.name COLLATE "C") AS top_category
    FROM order_fact f
    CROSS JOIN LATERAL unnest(f.item_categories) AS c(name)
   WHERE ${purchases} AND f.customer_id IN (SELECT customer_id FROM pc WHERE frequency > 1)
   GROUP BY f.customer_id
),
ret AS (
  -- Orders made only of returns (found by a partial index): not purchases, but they reduce spend and count as returns.
  SELECT f.customer_id, sum(f.value) AS value, sum(f.n_returns) AS n_returns
    FROM order_fact f
   WHERE f.is_return_only AND f.purchased_at < ${AS_OF}${only('f.customer_id')}
   GROUP BY f.customer_id
)
SELECT ${opts.forCustomers ? '' : '$1::int, '}pc.customer_id,
       ${columns.map((c) => `${FEATURE_EXPRESSIONS[c]} AS ${c}`).join(',\n       ')}
  FROM pc
  JOIN customer c ON c.id = pc.customer_id
  LEFT JOIN rvx ON rvx.customer_id = pc.customer_id
  LEFT JOIN cat ON cat.customer_id = pc.customer_id
  LEFT JOIN ret ON ret.customer_id = pc.customer_id
  LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix
  LEFT JOIN state_centroid sc ON sc.state = upper(COALESCE(c.state, g.state))`;
}

/** A snapshot's rows into `table` (customer_features or one of its partitions): $1 = snapshot id, $2 = as_of. */
export function featureInsertSql(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`invalid table name ${table}`);
  return `
INSERT INTO ${table} (snapshot_id, customer_id, ${columns.join(', ')})${featureSelect({ forCustomers: false })}`;
}

/**
 * The same rows for some customers only, as a result set (customer_id then every catalogue column):
 * $1 = customer ids (int[]), $2 = as_of. Customers without a purchase before as_of get no row.
 */
export const FEATURE_ROWS_FOR_CUSTOMERS_SQL = featureSelect({ forCustomers: true });
