import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * At most one training run queued or running per database, whichever instance accepted it: a unique partial
 * index over a constant lets the second INSERT fail (unique_violation) instead of trusting a check-then-insert
 * that two instances can pass at the same moment. Rows that an older version left queued or running beside a
 * newer one are marked failed first (none of them can still be executing: only one training holds the lock).
 */
export class TrainingOneInProgress1764000000070 implements MigrationInterface {
  name = 'TrainingOneInProgress1764000000070';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE training_run SET status = 'failed', finished_at = now(),
             error = 'interrupted: superseded by a newer run before the one-run-at-a-time constraint existed'
       WHERE status IN ('queued', 'running')
         AND id <> (SELECT max(id) FROM training_run WHERE status IN ('queued', 'running'));
      CREATE UNIQUE INDEX training_run_one_in_progress ON training_run ((1)) WHERE status IN ('queued', 'running');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS training_run_one_in_progress`);
  }
}
