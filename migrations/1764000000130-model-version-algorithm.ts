import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The clustering engine a model version was trained with ('kmeans' or 'gmm'). Its fitted model stays in the
 * `kmeans` JSON column, whose `model` field names the engine too; the column makes the engine queryable and
 * listable without reading that document. Every existing version was trained with k-means.
 */
export class ModelVersionAlgorithm1764000000130 implements MigrationInterface {
  name = 'ModelVersionAlgorithm1764000000130';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE model_version ADD COLUMN algorithm text NOT NULL DEFAULT 'kmeans'`);
    await q.query(`ALTER TABLE model_version ADD CONSTRAINT model_version_algorithm_check CHECK (algorithm IN ('kmeans', 'gmm'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE model_version DROP CONSTRAINT IF EXISTS model_version_algorithm_check`);
    await q.query(`ALTER TABLE model_version DROP COLUMN IF EXISTS algorithm`);
  }
}
