import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Value at risk as the product ranks it: each customer's value if retained (expected spend over the CLV
 * horizon while they stay) and value at risk (churn probability × value if retained), summed per segment.
 * The seed's truth gains what the ranking is judged against: each customer's yearly value if retained and
 * whether they are really gone by the horizon's end.
 */
export class ValueAtRisk1764000000020 implements MigrationInterface {
  name = 'ValueAtRisk1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_segment
        ADD COLUMN value_if_retained double precision,
        ADD COLUMN value_at_risk double precision;
      ALTER TABLE segment_profile
        ADD COLUMN value_if_retained_total double precision,
        ADD COLUMN value_at_risk double precision;
      ALTER TABLE seed_truth
        ADD COLUMN value_if_retained_yearly double precision,
        ADD COLUMN dead_by_horizon_end boolean;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE seed_truth DROP COLUMN IF EXISTS dead_by_horizon_end, DROP COLUMN IF EXISTS value_if_retained_yearly;
      ALTER TABLE segment_profile DROP COLUMN IF EXISTS value_at_risk, DROP COLUMN IF EXISTS value_if_retained_total;
      ALTER TABLE customer_segment DROP COLUMN IF EXISTS value_at_risk, DROP COLUMN IF EXISTS value_if_retained;
    `);
  }
}
