import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { deferIndexesAndKeys } from '../db/bulk-load';
import { withTransaction } from '../db/data-source';
import { hasBiLoad, refreshBiAggregates } from './bi-aggregates.service';

/**
 * `order_fact`: one row per order with its payments, items, transaction lines and reviews summed, written by
 * the loaders so that every reader (features, timeline, cohorts, backtests) starts from one row per order
 * instead of aggregating four fact tables by a text key each time.
 *
 * The view `order_fact_live` (migration 0012) is the reference definition; the SELECT below computes the same
 * rows for a chosen set of orders, restricting every aggregated table to those orders before grouping, so a
 * load of a few thousand orders into a large warehouse does not aggregate the whole warehouse. A test holds
 * table, view and this SELECT equal after each loader.
 */

/** The table's columns, in order (the view has the same). */
export const ORDER_FACT_COLUMNS = [
  'order_id', 'customer_id', 'status', 'source', 'purchased_at', 'delivered_customer_at', 'estimated_delivery_at', 'is_purchase',
  'is_return_only', 'value', 'paid', 'max_installments', 'credit_share', 'n_items', 'items_total', 'freight_total', 'n_lines',
  'n_returns', 'net_amount', 'avg_score', 'n_reviews', 'delay_days', 'n_dated_reviews', 'review_score_sum', 'n_low_reviews',
  'last_review_at', 'item_categories', 'purchase_day_no', 'n_categories', 'top_category',
] as const;

/** A caller's phase clock: the refresh marks where the order facts end and the summaries begin. */
export interface Laps {
  lap(name: string): void;
}

/** Working memory for the per-order hash aggregates and index builds of a large refresh (local to the transaction). */
const REFRESH_WORK_MEM = '512MB';
const REFRESH_MAINTENANCE_WORK_MEM = '256MB';

/** The temporary table that holds the order ids of a partial refresh. */
const SCOPE = 'order_fact_scope';

/** The purchase-day number of each purchase order among its customer's purchase orders (see migration 0012). */
const DAY_NO = `CASE WHEN is_purchase
  THEN dense_rank() OVER (PARTITION BY customer_id, is_purchase ORDER BY (purchased_at AT TIME ZONE 'UTC')::date)::int END`;

/**
 * The per-order facts of every order (`scoped` false) or of the orders listed in the temporary scope table.
 * Same expressions as the view: an order made only of returned lines is not a purchase; its value is the sum
 * of its payments, else of its items (price + freight), else of its transaction lines. Purchase days are
 * numbered among the selected orders: right for a full rebuild; a scoped refresh then renumbers the customers
 * who have other orders too.
 */
function orderFactSelect(scoped: boolean): string {
  const only = (col: string) => (scoped ? ` WHERE ${col} IN (SELECT id FROM ${SCOPE})` : '');
  return `
SELECT ${ORDER_FACT_COLUMNS.map((c) => (c === 'purchase_day_no' ? DAY_NO : `x.${c}`)).join(', ')} FROM (
SELECT o.id, o.customer_id, o.status, o.source, o.purchased_at, o.delivered_customer_at, o.estimated_delivery_at,
       o.status NOT IN ('canceled', 'unavailable') AND NOT COALESCE(t.n_lines = t.n_returns, false) AS is_purchase,
       COALESCE(t.n_lines = t.n_returns, false),
       COALESCE(p.paid, i.items_total, t.net_amount),
       p.paid, p.max_installments, p.credit_share::float8,
       i.n_items, i.items_total, i.freight_total,
       t.n_lines, t.n_returns, t.net_amount,
       r.avg_score, r.n_reviews,
       CASE WHEN o.delivered_customer_at IS NOT NULL AND o.estimated_delivery_at IS NOT NULL
            THEN (EXTRACT(EPOCH FROM (o.delivered_customer_at - o.estimated_delivery_at)) / 86400.0)::float8 END,
       r.n_dated_reviews, r.review_score_sum, r.n_low_reviews, r.last_review_at,
       i.item_categories,
       -- Most orders hold one item; only the others need a count and a mode; no items at all gives NULL.
       -- Byte order (COLLATE "C"): the tie-break must not depend on the server's locale.
       CASE WHEN i.n_items = 1 THEN (i.item_categories[1] IS NOT NULL)::int
            WHEN i.n_items > 1 THEN (SELECT count(DISTINCT c COLLATE "C")::int FROM unnest(i.item_categories) c) END,
       CASE WHEN i.n_items = 1 THEN i.item_categories[1]
            WHEN i.n_items > 1 THEN (SELECT mode() WITHIN GROUP (ORDER BY c COLLATE "C") FROM unnest(i.item_categories) c) COLLATE "default" END
  FROM ${scoped ? `orders o JOIN ${SCOPE} s ON s.id = o.id` : 'orders o'}
  LEFT JOIN (SELECT order_id, SUM(value) AS paid, MAX(installments) AS max_installments, AVG((type = 'credit_card')::int) AS credit_share
               FROM order_payment${only('order_id')} GROUP BY order_id) p ON p.order_id = o.id
  -- Grouped by sorting (array_agg is ordered), on the id's bytes: a linguistic sort of the keys cost half as much again.
  LEFT JOIN (SELECT i.order_id COLLATE "C" AS order_id, COUNT(*) AS n_items, SUM(i.price + i.freight) AS items_total,
                    SUM(i.freight) AS freight_total, array_agg(pr.category_name ORDER BY i.item_seq) AS item_categories
               FROM order_item i LEFT JOIN product pr ON pr.id = i.product_id${only('i.order_id')}
              GROUP BY i.order_id COLLATE "C") i ON i.order_id = o.id
  LEFT JOIN (SELECT order_id, COUNT(*) AS n_lines, COUNT(*) FILTER (WHERE is_return) AS n_returns, SUM(amount) AS net_amount
               FROM transaction_line${only('order_id')} GROUP BY order_id) t ON t.order_id = o.id
  LEFT JOIN (SELECT order_id, AVG(score) AS avg_score, COUNT(*) AS n_reviews, COUNT(created_at) AS n_dated_reviews,
                    SUM(score) FILTER (WHERE created_at IS NOT NULL) AS review_score_sum,
                    COUNT(*) FILTER (WHERE created_at IS NOT NULL AND score <= 2) AS n_low_reviews,
                    MAX(created_at) AS last_review_at
               FROM order_review${only('order_id')} GROUP BY order_id) r ON r.order_id = o.id
) x (${ORDER_FACT_COLUMNS.filter((c) => c !== 'purchase_day_no').join(', ')})
 -- Stored in customer order: per-person reads then walk the (customer_id, purchased_at) index sequentially.
 ORDER BY customer_id, purchased_at`;
}

