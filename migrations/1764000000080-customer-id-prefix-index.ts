import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer lookup by id prefix (CustomerFilter.idPrefix): the unique index on customer_unique_id uses the
 * database collation, which cannot serve a byte-wise prefix range; text_pattern_ops can, so a prefix search is an
 * index range scan instead of a scan of every customer.
 */
export class CustomerIdPrefixIndex1764000000080 implements MigrationInterface {
  name = 'CustomerIdPrefixIndex1764000000080';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX customer_unique_id_prefix_idx ON customer (customer_unique_id text_pattern_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS customer_unique_id_prefix_idx`);
  }
}
