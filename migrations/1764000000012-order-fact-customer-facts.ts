import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ORDER_FACT_VIEW_V2 } from './1764000000011-order-fact-table';

/**
 * The reference view gains the three new columns: the purchase-day number (1 for the customer's first UTC
 * purchase day, 2 for the second, …; several orders on one day share it; NULL for orders that are not
 * purchases), and the number of distinct categories and the most frequent category among the order's items
 * (ties to the first name in byte order; NULL when the order has no items).
 *
 * A day's number depends only on earlier days, so it is the same whatever as_of a snapshot cuts at. The
 * credit-card share and the delivery delay become float8: they are means and day counts that snapshots
 * average in float8, and converting numeric on every read cost more than the rest of their arithmetic.
 */
export const ORDER_FACT_VIEW_V3 = `
SELECT v.order_id, v.customer_id, v.status, v.source, v.purchased_at, v.delivered_customer_at,
       v.estimated_delivery_at, v.is_purchase, v.is_return_only, v.value, v.paid, v.max_installments,
       v.credit_share::float8 AS credit_share, v.n_items, v.items_total, v.freight_total, v.n_lines, v.n_returns,
       v.net_amount, v.avg_score, v.n_reviews, v.delay_days::float8 AS delay_days, v.n_dated_reviews,
       v.review_score_sum, v.n_low_reviews, v.last_review_at, v.item_categories,
       CASE WHEN v.is_purchase
            THEN dense_rank() OVER (PARTITION BY v.customer_id, v.is_purchase ORDER BY (v.purchased_at AT TIME ZONE 'UTC')::date)::int
       END AS purchase_day_no,
       CASE WHEN v.item_categories IS NOT NULL
            THEN (SELECT count(DISTINCT c COLLATE "C")::int FROM unnest(v.item_categories) c)
       END AS n_categories,
       (SELECT mode() WITHIN GROUP (ORDER BY c COLLATE "C") FROM unnest(v.item_categories) c) COLLATE "default" AS top_category
  FROM (${ORDER_FACT_VIEW_V2}) v`;

/**
 * Per-order facts that spare every feature snapshot a sort: the purchase-day number (the snapshot took it
 * from a window over all orders, sorted by customer and day), and each order's own category count and top
 * category (most customers buy once, and their category features are then their order's). Two small indexes
 * find the rare orders a snapshot reads apart: those made only of returns, and those reviewed after as_of.
 */
export class OrderFactCustomerFacts1764000000012 implements MigrationInterface {
  name = 'OrderFactCustomerFacts1764000000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP VIEW order_fact_live;
      CREATE VIEW order_fact_live AS ${ORDER_FACT_VIEW_V3};
      ALTER TABLE order_fact ADD COLUMN purchase_day_no integer, ADD COLUMN n_categories integer, ADD COLUMN top_category text,
        ALTER COLUMN credit_share TYPE float8, ALTER COLUMN delay_days TYPE float8;
      SET LOCAL work_mem = '512MB';
      SET LOCAL maintenance_work_mem = '256MB';
      -- Rewritten whole rather than updated in place (an UPDATE of every row would leave the table twice its size).
      TRUNCATE order_fact;
      INSERT INTO order_fact SELECT * FROM order_fact_live ORDER BY customer_id, purchased_at;
      CREATE INDEX order_fact_return_only_idx ON order_fact (customer_id) WHERE is_return_only;
      CREATE INDEX order_fact_last_review_idx ON order_fact (last_review_at);
      ANALYZE order_fact;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS order_fact_return_only_idx, order_fact_last_review_idx;
      DROP VIEW order_fact_live;
      ALTER TABLE order_fact DROP COLUMN purchase_day_no, DROP COLUMN n_categories, DROP COLUMN top_category,
        ALTER COLUMN credit_share TYPE numeric, ALTER COLUMN delay_days TYPE numeric;
      CREATE VIEW order_fact_live AS ${ORDER_FACT_VIEW_V2};
    `);
  }
}
