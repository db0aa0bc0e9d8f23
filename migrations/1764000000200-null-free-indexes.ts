import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes that hold only non-null values: orders.account_id (Olist's account; NULL on every transaction-log
 * order) and order_fact.last_review_at (NULL for every order without a dated review, and always for
 * transaction logs). Every query on them compares the column with a value (the account's ON DELETE SET NULL
 * lookup, `last_review_at >= as_of`), which implies it is not null, so the partial indexes serve them alike;
 * a million-line log then no longer writes a million NULL index entries, nor sorts them when a bulk load
 * rebuilds its indexes.
 */
export class NullFreeIndexes1764000000200 implements MigrationInterface {
  name = 'NullFreeIndexes1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX orders_account_idx;
      CREATE INDEX orders_account_idx ON orders (account_id) WHERE account_id IS NOT NULL;
      DROP INDEX order_fact_last_review_idx;
      CREATE INDEX order_fact_last_review_idx ON order_fact (last_review_at) WHERE last_review_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX orders_account_idx;
      CREATE INDEX orders_account_idx ON orders (account_id);
      DROP INDEX order_fact_last_review_idx;
      CREATE INDEX order_fact_last_review_idx ON order_fact (last_review_at);
    `);
  }
}
