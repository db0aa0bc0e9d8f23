import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ORDER_FACT_VIEW_V1 } from './1764000000000-warehouse';

/**
 * The per-order facts, extended with what per-person features need so that a snapshot never joins items or
 * reviews again: the review sums over dated reviews and the latest review date (reviews count only when
 * created before as_of, so a snapshot uses the sums of orders whose reviews all precede it and reads the rest
 * review by review), and the categories of the order's items.
 */
export const ORDER_FACT_VIEW_V2 = `
SELECT o.id AS order_id,
       o.customer_id,
       o.status,
       o.source,
       o.purchased_at,
       o.delivered_customer_at,
       o.estimated_delivery_at,
       -- An order made only of returned lines (a credit note in a transaction log) is not a purchase
       -- occasion; its negative value still reduces the customer's spend (see is_return_only).
       o.status NOT IN ('canceled', 'unavailable') AND NOT COALESCE(t.n_lines = t.n_returns, false) AS is_purchase,
       COALESCE(t.n_lines = t.n_returns, false) AS is_return_only,
       COALESCE(p.paid, i.items_total, t.net_amount) AS value,
       p.paid,
       p.max_installments,
       p.credit_share,
       i.n_items,
       i.items_total,
       i.freight_total,
       t.n_lines,
       t.n_returns,
       t.net_amount,
       r.avg_score,
       r.n_reviews,
       CASE WHEN o.delivered_customer_at IS NOT NULL AND o.estimated_delivery_at IS NOT NULL
            THEN EXTRACT(EPOCH FROM (o.delivered_customer_at - o.estimated_delivery_at)) / 86400.0 END AS delay_days,
       r.n_dated_reviews,
       r.review_score_sum,
       r.n_low_reviews,
       r.last_review_at,
       i.item_categories
  FROM orders o
  LEFT JOIN (SELECT order_id, SUM(value) AS paid, MAX(installments) AS max_installments,
                    AVG((type = 'credit_card')::int) AS credit_share
               FROM order_payment GROUP BY order_id) p ON p.order_id = o.id
  LEFT JOIN (SELECT i.order_id, COUNT(*) AS n_items, SUM(i.price + i.freight) AS items_total, SUM(i.freight) AS freight_total,
                    array_agg(pr.category_name ORDER BY i.item_seq) AS item_categories
               FROM order_item i LEFT JOIN product pr ON pr.id = i.product_id GROUP BY i.order_id) i ON i.order_id = o.id
  LEFT JOIN (SELECT order_id, COUNT(*) AS n_lines, COUNT(*) FILTER (WHERE is_return) AS n_returns,
                    SUM(amount) AS net_amount
               FROM transaction_line GROUP BY order_id) t ON t.order_id = o.id
  LEFT JOIN (SELECT order_id, AVG(score) AS avg_score, COUNT(*) AS n_reviews,
                    COUNT(created_at) AS n_dated_reviews,
                    SUM(score) FILTER (WHERE created_at IS NOT NULL) AS review_score_sum,
                    COUNT(*) FILTER (WHERE created_at IS NOT NULL AND score <= 2) AS n_low_reviews,
                    MAX(created_at) AS last_review_at
               FROM order_review GROUP BY order_id) r ON r.order_id = o.id`;

/**
 * `order_fact` becomes a table: one row per order with its payments, items, transaction lines and reviews
 * already summed. Aggregating four fact tables by a text key on every read cost most of each feature snapshot
 * (about 20 s of 55 s at a million customers, plus the item and review joins) and nearly all of the timeline
 * and cohort queries. The loaders now write it (seed, Olist import, transaction-log import;
 * src/warehouse/order-fact.service.ts). The view stays, as `order_fact_live`, the reference definition: a
 * test holds the table equal to it after every loader.
 */
export class OrderFactTable1764000000011 implements MigrationInterface {
  name = 'OrderFactTable1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP VIEW order_fact;
      CREATE VIEW order_fact_live AS ${ORDER_FACT_VIEW_V2};
      CREATE TABLE order_fact (
        order_id              text NOT NULL,
        customer_id           integer NOT NULL,
        status                text NOT NULL,
        source                text NOT NULL,
        purchased_at          timestamptz NOT NULL,
        delivered_customer_at timestamptz,
        estimated_delivery_at timestamptz,
        is_purchase           boolean NOT NULL,
        is_return_only        boolean NOT NULL,
        value                 numeric,
        paid                  numeric,
        max_installments      smallint,
        credit_share          numeric,
        n_items               integer,
        items_total           numeric,
        freight_total         numeric,
        n_lines               integer,
        n_returns             integer,
        net_amount            numeric,
        avg_score             numeric,
        n_reviews             integer,
        delay_days            numeric,
        n_dated_reviews       integer,
        review_score_sum      integer,
        n_low_reviews         integer,
        last_review_at        timestamptz,
        item_categories       text[]
      );
      -- Filled before its keys and indexes exist (bulk builds instead of per-row maintenance).
      SET LOCAL work_mem = '512MB';
      SET LOCAL maintenance_work_mem = '256MB';
      -- In customer order, so per-person reads walk the (customer_id, purchased_at) index sequentially.
      INSERT INTO order_fact SELECT * FROM order_fact_live ORDER BY customer_id, purchased_at;
      ALTER TABLE order_fact ADD PRIMARY KEY (order_id),
        ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
      -- Per-person reads (features for a few customers, a customer's orders) and time-range reads (timeline).
      CREATE INDEX order_fact_customer_purchased_idx ON order_fact (customer_id, purchased_at);
      CREATE INDEX order_fact_purchased_idx ON order_fact (purchased_at);
      ANALYZE order_fact;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS order_fact;
      DROP VIEW IF EXISTS order_fact_live;
      CREATE VIEW order_fact AS ${ORDER_FACT_VIEW_V1};
    `);
  }
}
