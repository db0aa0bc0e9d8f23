import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the customers connection (src/graphql/customers/customer.service.ts): one per sort order, on
 * exactly the sort-key expression the service uses (nullable keys COALESCEd to -Infinity) followed by the
 * customer tiebreak, so that a page is an index range scan after the keyset cursor in either direction
 * instead of a sort of the whole model.
 */
export class CustomerListIndexes1764000000010 implements MigrationInterface {
  name = 'CustomerListIndexes1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX customer_segment_priority_key_idx
        ON customer_segment (model_version_id, (COALESCE(priority_score, '-Infinity'::float8)), customer_id);
      CREATE INDEX customer_segment_clv_key_idx
        ON customer_segment (model_version_id, (COALESCE(clv, '-Infinity'::float8)), customer_id);
      CREATE INDEX customer_segment_churn_key_idx
        ON customer_segment (model_version_id, (COALESCE(churn_probability, '-Infinity'::float8)), customer_id);
      CREATE INDEX customer_features_recency_idx ON customer_features (snapshot_id, recency_days, customer_id);
      CREATE INDEX customer_features_frequency_idx ON customer_features (snapshot_id, frequency, customer_id);
      CREATE INDEX customer_features_monetary_key_idx
        ON customer_features (snapshot_id, (COALESCE(monetary, '-Infinity'::float8)), customer_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS customer_segment_priority_key_idx, customer_segment_clv_key_idx, customer_segment_churn_key_idx,
        customer_features_recency_idx, customer_features_frequency_idx, customer_features_monetary_key_idx;
    `);
  }
}
