import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request counters of the rate limit (src/http/rate-limit.ts), kept in the database so that every instance
 * serving the same warehouse counts against the same budget. The shape is the one rate-limiter-flexible's
 * PostgreSQL store reads and writes: one row per key and window, `expire` in epoch milliseconds.
 */
export class RateLimit1764000000040 implements MigrationInterface {
  name = 'RateLimit1764000000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limit (
        key varchar(255) NOT NULL,
        points integer NOT NULL DEFAULT 0,
        expire bigint,
        CONSTRAINT rate_limit_pkey PRIMARY KEY (key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit`);
  }
}
