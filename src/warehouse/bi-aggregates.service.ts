import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { withClient } from '../db/data-source';
import { COHORT_STATE, cohortRows, CURRENT_LOAD, FINE_COLUMNS, modelFineGroupsCte, monthIndexOf, monthOf, stateCountsSql, timelineAggCtes, timelineCellsCtes } from './bi-sql';

/**
 * The BI summary tables (migration 1764000000060), kept exact by the writes themselves rather than on a timer:
 *
 * - per warehouse load (`bi_load`, `bi_cohort_cell`): written by every loader — seed, both importers,
 *   refresh-facts — through the order_fact refresh, in the loader's transaction, so they commit with the data;
 * - per model version (`bi_model_aggregate` and its tables): written by the train pipeline in the version's
 *   transaction. A version's assignments never change, so its geo, RFM grid and overlap summaries hold for
 *   its life; its timeline and counts by state also read the warehouse, hold for the load they were built
 *   over, and are rebuilt for the active model by each load.
 *
 * Every summary is grouped by the same SQL as the live query it stands for (bi-sql.ts); the analytics
 * queries read it only when it belongs to the current load (or model) and otherwise run their live SQL.
 */

type Client = Pick<PoolClient, 'query'>;

/** Whether the warehouse has a load's summaries that a load could move (without one, a refresh builds them whole). */
export async function hasBiLoad(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM bi_load) AS has`);
  return rows[0].has;
}

/** What a loader changed, for a refresh that moves only what it touched. */
export interface BiLoadChanges {
  /**
   * A SELECT of one integer column: every customer whose order_fact rows the loader inserted, changed or
   * deleted (duplicates and NULLs allowed). Customers whose state group changed (customer or geolocation rows)
   * are found by the refresh itself.
   */
  customersSql?: string;
  /**
   * Instead of `customersSql`, when inserting rows is all the loader did to order_fact (purchase-day numbers
   * aside): a SELECT of the inserted rows' (customer_id, purchased_at, is_purchase, value, n_items, n_reviews).
   * Their customers are the affected ones, and their new member rows are the old ones plus these rows.
   */
  addedFactsSql?: string;
}

/**
 * The member rows of the customers with order_fact rows (`where` restricts the rows): the purchase months with
 * each month's purchase orders and revenue (as the timeline sums them per customer and month), and the totals
 * over every order (purchase or not) for the load's counts. A customer without a purchase gets no cohort and
 * empty arrays. The three arrays are filled by one aggregation pass, so they are aligned; their order is not
 * needed (the cohort is the least month), and leaving it free spares a sort per customer. The months come sorted
 * by customer, so the arrays are built one customer at a time (array_agg states in a hash table take kilobytes
 * per customer and spill to disk).
 */
function memberRowsSql(where: string): string {
  return `SELECT pm.customer_id, pm.cohort, COALESCE(${COHORT_STATE}, '') AS state, pm.months, pm.orders, pm.revenue,
                 pm.n_orders, pm.n_items, pm.n_reviews
      FROM (SELECT customer_id, min(m) FILTER (WHERE n > 0) AS cohort, COALESCE(array_agg(m) FILTER (WHERE n > 0), '{}') AS months,
                   COALESCE(array_agg(n) FILTER (WHERE n > 0), '{}') AS orders, COALESCE(array_agg(rev) FILTER (WHERE n > 0), '{}') AS revenue,
                   sum(all_n)::int AS n_orders, sum(items)::int AS n_items, sum(reviews)::int AS n_reviews
              FROM (SELECT customer_id, ${monthIndexOf('purchased_at')} AS m, (count(*) FILTER (WHERE is_purchase))::int AS n,
                           COALESCE(sum(value) FILTER (WHERE is_purchase), 0) AS rev,
                           count(*) AS all_n, COALESCE(sum(n_items), 0) AS items, COALESCE(sum(n_reviews), 0) AS reviews
                      FROM order_fact ${where ? `WHERE ${where}` : ''} GROUP BY 1, 2 ORDER BY 1) pm
             GROUP BY customer_id) pm
      JOIN customer c ON c.id = pm.customer_id LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix`;
}

/**
 * For a load that only inserted order_fact rows (BiLoadChanges.addedFactsSql) and moved no customer's state
 * group: bi_added, the inserted rows summed per customer (per purchase month as memberRowsSql sums them, the
 * totals over every inserted row, and the first and last order and purchase, which the load's counts and date
 * bounds move by), and then (mergeSql) bi_merge, per such customer: whether it had a member row (`had`), that
 * row's cohort and months (old_; its orders and revenue too where they meet the inserted months), the inserted
 * months, orders, revenue and totals (add_), the new cohort, the state group (the old row's, which nothing moved,
 * or read for a new member), and its tier, RFM segment and cluster in `model` (the active model, when it
 * has summaries to move). Its new member row is the old one plus the inserted rows, month by month, without
 * reading its older orders back: most customers of a load have no order yet in the inserted months, which are
 * appended (the arrays' order is free); those who bought again in a month they already had (`overlap`) get their
 * arrays summed month by month (bi_overlap). The counts are integers, as the member rows keep them: a sum over
 * bigint keeps a numeric state per group. The inserted rows are grouped by sorting (one sort serves both groupings,
 * where hash aggregates planned without statistics spilled).
 */
function addedSql(addedFactsSql: string): string[] {
  return [
    `SET LOCAL enable_hashagg = off`,
    `CREATE TEMP TABLE bi_added ON COMMIT DROP AS
    SELECT customer_id, min(m) FILTER (WHERE n > 0) AS cohort, array_agg(m) FILTER (WHERE n > 0) AS months,
           array_agg(n) FILTER (WHERE n > 0) AS orders, array_agg(rev) FILTER (WHERE n > 0) AS revenue,
           sum(all_n)::int AS n_orders, sum(items)::int AS n_items, sum(reviews)::int AS n_reviews,
           min(first_at) AS first_at, max(last_at) AS last_at, min(first_p) AS first_p, max(last_p) AS last_p
      FROM (SELECT customer_id, ${monthIndexOf('purchased_at')} AS m, (count(*) FILTER (WHERE is_purchase))::int AS n,
                   COALESCE(sum(value) FILTER (WHERE is_purchase), 0) AS rev,
                   count(*)::int AS all_n, COALESCE(sum(n_items), 0)::int AS items, COALESCE(sum(n_reviews), 0)::int AS reviews,
                   min(purchased_at) AS first_at, max(purchased_at) AS last_at,
                   min(purchased_at) FILTER (WHERE is_purchase) AS first_p, max(purchased_at) FILTER (WHERE is_purchase) AS last_p
              FROM (${addedFactsSql}) x (customer_id, purchased_at, is_purchase, value, n_items, n_reviews)
             WHERE customer_id IS NOT NULL
             GROUP BY 1, 2) pm
     GROUP BY customer_id`,
    `RESET enable_hashagg`,
  ];
}

/**
 * bi_merge and bi_overlap (see addedSql). The joins with the members, customers and model rows are chosen here, by
 * the load's size: by key for a small load (`byKey`), where the planner would scan those tables whole (it weighs an
 * index probe at several pages: at 100k customers it chose three scans and hashes for 1,000 inserted rows, 69–90 ms
 * against 13–23 ms by key), and hashed for a large one, where the planner, without statistics for bi_added, would
 * probe by key.
 */
function mergeSql(model: number | null, byKey: boolean): string[] {
  // By key, a member's state group is its row's, and only a customer without one is probed for it (a subquery that
  // COALESCE evaluates only then): two probes fewer per member.
  const joins = byKey ? ['enable_hashjoin', 'enable_mergejoin'] : ['enable_nestloop'];
  return [
    ...joins.map((j) => `SET LOCAL ${j} = off`),
    `CREATE TEMP TABLE bi_merge ON COMMIT DROP AS
    SELECT a.customer_id, o.customer_id IS NOT NULL AS had, COALESCE(o.months && a.months, false) AS overlap, o.cohort AS old_cohort,
           o.months AS old_months, CASE WHEN o.months && a.months THEN o.orders END AS old_orders,
           CASE WHEN o.months && a.months THEN o.revenue END AS old_revenue, COALESCE(a.months, '{}') AS add_months,
           COALESCE(a.orders, '{}') AS add_orders, COALESCE(a.revenue, '{}') AS add_revenue, a.n_orders AS add_n_orders,
           a.n_items AS add_n_items, a.n_reviews AS add_n_reviews, LEAST(o.cohort, a.cohort) AS cohort,
           COALESCE(o.state, ${byKey ? STATE_OF_NEW_MEMBER : COHORT_STATE}, '') AS state,
           ${model === null ? 'NULL::text AS churn_tier, NULL::text AS rfm_segment, NULL::int AS cluster_id' : 'cs.churn_tier, cs.rfm_segment, cs.cluster_id'}
      FROM bi_added a
      LEFT JOIN bi_cohort_member o ON o.customer_id = a.customer_id
      ${byKey ? '' : 'LEFT JOIN customer c ON c.id = a.customer_id LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix'}
      ${model === null ? '' : `LEFT JOIN customer_segment cs ON cs.model_version_id = ${int(model)} AND cs.customer_id = a.customer_id`}`,
    ...joins.map((j) => `RESET ${j}`),
    `CREATE TEMP TABLE bi_overlap ON COMMIT DROP AS
    SELECT customer_id, array_agg(m) AS months, array_agg(n) AS orders, array_agg(rev) AS revenue
      FROM (SELECT customer_id, m, sum(n)::int AS n, sum(rev) AS rev
              FROM (SELECT customer_id, unnest(old_months || add_months) AS m, unnest(old_orders || add_orders) AS n,
                           unnest(old_revenue || add_revenue) AS rev
                      FROM bi_merge WHERE overlap) y
             GROUP BY 1, 2) pm
     GROUP BY customer_id`,
  ];
}

/** The state group of bi_added's customer `a` read from its customer row, for one without a member row. */
const STATE_OF_NEW_MEMBER = `(SELECT ${COHORT_STATE} FROM customer c LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix WHERE c.id = a.customer_id)`;

const MEMBER_COLUMNS = 'customer_id, cohort, state, months, orders, revenue, n_orders, n_items, n_reviews';

/**
 * The affected customers as an array: read by index probes. As an IN (subquery) the planner weighed 1,000
 * probes against a scan of the whole table and chose the scan (order_fact: 310 ms against 5 ms at 100k
 * customers); at 100k affected of 100k members both ways took the same time.
 */
const AFFECTED = 'ARRAY(SELECT c FROM bi_affected)';

/** The first and last purchase months (dates and the last's index), read off order_fact's purchased_at index. */
const PURCHASE_MONTHS = `SELECT ${monthOf('min(purchased_at)')} AS first, ${monthOf('max(purchased_at)')} AS last,
                ${monthIndexOf('max(purchased_at)')} AS last_index
           FROM order_fact WHERE is_purchase`;

/**
 * Writes the warehouse's summaries as a new load inside the caller's transaction (after order_fact is
 * current), drops the older load's, drops model summaries whose customers are gone (a replaced warehouse),
 * and rebuilds the active model's warehouse-dependent summaries for the new load. Returns the load number.
 *
 * With `changes`, and when nobody but this transaction has written since the newest load (bi_write_seq moved
 * by exactly this transaction's own writes, counted by the trigger), the cohort cells and the active model's
 * timeline are that load's plus the difference of the affected customers — those named, and those whose
 * state group moved — whose old contribution bi_cohort_member holds and whose new one is read from
 * order_fact for them alone (or, when the load only inserted order_fact rows and wrote no customer or place, is
 * their old row plus the inserted rows, grouped once and merged by month: the cells and the timeline then move by
 * the inserted months alone, and by the old months of customers whose cohort moved); so are the load's counts.
 * The statements go in a few multi-statement round trips. The cells and answer rows are a set that such a load
 * moves in place and carries over (bi_load.cells_no), rewriting only the rows of the cohorts it moved (all of
 * them when the last purchase month moved). Otherwise (no prior load, a write from elsewhere, no changes given,
 * or more than twice as many customers affected as there are members) everything is recomputed, into a new
 * set. Either way the summaries hold exactly what the live queries compute: integer counts and numeric sums,
 * added and removed per key.
 */
export async function refreshBiAggregates(client: Client, changes?: BiLoadChanges): Promise<number> {
  // The stamp is the sequence as read before anything is summed: a write elsewhere after it leaves this load
  // not current (the live queries answer) instead of current without that write.
  const {
    rows: [base],
  } = await client.query<{
    write_no: string;
    prev: number | null;
    prev_last: number | null;
    in_step: boolean;
    customers_changed: boolean;
    moved: boolean;
    model: number | null;
  }>(`
    SELECT s.last_value AS write_no, l.load_no AS prev, l.last_purchase_month_index AS prev_last,
           (SELECT a.model_version_id FROM bi_model_aggregate a JOIN model_version mv ON mv.id = a.model_version_id
             WHERE mv.is_active AND a.load_no = l.load_no) AS model,
           COALESCE(current_setting('segmenta.bi_customers_changed', true) = 'on', false) AS customers_changed,
           COALESCE(current_setting('segmenta.bi_customers_changed', true) = 'on', false)
           OR COALESCE(current_setting('segmenta.bi_places_changed', true) = 'on', false) AS moved,
           COALESCE(l.write_no + COALESCE(NULLIF(current_setting('segmenta.bi_writes', true), ''), '0')::bigint = s.last_value, false) AS in_step
      FROM bi_write_seq s LEFT JOIN LATERAL (SELECT load_no, write_no, last_purchase_month_index FROM bi_load ORDER BY load_no DESC LIMIT 1) l ON true`);
  // A customer row deleted could take order_fact rows with it, and a customer or place written could move a
  // member's state group: only loads that wrote neither are merged.
  const merged = !!changes?.addedFactsSql && !base.moved;
  const delta = !!changes && base.prev !== null && base.in_step && (await findAffected(client, changes, base.moved, merged, base.model));
  let loadNo: number;
  let cellsNo: number;
  if (delta) {
    // The counts move by the affected customers' old and new totals; customers by the rows this transaction
    // inserted and deleted (counted by a trigger), payments only when it wrote any. The date bounds of a load that
    // only inserted rows move by those rows; otherwise they are read off order_fact's purchased_at index (right
    // after a large load, its ends hold entries of row versions the load replaced: at 1M customers, 32 ms for
    // the four reads after a 1M-line log).
    // One round trip for the staging and the counts (a small load's refresh is mostly round trips): the values are
    // integers read above, written as literals because a multi-statement query takes no parameters.
    const staged = await batch(client, [
      ...(merged ? [] : stageMembers()),
      `
      INSERT INTO bi_load (customers, orders, order_items, payments, reviews, first_order_at, last_order_at,
                           first_purchase_month, last_purchase_month, last_purchase_month_index, write_no, cells_no)
      SELECT CASE WHEN r.rows ~ '^-?[0-9]+$' THEN l.customers + r.rows::int ELSE (SELECT count(*) FROM customer)::int END,
             l.orders + d.orders, l.order_items + d.items,
             CASE WHEN current_setting('segmenta.bi_payments_changed', true) = 'on' THEN (SELECT count(*) FROM order_payment)::int ELSE l.payments END,
             l.reviews + d.reviews, p.first_at, p.last_at, p.first, p.last, p.last_index, ${int(base.write_no)}, l.cells_no
        FROM bi_load l,
             (SELECT COALESCE(NULLIF(current_setting('segmenta.bi_customer_rows', true), ''), '0') AS rows) r,
             (${
               merged
                 ? `SELECT COALESCE(sum(n_orders), 0)::int AS orders, COALESCE(sum(n_items), 0)::int AS items,
                           COALESCE(sum(n_reviews), 0)::int AS reviews, min(first_at) AS first_at, max(last_at) AS last_at,
                           min(first_p) AS first_p, max(last_p) AS last_p FROM bi_added`
                 : `SELECT COALESCE(sum(sign * n_orders), 0)::int AS orders, COALESCE(sum(sign * n_items), 0)::int AS items,
                           COALESCE(sum(sign * n_reviews), 0)::int AS reviews
                      FROM (SELECT -1 AS sign, n_orders, n_items, n_reviews FROM bi_member_old
                            UNION ALL SELECT 1, n_orders, n_items, n_reviews FROM bi_member_now) x`
             }) d,
             ${
               merged
                 ? `LATERAL (SELECT *, (date_part('year', b.last) * 12 + date_part('month', b.last) - 1)::int AS last_index
                               FROM (SELECT LEAST(l.first_order_at, d.first_at) AS first_at, GREATEST(l.last_order_at, d.last_at) AS last_at,
                                            LEAST(l.first_purchase_month, ${monthOf('d.first_p')}::date) AS first,
                                            GREATEST(l.last_purchase_month, ${monthOf('d.last_p')}::date) AS last) b) p`
                 : `(SELECT (SELECT min(purchased_at) FROM order_fact) AS first_at, (SELECT max(purchased_at) FROM order_fact) AS last_at, m.*
                       FROM (${PURCHASE_MONTHS}) m) p`
             }
       WHERE l.load_no = ${int(base.prev)}
      RETURNING load_no, cells_no, last_purchase_month_index`,
    ]);
    const row = staged[staged.length - 1].rows[0] as { load_no: number; cells_no: number; last_purchase_month_index: number | null };
    ({ load_no: loadNo, cells_no: cellsNo } = row);
    const active = last(
      await batch(client, [
        ...(merged ? mergeCohortCells(cellsNo) : moveCohortCells(cellsNo)),
        ...cohortRowsSql(loadNo, cellsNo, row.last_purchase_month_index === base.prev_last ? 'changed' : 'all'),
        ...dropOldSummaries(loadNo),
      ]),
    ) as ActiveModel[];
    // The counts by state read customer rows only: they hold unless customer rows were updated or deleted (an
    // insert adds no model member); when they were, both summaries are rebuilt.
    const moved: string[] = [];
    for (const m of active) {
      if (m.load_no === base.prev && !base.customers_changed) moved.push(...moveLoadSummaries(m.id, loadNo, merged, m.id === base.model));
      else await writeLoadSummaries(client, m.id, m.snapshot_id, loadNo);
    }
    await batch(client, [...moved, `DROP TABLE IF EXISTS bi_affected, bi_member_old, bi_member_now, bi_cell_delta, bi_added, bi_merge, bi_overlap`]);
    return loadNo;
  } else {
    // Counts from order_fact (one row per order, with its item and review counts) and two narrow counts; a new
    // set of cells and answer rows, numbered as the load, and the older sets dropped.
    ({
      rows: [{ load_no: loadNo }],
    } = await client.query<{ load_no: number }>(
      `
      INSERT INTO bi_load (load_no, cells_no, customers, orders, order_items, payments, reviews, first_order_at, last_order_at,
                           first_purchase_month, last_purchase_month, last_purchase_month_index, write_no)
      SELECT n.n, n.n, (SELECT count(*) FROM customer)::int, o.orders, o.order_items, (SELECT count(*) FROM order_payment)::int,
             o.reviews, o.first_order_at, o.last_order_at, p.first, p.last, p.last_index, $1
        FROM (SELECT nextval(pg_get_serial_sequence('bi_load', 'load_no'))::int AS n) n,
             (SELECT count(*)::int AS orders, COALESCE(sum(n_items), 0)::int AS order_items, COALESCE(sum(n_reviews), 0)::int AS reviews,
                     min(purchased_at) AS first_order_at, max(purchased_at) AS last_order_at
                FROM order_fact) o,
             (${PURCHASE_MONTHS}) p
      RETURNING load_no`,
      [base.write_no],
    ));
    cellsNo = loadNo;
    await client.query(`DELETE FROM bi_cohort_cell WHERE load_no <> $1`, [loadNo]);
    await client.query(`DELETE FROM bi_cohort_row WHERE load_no <> $1`, [loadNo]);
    await client.query(`TRUNCATE bi_cohort_member`);
    await client.query(`INSERT INTO bi_cohort_member (${MEMBER_COLUMNS}) ${memberRowsSql('')}`);
    // The next load's delta reads the members by key: plan it on the table's statistics, not an empty table's.
    await client.query(`ANALYZE bi_cohort_member`);
    await client.query(
      `INSERT INTO bi_cohort_cell (load_no, cohort, state, k, active)
       SELECT $1, cohort, state, m - cohort, count(*)::int FROM bi_cohort_member, unnest(months) m GROUP BY 2, 3, 4`,
      [loadNo],
    );
    const active = last(await batch(client, [...cohortRowsSql(loadNo, cellsNo, 'new'), ...dropOldSummaries(loadNo)])) as ActiveModel[];
    for (const m of active) await writeLoadSummaries(client, m.id, m.snapshot_id, loadNo);
  }
  return loadNo;
}

type ActiveModel = { id: number; snapshot_id: number | null; load_no: number | null };

/** An integer read from the database, as an SQL literal (checked: it is spliced into a multi-statement query). */
function int(n: number | string | null): string {
  const s = String(n);
  if (!/^-?[0-9]+$/.test(s)) throw new Error(`not an integer: ${s}`);
  return s;
}

/**
 * Runs statements as one multi-statement query (one round trip, no parameters) and returns each one's result: a
 * small load's refresh was mostly ~25 round trips of a few milliseconds each.
 */
type Result = { command: string; rowCount: number | null; rows: Record<string, unknown>[] };
async function batch(client: Client, statements: string[]): Promise<Result[]> {
  const res = (await client.query(statements.join(';\n'))) as unknown;
  return Array.isArray(res) ? res : [res as Result];
}

/** The rows of the last statement of a batch. */
const last = (results: Result[]) => results[results.length - 1].rows;

/**
 * After load `loadNo` is written: the older loads go, and so do model summaries whose customers are gone (a
 * replaced warehouse); the last statement lists the active models with summaries (ActiveModel).
 */
function dropOldSummaries(loadNo: number): string[] {
  return [
    `DELETE FROM bi_load WHERE load_no <> ${int(loadNo)}`,
    // A probe per model (LIMIT 1 keeps it one): as an anti-join the planner read every customer_segment row.
    `DELETE FROM bi_model_aggregate a
      WHERE (SELECT count(*) FROM (SELECT 1 FROM customer_segment cs WHERE cs.model_version_id = a.model_version_id LIMIT 1) x) = 0`,
    `SELECT a.model_version_id AS id, a.snapshot_id, a.load_no FROM bi_model_aggregate a
       JOIN model_version mv ON mv.id = a.model_version_id WHERE mv.is_active`,
  ];
}

/**
 * Model `modelId`'s warehouse-dependent summaries, current for the previous load, moved to load `loadNo` by
 * the affected customers (moveCohortCells' tables): per (month, series) their old purchase months go out and
 * their new ones come in (active buyers, orders and revenue, exact integer and numeric sums). The statements.
 */
function moveLoadSummaries(modelId: number, loadNo: number, merged: boolean, segmentsInMerge: boolean): string[] {
  const id = int(modelId);
  // After inserts only, a customer's purchase months keep their orders and revenue and gain the inserted rows': the
  // change is the inserted months alone, a buyer more where the month is new to the customer. bi_merge holds the
  // customers' tiers, segments and clusters in the active model.
  if (merged && segmentsInMerge) {
    return moveTimeline(
      id,
      loadNo,
      `SELECT m, churn_tier, rfm_segment, cluster_id, sum(CASE WHEN m = ANY (old_months) THEN 0 ELSE 1 END) AS active,
              sum(n) AS orders, sum(rev) AS revenue
         FROM (SELECT churn_tier, rfm_segment, cluster_id, old_months, unnest(add_months) AS m, unnest(add_orders) AS n,
                      unnest(add_revenue) AS rev FROM bi_merge) u
        GROUP BY 1, 2, 3, 4`,
    );
  }
  const x = merged
    ? `SELECT customer_id, u.m, CASE WHEN old_months @> ARRAY[u.m] THEN 0 ELSE 1 END AS active, u.n, u.rev
         FROM bi_merge, unnest(add_months, add_orders, add_revenue) u(m, n, rev)`
    : `SELECT customer_id, u.m, -1 AS active, -u.n AS n, -u.rev AS rev FROM bi_member_old, unnest(months, orders, revenue) u(m, n, rev)
       UNION ALL
       SELECT customer_id, u.m, 1, u.n, u.rev FROM bi_member_now, unnest(months, orders, revenue) u(m, n, rev)`;
  // Grouped by (month, tier, segment, cluster) first: a few hundred groups, each then summed into its four series.
  return moveTimeline(
    id,
    loadNo,
    `SELECT x.m, cs.churn_tier, cs.rfm_segment, cs.cluster_id, sum(x.active) AS active, sum(x.n) AS orders, sum(x.rev) AS revenue
       FROM (${x}) x
       LEFT JOIN (SELECT customer_id, churn_tier, rfm_segment, cluster_id FROM customer_segment
                   WHERE model_version_id = ${id} ${merged ? '' : `AND customer_id = ANY (${AFFECTED})`}) cs ON cs.customer_id = x.customer_id
      GROUP BY 1, 2, 3, 4`,
  );
}

/**
 * The timeline of model `id` moved by `groups` (per month index, tier, segment and cluster: the change of its
 * active buyers, orders and revenue) and stamped with load `loadNo`. The statements.
 */
function moveTimeline(id: string, loadNo: number, groups: string): string[] {
  return [
    `WITH g AS (${groups}),
     d AS (
       SELECT make_date(g.m / 12, g.m % 12 + 1, 1) AS month, s.series, sum(g.active)::int AS active,
              sum(g.orders)::int AS orders, sum(g.revenue) AS revenue
         FROM g
        CROSS JOIN LATERAL (VALUES ('all'), ('tier:' || g.churn_tier), ('segment:' || g.rfm_segment), ('cluster:' || g.cluster_id)) s(series)
        WHERE s.series IS NOT NULL
        GROUP BY 1, 2
     )
     INSERT INTO bi_timeline_cell AS t (model_version_id, month, series, active, orders, revenue)
     SELECT ${id}, month, series, active, orders, revenue FROM d WHERE active <> 0 OR orders <> 0 OR revenue <> 0
     ON CONFLICT (model_version_id, month, series) DO UPDATE
        SET active = t.active + EXCLUDED.active, orders = t.orders + EXCLUDED.orders, revenue = t.revenue + EXCLUDED.revenue`,
    `DELETE FROM bi_timeline_cell WHERE model_version_id = ${id} AND active = 0`,
    `UPDATE bi_model_aggregate SET load_no = ${int(loadNo)}, built_at = now() WHERE model_version_id = ${id}`,
  ];
}

/**
 * For a load merged by its inserted rows (`merged`): bi_added, and bi_merge by mergeSql when moving is the cheaper
 * way (as below). Otherwise bi_affected: the customers `changes` names, and the members whose state group is no longer the one they
 * were counted in — looked for only when this transaction updated or deleted customer rows or wrote places
 * (the trigger notes it; a new customer has no member row yet). True when moving them is the cheaper way:
 * up to twice as many affected customers as members. A delta reads each affected customer by key (its old
 * member row, its orders) and rewrites its row; a rebuild reads every order and rewrites every member, cell,
 * answer row and the active model's timeline. Measured at 100k customers (a log touching 50k members and
 * adding 50k customers, so affected ≈ members): the delta took 4.0–6.2 s of the import, the rebuild 10.6 s (the
 * delta since 2.9–3.8 s, moved by the inserted rows).
 */
async function findAffected(client: Client, changes: BiLoadChanges, moved: boolean, merged: boolean, model: number | null): Promise<boolean> {
  // Members are counted only as far as the comparison needs (a small load reads a few rows, not the table).
  // Whether there are at least `need` members (SQL of one integer; half the affected customers, rounded up).
  const enough = (need: string) => `WITH a AS (SELECT ${need} AS need)
     SELECT (SELECT count(*) FROM (SELECT 1 FROM bi_cohort_member LIMIT (SELECT need FROM a)) m) >= (SELECT need FROM a) AS ok`;
  const drop = `DROP TABLE IF EXISTS pg_temp.bi_affected, pg_temp.bi_member_old, pg_temp.bi_member_now, pg_temp.bi_cell_delta, pg_temp.bi_added, pg_temp.bi_merge, pg_temp.bi_overlap`;
  if (merged) {
    // The customers grouped are the statement's row count (counting bi_added again read it twice more).
    const staged = await batch(client, [drop, ...addedSql(changes.addedFactsSql ?? '')]);
    const added = staged.find((r) => r.command === 'SELECT')?.rowCount;
    if (typeof added !== 'number') throw new Error('bi_added: no row count');
    const {
      rows: [r],
    } = await client.query<{ ok: boolean; members: number }>(
      `${enough(int(Math.floor((added + 1) / 2)))}, (SELECT reltuples FROM pg_class WHERE oid = 'bi_cohort_member'::regclass) AS members`,
    );
    if (!r.ok) return false;
    // By key when the load touches under a tenth of the members (as last counted).
    await batch(client, mergeSql(model, added * 10 < r.members));
    return true;
  }
  const named = changes.addedFactsSql
      ? `SELECT customer_id FROM (${changes.addedFactsSql}) x (customer_id)`
      : (changes.customersSql ?? 'SELECT NULL::int WHERE false');
  const results = await batch(client, [
    drop,
    `CREATE TEMP TABLE bi_affected ON COMMIT DROP AS
     SELECT c FROM (${named}) x(c) WHERE c IS NOT NULL
     ${moved ? `UNION
     SELECT m.customer_id FROM bi_cohort_member m JOIN customer c ON c.id = m.customer_id
       LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix
      WHERE m.state <> COALESCE(${COHORT_STATE}, '')` : 'GROUP BY c'}`,
    `ANALYZE bi_affected`,
    enough('(SELECT (count(*) + 1) / 2 FROM bi_affected)'),
  ]);
  return last(results)[0].ok as boolean;
}

/**
 * The affected customers' member rows as the newest load holds them (bi_member_old) and as order_fact and
 * customer say now (bi_member_now): the affected are those `changes` names and the members whose state group is
 * no longer the one they were counted in. Both stay (with bi_affected) for the counts, the cells and the model
 * summaries, to the end of the refresh.
 */
function stageMembers(): string[] {
  return [
    `CREATE TEMP TABLE bi_member_old ON COMMIT DROP AS
     SELECT * FROM bi_cohort_member WHERE customer_id = ANY (${AFFECTED})`,
    `CREATE TEMP TABLE bi_member_now ON COMMIT DROP AS
     ${memberRowsSql(`customer_id = ANY (${AFFECTED})`)}`,
  ];
}

/** bi_cell_delta added to the cell set `cellsNo`; cells that fall to zero actives are removed. */
function applyCellDelta(cellsNo: number): string[] {
  return [
    `INSERT INTO bi_cohort_cell AS t (load_no, cohort, state, k, active)
     SELECT ${int(cellsNo)}, cohort, state, k, delta FROM bi_cell_delta
     ON CONFLICT (load_no, cohort, state, k) DO UPDATE SET active = t.active + EXCLUDED.active`,
    `DELETE FROM bi_cohort_cell t USING bi_cell_delta d
      WHERE t.load_no = ${int(cellsNo)} AND t.cohort = d.cohort AND t.state = d.state AND t.k = d.k AND t.active = 0`,
  ];
}

/**
 * The cell set `cellsNo` moved in place by the change of the affected customers (kept in bi_cell_delta: the
 * cells whose count moved, and by how much); a cell that falls to zero goes. Their member rows replaced.
 */
function moveCohortCells(cellsNo: number): string[] {
  return [
    `CREATE TEMP TABLE bi_cell_delta ON COMMIT DROP AS
     SELECT cohort, state, m - cohort AS k, sum(sign)::int AS delta
       FROM (SELECT cohort, state, months, -1 AS sign FROM bi_member_old
             UNION ALL SELECT cohort, state, months, 1 FROM bi_member_now) x, unnest(months) m
      GROUP BY 1, 2, 3
     HAVING sum(sign) <> 0`,
    ...applyCellDelta(cellsNo),
    `DELETE FROM bi_cohort_member WHERE customer_id = ANY (${AFFECTED})`,
    `INSERT INTO bi_cohort_member (${MEMBER_COLUMNS}) SELECT ${MEMBER_COLUMNS} FROM bi_member_now`,
  ];
}

/**
 * The cell set `cellsNo` moved in place by bi_merge (kept in bi_cell_delta, as moveCohortCells keeps it), and its
 * member rows written. A customer gains a cell in its (new) cohort for each inserted purchase month new to it, and
 * one whose cohort moved earlier moves its old months' cells from the old cohort to the new. An old member's row
 * is updated in place (its state group holds), a new member's inserted.
 */
function mergeCohortCells(cellsNo: number): string[] {
  return [
    `CREATE TEMP TABLE bi_cell_delta ON COMMIT DROP AS
     SELECT cohort, state, k, sum(sign)::int AS delta
       FROM (SELECT cohort, state, m - cohort AS k, 1 AS sign
               FROM (SELECT cohort, state, old_months, unnest(add_months) AS m FROM bi_merge) y
              WHERE NOT COALESCE(m = ANY (old_months), false)
             UNION ALL
             SELECT old_cohort, state, unnest(old_months) - old_cohort, -1 FROM bi_merge WHERE old_cohort <> cohort
             UNION ALL
             SELECT cohort, state, unnest(old_months) - cohort, 1 FROM bi_merge WHERE old_cohort <> cohort) x
      GROUP BY 1, 2, 3
     HAVING sum(sign) <> 0`,
    ...applyCellDelta(cellsNo),
    `UPDATE bi_cohort_member t
        SET cohort = x.cohort, months = COALESCE(v.months, t.months || x.add_months), orders = COALESCE(v.orders, t.orders || x.add_orders),
            revenue = COALESCE(v.revenue, t.revenue || x.add_revenue), n_orders = t.n_orders + x.add_n_orders,
            n_items = t.n_items + x.add_n_items, n_reviews = t.n_reviews + x.add_n_reviews
       FROM bi_merge x LEFT JOIN bi_overlap v ON v.customer_id = x.customer_id
      WHERE x.had AND t.customer_id = x.customer_id`,
    `INSERT INTO bi_cohort_member (${MEMBER_COLUMNS})
     SELECT customer_id, cohort, state, add_months, add_orders, add_revenue, add_n_orders, add_n_items, add_n_reviews FROM bi_merge WHERE NOT had`,
  ];
}

/**
 * The answer rows of cell set `cellsNo`, unsplit and by state, for load `loadNo`'s last purchase month: of every
 * cohort (`new`: an empty set; `all`: rewritten, the last month moved and every row's cells with it), or of the
 * cohorts whose cells moved (`changed`: bi_cell_delta; the other rows hold, their cells and months unchanged).
 */
function cohortRowsSql(loadNo: number, cellsNo: number, which: 'new' | 'all' | 'changed'): string[] {
  const out: string[] = [];
  for (const byState of [false, true]) {
    const only =
      which !== 'changed' ? '' : byState ? 'AND (cohort, state) IN (SELECT cohort, state FROM bi_cell_delta)' : 'AND cohort IN (SELECT cohort FROM bi_cell_delta)';
    if (which !== 'new') out.push(`DELETE FROM bi_cohort_row WHERE load_no = ${int(cellsNo)} AND by_state = ${byState} ${only}`);
    out.push(
      `INSERT INTO bi_cohort_row (load_no, by_state, cohort, state, label, size, cells)
       WITH bounds AS (SELECT last_purchase_month_index AS last FROM bi_load WHERE load_no = ${int(loadNo)}),
       cells AS (
         SELECT cohort, ${byState ? `NULLIF(state, '') AS grp, k, active` : 'NULL::text AS grp, k, sum(active)::int AS active'}
           FROM bi_cohort_cell WHERE load_no = ${int(cellsNo)} ${only} ${byState ? '' : 'GROUP BY cohort, k'}
       )
       SELECT ${int(cellsNo)}, ${byState}, cohort_index, COALESCE("group", ''), cohort, size, cells FROM (${cohortRows({ withIndex: true })}) r`,
    );
  }
  return out;
}

/**
 * Writes every summary of model version `modelId` (over its feature snapshot), inside the train pipeline's
 * transaction. Builds the warehouse's load first when there is no current one (a warehouse loaded before the
 * summaries existed, or written since by other means than the loaders).
 */
export async function writeModelBiAggregates(
  client: Client,
  modelId: number,
  lap: (label: string) => void = () => undefined,
  timelineAhead?: Promise<TimelineAhead | null>,
): Promise<void> {
  // A load or write that commits meanwhile overtakes this load: the summaries stamped with it are then not read.
  const { rows: loads } = await client.query<{ load_no: number | null }>(`SELECT ${CURRENT_LOAD} AS load_no`);
  const loadNo = loads[0].load_no ?? (await refreshBiAggregates(client));
  const {
    rows: [m],
  } = await client.query<{ snapshot_id: number | null }>(`SELECT snapshot_id FROM model_version WHERE id = $1`, [modelId]);
  await client.query(`DELETE FROM bi_model_aggregate WHERE model_version_id = $1`, [modelId]);
  await client.query(`INSERT INTO bi_model_aggregate (model_version_id, snapshot_id) VALUES ($1, $2)`, [modelId, m.snapshot_id]);
  lap('start');
  // Geo, RFM grid, overlap and the counts by state from one grouping pass over the rows just written (see
  // modelFineGroupsCte); the timeline from one pass over order_fact, its series summed from one grouping.
  // The summaries computed ahead hold when they read this load (the counts by state read the person's state) and
  // this model's snapshot; otherwise they are built here.
  const ahead = await timelineAhead;
  const useAhead = ahead !== null && ahead !== undefined && ahead.loadNo !== null && ahead.loadNo === loadNo && ahead.snapshotId === m.snapshot_id;
  const fine = useAhead
    ? `fine AS (SELECT * FROM json_to_recordset($2::json) AS x(${FINE_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')}))`
    : modelFineGroupsCte('$1::int', '$2::int');
  await client.query(
    `WITH ${fine},
     geo AS (
       INSERT INTO bi_geo_state (model_version_id, state, customers, churn_risk, revenue)
       SELECT $1, geo_state, sum(customers)::int, (sum(risk_sum) / NULLIF(sum(risk_n), 0))::float8, COALESCE(sum(revenue), 0)::float8
         FROM fine WHERE geo_state IS NOT NULL GROUP BY geo_state
     ),
     geo_segment AS (
       INSERT INTO bi_geo_segment (model_version_id, state, rfm_segment, customers)
       SELECT $1, geo_state, rfm_segment, sum(customers)::int FROM fine WHERE geo_state IS NOT NULL GROUP BY geo_state, rfm_segment
     ),
     rfm AS (
       INSERT INTO bi_rfm_cell (model_version_id, r, f, customers, revenue)
       SELECT $1, r, f, sum(customers)::int, COALESCE(sum(revenue), 0)::float8 FROM fine GROUP BY r, f
     ),
     overlap AS (
       INSERT INTO bi_segment_overlap (model_version_id, rfm_segment, cluster_id, customers)
       SELECT $1, rfm_segment, cluster_id, sum(customers)::int FROM fine GROUP BY rfm_segment, cluster_id
     )
     INSERT INTO bi_state_count (model_version_id, state, rfm_segment, cluster_id, customers)
     SELECT $1, list_state, rfm_segment, cluster_id, sum(customers)::int
       FROM fine WHERE has_f AND has_c AND list_state IS NOT NULL GROUP BY list_state, rfm_segment, cluster_id`,
    useAhead ? [modelId, JSON.stringify(ahead.groups)] : [modelId, m.snapshot_id],
  );
  lap(useAhead ? 'groupsAhead' : 'groups');
  if (useAhead) {
    await client.query(
      `INSERT INTO bi_timeline_cell (model_version_id, month, series, active, orders, revenue)
       SELECT $1, month, series, active, orders, revenue FROM unnest($2::date[], $3::text[], $4::int[], $5::int[], $6::numeric[]) AS t(month, series, active, orders, revenue)`,
      [modelId, ahead.rows.map((r) => r.month), ahead.rows.map((r) => r.series), ahead.rows.map((r) => r.active), ahead.rows.map((r) => r.orders), ahead.rows.map((r) => r.revenue)],
    );
  } else {
    await client.query(
      `INSERT INTO bi_timeline_cell (model_version_id, month, series, active, orders, revenue)
       WITH ${timelineCellsCtes('$1::int')}
       SELECT $1, month, series, active, orders, revenue FROM agg`,
      [modelId],
    );
  }
  lap(useAhead ? 'timelineAhead' : 'timeline');
  await client.query(`UPDATE bi_model_aggregate SET load_no = $2, built_at = now() WHERE model_version_id = $1`, [modelId, loadNo]);
}

/**
 * A model's summaries computed ahead of its transaction over the warehouse load `loadNo`: its timeline cells, and
 * the groups of its customers (modelFineGroupsCte's `fine`, values as text) that the other summaries sum.
 */
export interface TimelineAhead {
  loadNo: number | null;
  snapshotId: number;
  rows: { month: string; series: string; active: number; orders: number; revenue: string }[];
  groups: Record<string, unknown>[];
}

/**
 * The timeline cells of a model not written yet, from its assignments in memory (customer ids with their churn tier,
 * RFM segment and cluster, as customer_segment will hold them), by the same SQL as the in-transaction build
 * (timelineCellsCtes), on a connection of its own: the train pipeline starts it while it still fits the classifier,
 * so the pass over order_fact runs beside that work instead of inside the version's transaction. It reads the
 * load current in its own snapshot; writeModelBiAggregates uses the rows only when that is still the load.
 */
export async function computeTimelineAhead(
  ds: DataSource,
  a: {
    snapshotId: number;
    customerIds: Int32Array;
    churnTiers: string[];
    rfmSegments: string[];
    clusterIds: Int32Array;
    r: ArrayLike<number>;
    f: ArrayLike<number>;
    /** As customer_segment will hold it: null where the model has no estimate. */
    churnProbability: (number | null)[];
  },
): Promise<TimelineAhead> {
  return withClient(ds, async (client) => {
    // The assignments go into an analyzed temporary table: joined straight from unnest() they have no statistics
    // (the planner takes customer_id to have 200 values) and the joins get sorted instead of hashed, at twice the
    // CPU. One snapshot (REPEATABLE READ) for the load, the timeline and the groups.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await client.query(`CREATE TEMPORARY TABLE bi_assignment (customer_id int, churn_tier text, rfm_segment text, cluster_id int, r smallint,
                            f smallint, churn_probability float8) ON COMMIT DROP`);
      await client.query(
        `INSERT INTO bi_assignment SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::smallint[], $6::smallint[], $7::float8[])`,
        [Array.from(a.customerIds), a.churnTiers, a.rfmSegments, Array.from(a.clusterIds), Array.from(a.r), Array.from(a.f), a.churnProbability],
      );
      await client.query('ANALYZE bi_assignment');
      const {
        rows: [row],
      } = await client.query<{ load_no: number | null; rows: TimelineAhead['rows']; groups: TimelineAhead['groups'] }>(
        `WITH ${timelineCellsCtes('NULL', 'bi_assignment cs ON')},
         ${modelFineGroupsCte('NULL', '$1::int', 'bi_assignment cs')}
         SELECT (${CURRENT_LOAD}) AS load_no,
                (SELECT COALESCE(json_agg(json_build_object('month', to_char(month, 'YYYY-MM-DD'), 'series', series, 'active', active, 'orders', orders,
                                                            'revenue', revenue::text)), '[]') FROM agg) AS rows,
                (SELECT COALESCE(json_agg(json_build_object(${FINE_COLUMNS.map(([c, t]) => `'${c}', ${t === 'numeric' || t === 'bigint' ? `${c}::text` : c}`).join(', ')})), '[]') FROM fine) AS groups`,
        [a.snapshotId],
      );
      return { loadNo: row.load_no, snapshotId: a.snapshotId, rows: row.rows, groups: row.groups };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

/** A model's summaries that also read the warehouse (timeline, counts by state), rebuilt for load `loadNo`. */
async function writeLoadSummaries(client: Client, modelId: number, snapshotId: number | null, loadNo: number): Promise<void> {
  await client.query(`DELETE FROM bi_timeline_cell WHERE model_version_id = $1`, [modelId]);
  await client.query(`DELETE FROM bi_state_count WHERE model_version_id = $1`, [modelId]);
  await client.query(
    `INSERT INTO bi_timeline_cell (model_version_id, month, series, active, orders, revenue)
     WITH ${timelineAggCtes('$1::int', '', '')}
     SELECT $1, month, series, active, orders, revenue FROM agg WHERE series IS NOT NULL`,
    [modelId],
  );
  await client.query(
    `INSERT INTO bi_state_count (model_version_id, state, rfm_segment, cluster_id, customers)
     SELECT $1, state, rfm_segment, cluster_id, customers FROM (${stateCountsSql('$1::int', '$2::int')}) s`,
    [modelId, snapshotId],
  );
  await client.query(`UPDATE bi_model_aggregate SET load_no = $2, built_at = now() WHERE model_version_id = $1`, [modelId, loadNo]);
}
