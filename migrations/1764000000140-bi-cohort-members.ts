import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delta maintenance of the load-keyed BI summaries (src/warehouse/bi-aggregates.service.ts):
 *
 * - bi_cohort_member: per customer with a purchase, what it adds to the load's summaries (cohort month, state
 *   group, and per purchase month its purchase orders and revenue), as of the newest load. A load then moves
 *   only the cells of the customers it touched: their old contribution is read here, their new one from the
 *   warehouse.
 * - bi_note_write() also counts, per transaction, the writes it notes (setting segmenta.bi_writes): a loader
 *   whose count accounts for every step bi_write_seq took since the newest load knows that nobody else wrote
 *   meanwhile, so that load plus its own changes is the whole difference; otherwise it rebuilds everything.
 *   It also notes an update, delete or truncate of customer rows (segmenta.bi_customers_changed; inserts
 *   alone add customers that no model or cohort holds yet) and any write to geolocation
 *   (segmenta.bi_places_changed): only then can a customer's state group move without its orders.
 */
export class BiCohortMembers1764000000140 implements MigrationInterface {
  name = 'BiCohortMembers1764000000140';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bi_cohort_member (
        customer_id integer NOT NULL,
        cohort      integer NOT NULL,
        state       text NOT NULL,
        months      integer[] NOT NULL,
        orders      integer[] NOT NULL,
        revenue     numeric[] NOT NULL,
        CONSTRAINT bi_cohort_member_pkey PRIMARY KEY (customer_id)
      );
      CREATE OR REPLACE FUNCTION bi_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('bi_write_seq');
        PERFORM set_config('segmenta.bi_writes', (COALESCE(NULLIF(current_setting('segmenta.bi_writes', true), ''), '0')::bigint + 1)::text, true);
        IF TG_TABLE_NAME = 'customer' AND TG_OP <> 'INSERT' THEN
          PERFORM set_config('segmenta.bi_customers_changed', 'on', true);
        ELSIF TG_TABLE_NAME = 'geolocation' THEN
          PERFORM set_config('segmenta.bi_places_changed', 'on', true);
        END IF;
        RETURN NULL;
      END $$;
      -- The members table starts empty, so the load already written has no members to move: a draw makes it
      -- not current, and the next load rebuilds everything (the live queries answer until then).
      SELECT nextval('bi_write_seq');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION bi_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('bi_write_seq');
        RETURN NULL;
      END $$;
      DROP TABLE IF EXISTS bi_cohort_member;
    `);
  }
}