const INSERT = `INSERT INTO order_fact (${ORDER_FACT_COLUMNS.join(', ')})`;

async function withWorkMem<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  const {
    rows: [before],
  } = await client.query<{ w: string; m: string }>(`SELECT current_setting('work_mem') AS w, current_setting('maintenance_work_mem') AS m`);
  const set = (w: string, m: string) => client.query(`SELECT set_config('work_mem', $1, true), set_config('maintenance_work_mem', $2, true)`, [w, m]);
  await set(REFRESH_WORK_MEM, REFRESH_MAINTENANCE_WORK_MEM);
  const result = await fn();
  await set(before.w, before.m);
  return result;
}

/**
 * Rewrites every row of order_fact. Inside the caller's transaction (a loader's): the table is emptied and
 * refilled with its key, indexes and foreign key dropped meanwhile and rebuilt in bulk at the end (PostgreSQL's
 * advice for bulk loads); other sessions wait for the commit. The BI summaries follow in the same transaction
 * (refreshBiAggregates). Returns the number of orders.
 */
export async function rebuildOrderFacts(client: PoolClient): Promise<number> {
  return withWorkMem(client, async () => {
    await client.query('TRUNCATE order_fact');
    const deferred = await deferIndexesAndKeys(client, ['order_fact']);
    const res = await client.query(`${INSERT}${orderFactSelect(false)}`);
    await deferred.restore();
    // The summaries read the whole table: plan them on its new statistics, not the emptied table's.
    await client.query('ANALYZE order_fact');
    await refreshBiAggregates(client);
    return res.rowCount ?? 0;
  });
}

/** The temporary table of customers whose purchase days a partial refresh renumbers. */
const RENUMBER = 'order_fact_renumber';
/** The temporary table of customers whose order_fact rows a partial refresh wrote or deleted. */
const TOUCHED = 'order_fact_touched';
/** The temporary table of the order_fact rows insertLineOrderFacts inserted (the columns the summaries read). */
const ADDED = 'order_fact_added';

/**
 * Renumbers the purchase days of every customer in the RENUMBER table, over all their order_fact rows; rows whose
 * number holds are not written. A few customers' rows (under a tenth of the customers, as last counted) are reached
 * through the customer index on both sides: told only that the updated rows join the renumbered ones by order id,
 * the planner, pricing each index probe at several pages, read the whole table (100k customers, 500 renumbered:
 * 499 ms against 11 ms). For many customers one scan is the cheaper way (all 100k: 0.9–1.0 s against 1.1–1.3 s with
 * the probes).
 */
