import { CURRENT_LOAD } from '../../warehouse/bi-sql';

/** Anything that runs SQL and returns rows: a TypeORM DataSource or EntityManager fits. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

export interface WarehouseStatsRow {
  customers: number;
  orders: number;
  orderItems: number;
  payments: number;
  reviews: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
}

/**
 * From the current load's summary (bi_load, written by every loader with its data; see CURRENT_LOAD) when there is one; else
 * (and with `source` 'live', the reference) one statement where each count is a separate scalar subquery,
 * so no table is joined to another.
 */
export async function warehouseStats(db: Queryable, source: 'summary' | 'live' = 'summary'): Promise<WarehouseStatsRow> {
  if (source === 'summary') {
    const [load] = (await db.query(`
      SELECT customers AS "customers", orders AS "orders", order_items AS "orderItems", payments AS "payments",
             reviews AS "reviews", first_order_at AS "firstOrderAt", last_order_at AS "lastOrderAt"
        FROM bi_load WHERE load_no = ${CURRENT_LOAD}`)) as WarehouseStatsRow[];
    if (load) return load;
  }
  const rows = (await db.query(`
    SELECT (SELECT count(*) FROM customer)::int        AS "customers",
           (SELECT count(*) FROM orders)::int          AS "orders",
           (SELECT count(*) FROM order_item)::int      AS "orderItems",
           (SELECT count(*) FROM order_payment)::int   AS "payments",
           (SELECT count(*) FROM order_review)::int    AS "reviews",
           (SELECT min(purchased_at) FROM orders)      AS "firstOrderAt",
           (SELECT max(purchased_at) FROM orders)      AS "lastOrderAt"`)) as WarehouseStatsRow[];
  return rows[0];
}