async function renumberPurchaseDays(client: PoolClient): Promise<void> {
  const {
    rows: [r],
  } = await client.query<{ n: number; customers: number }>(
    `SELECT (SELECT count(*) FROM ${RENUMBER})::int AS n, (SELECT reltuples FROM pg_class WHERE oid = 'customer'::regclass)::float8 AS customers`,
  );
  if (r.n === 0) return;
  await client.query(`ANALYZE ${RENUMBER}`);
  const few = r.n * 10 < r.customers;
  await client.query(`
    UPDATE order_fact f SET purchase_day_no = r.day_no
      FROM (SELECT order_id, ${DAY_NO} AS day_no FROM order_fact WHERE customer_id IN (SELECT customer_id FROM ${RENUMBER})) r
     WHERE r.order_id = f.order_id AND f.purchase_day_no IS DISTINCT FROM r.day_no
       ${few ? `AND f.customer_id IN (SELECT customer_id FROM ${RENUMBER})` : ''}`);
}

/**
 * Rewrites the order_fact rows of the orders that `orderIdsSql` selects (a SELECT of one text column of
 * order ids, `params` its parameters; `distinct` when it already yields each id once), inside the caller's
 * transaction: their old rows go, and each id that is still an order gets its row recomputed. Returns the
 * number of rows written.
 *
 * Purchase-day numbers depend on the customer's other orders. The new rows are numbered among themselves,
 * which is right for a customer whose every row is new; a customer who keeps rows outside the refresh is
 * renumbered whole afterwards (rows whose number did not change are not written). `customersSql` (a SELECT of
 * one integer column) names more customers who may need it: those whose orders the caller deleted, which took
 * their order_fact rows with them. The BI summaries follow in the same transaction (refreshBiAggregates), moved
 * by the customers whose rows changed.
 */
export async function refreshOrderFacts(
  client: PoolClient,
  orderIdsSql: string,
  params: unknown[] = [],
  opts: { distinct?: boolean; customersSql?: string; clock?: Laps } = {},
): Promise<number> {
  await client.query(`DROP TABLE IF EXISTS pg_temp.${SCOPE}, pg_temp.${RENUMBER}`);
  // No key: the scope is only ever hashed. Ids must be distinct (they are joined to orders): made so here unless
  // the caller's SELECT already guarantees it.
  await client.query(`CREATE TEMP TABLE ${SCOPE} (id text NOT NULL) ON COMMIT DROP`);
  await client.query(`CREATE TEMP TABLE ${RENUMBER} (customer_id integer NOT NULL) ON COMMIT DROP`);
  const scoped = await client.query(
    `INSERT INTO ${SCOPE} (id) SELECT ${opts.distinct ? '' : 'DISTINCT '}id FROM (${orderIdsSql}) x(id) WHERE id IS NOT NULL`,
    params,
  );
  const extra = opts.customersSql
    ? (await client.query(`INSERT INTO ${RENUMBER} SELECT c FROM (${opts.customersSql}) x(c) WHERE c IS NOT NULL`)).rowCount ?? 0
    : 0;
  if (!scoped.rowCount && !extra) {
    // Nothing to re-sum; the caller's other writes (customers, places) still move the summaries.
    await refreshBiAggregates(client, { customersSql: 'SELECT NULL::int WHERE false' });
    return 0;
  }
  await client.query(`ANALYZE ${SCOPE}`);
  return withWorkMem(client, async () => {
    // Candidates: the customers who lost rows here, own the refreshed orders, or were named by the caller.
    await client.query(`
      WITH gone AS (DELETE FROM order_fact f USING ${SCOPE} s WHERE f.order_id = s.id RETURNING f.customer_id)
      INSERT INTO ${RENUMBER} SELECT customer_id FROM gone
      UNION ALL SELECT o.customer_id FROM orders o JOIN ${SCOPE} s ON s.id = o.id`);
    // Every one of them may count differently in the summaries, renumbered or not.
    await client.query(`DROP TABLE IF EXISTS pg_temp.${TOUCHED}`);
    await client.query(`CREATE TEMP TABLE ${TOUCHED} ON COMMIT DROP AS SELECT DISTINCT customer_id FROM ${RENUMBER}`);
    // Those who still have rows now (rows outside the refresh) are renumbered after the insert; the rest need not be.
    await client.query(`
      DELETE FROM ${RENUMBER} r WHERE NOT EXISTS (SELECT 1 FROM order_fact f WHERE f.customer_id = r.customer_id)`);
    const res = await client.query(`${INSERT}${orderFactSelect(true)}`);
    await renumberPurchaseDays(client);
    await client.query(`DROP TABLE ${SCOPE}, ${RENUMBER}`);
    opts.clock?.lap('order facts');
    await refreshBiAggregates(client, { customersSql: `SELECT customer_id FROM ${TOUCHED}` });
    opts.clock?.lap('summaries');
    await client.query(`DROP TABLE ${TOUCHED}`);
    return res.rowCount ?? 0;
  });
}

/**
 * The order_fact rows of orders that a loader has just created from transaction lines alone, from the lines'
 * sums it already holds, without reading the fact tables back. `ordersSql` yields (order_id, customer_id,
 * status, source, purchased_at, n_lines, n_returns, net_amount) once per order. The rule is the view's for an
 * order that has no payments, items or reviews (a new order cannot have any yet: they reference it): returned
 * lines only → not a purchase; the value is the lines' net amount; every payment, item and review column is
 * NULL. Purchase days are numbered among the new rows, then customers who already had rows are renumbered
 * whole, as in refreshOrderFacts, and the BI summaries are rebuilt. Inside the caller's transaction; returns the
 * number of rows written.
 */
export async function insertLineOrderFacts(client: PoolClient, ordersSql: string, clock?: Laps): Promise<number> {
  await client.query(`DROP TABLE IF EXISTS pg_temp.${RENUMBER}`);
  await client.query(`CREATE TEMP TABLE ${RENUMBER} ON COMMIT DROP AS
    SELECT DISTINCT n.customer_id FROM (${ordersSql}) n (order_id, customer_id)
     WHERE EXISTS (SELECT 1 FROM order_fact f WHERE f.customer_id = n.customer_id)`);
  const blank = new Set(['delivered_customer_at', 'estimated_delivery_at', 'paid', 'max_installments', 'credit_share', 'n_items',
    'items_total', 'freight_total', 'avg_score', 'n_reviews', 'delay_days', 'n_dated_reviews', 'review_score_sum', 'n_low_reviews',
    'last_review_at', 'item_categories', 'n_categories', 'top_category']);
  const expr: Record<string, string> = {
    is_return_only: 'COALESCE(n_lines = n_returns, false)',
    is_purchase: `status NOT IN ('canceled', 'unavailable') AND NOT COALESCE(n_lines = n_returns, false)`,
    value: 'net_amount',
  };
  // The inserted rows' customers, months and values are kept for the summaries to move by (not re-joined), when
  // there are summaries to move (a first load builds them whole).
  const keep = await hasBiLoad(client);
  if (keep) {
    await client.query(`DROP TABLE IF EXISTS pg_temp.${ADDED};
      CREATE TEMP TABLE ${ADDED} (customer_id integer, purchased_at timestamptz, is_purchase boolean, value numeric) ON COMMIT DROP`);
  }
  const res = await client.query(`${keep ? 'WITH ins AS (' : ''}${INSERT}
    SELECT ${ORDER_FACT_COLUMNS.map((c) => (c === 'purchase_day_no' ? DAY_NO : blank.has(c) ? 'NULL' : c)).join(', ')}
      FROM (SELECT order_id, customer_id, status, source, purchased_at, n_lines, n_returns, net_amount,
                   ${expr.is_purchase} AS is_purchase, ${expr.is_return_only} AS is_return_only, ${expr.value} AS value
              FROM (${ordersSql}) n (order_id, customer_id, status, source, purchased_at, n_lines, n_returns, net_amount)) x
     ORDER BY customer_id, purchased_at
    ${keep ? `RETURNING customer_id, purchased_at, is_purchase, value) INSERT INTO ${ADDED} SELECT * FROM ins` : ''}`);
  await renumberPurchaseDays(client);
  await client.query(`DROP TABLE ${RENUMBER}`);
  // The warehouse's summaries follow its facts, in the same transaction (bi-aggregates.service.ts): moved by the
  // inserted rows alone (their item and review counts are NULL).
  clock?.lap('order facts');
  if (keep) {
    await refreshBiAggregates(client, { addedFactsSql: `SELECT customer_id, purchased_at, is_purchase, value, NULL::int, NULL::int FROM ${ADDED}` });
    await client.query(`DROP TABLE ${ADDED}`);
  } else await refreshBiAggregates(client);
  clock?.lap('summaries');
  return res.rowCount ?? 0;
}

/** Re-sums the given orders in a transaction of its own (for writers outside the loaders). */
export async function refreshOrderFactsFor(ds: DataSource, orderIds: readonly string[]): Promise<number> {
  return withTransaction(ds, (client) => refreshOrderFacts(client, 'SELECT unnest($1::text[])', [orderIds]));
}

/** `segmenta refresh-facts`: rebuilds order_fact from the fact tables in one transaction. */
export async function rebuildOrderFactsNow(ds: DataSource): Promise<{ orders: number; durationMs: number }> {
  const t0 = process.hrtime.bigint();
  const orders = await withTransaction(ds, (client) => rebuildOrderFacts(client));
  await ds.query('ANALYZE order_fact');
  return { orders, durationMs: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) };
}
