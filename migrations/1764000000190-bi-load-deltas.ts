import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A load's warehouse counts (bi_load) moved by the load's own rows instead of counted over the whole warehouse
 * (src/warehouse/bi-aggregates.service.ts):
 *
 * - bi_cohort_member also holds each customer's order_fact totals (every order, purchase or not: rows, items,
 *   reviews), and a row for a customer whose orders include no purchase (no cohort, no months). A load's
 *   orders, items and reviews are then the previous load's plus the new totals of the customers it touched
 *   minus their old ones.
 * - Customer rows are counted as they are written: a statement trigger adds the rows an INSERT added and takes
 *   off those a DELETE removed (transition tables), per transaction (setting segmenta.bi_customer_rows); a
 *   TRUNCATE makes the count unknown ('truncated'), and the refresh then counts the table.
 * - bi_note_write() also notes a write to order_payment (segmenta.bi_payments_changed): without one, the
 *   payments are the previous load's.
 *
 * - The cohort cells and answer rows are a set (their load_no: the load that built it) that a load moved by
 *   its delta changes in place and carries over (bi_load.cells_no) rather than copying every cell and row
 *   under its own number: the per-row copy and its foreign-key checks cost as much as the rest of the delta
 *   (6,800 cells and 670 rows at 100k customers). A set outlives the load numbers that read it, so it no longer
 *   references bi_load; a full rebuild writes a new set and deletes the others.
 *
 * The members written before hold no totals: a draw of bi_write_seq makes the current load not current, and
 * the next load rebuilds everything (the live queries answer until then).
 */
export class BiLoadDeltas1764000000190 implements MigrationInterface {
  name = 'BiLoadDeltas1764000000190';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bi_load ADD COLUMN cells_no integer;
      UPDATE bi_load SET cells_no = load_no;
      ALTER TABLE bi_load ALTER COLUMN cells_no SET NOT NULL;
      ALTER TABLE bi_cohort_cell DROP CONSTRAINT bi_cohort_cell_load_no_fkey;
      ALTER TABLE bi_cohort_row DROP CONSTRAINT bi_cohort_row_load_no_fkey;
      ALTER TABLE bi_cohort_member
        ALTER COLUMN cohort DROP NOT NULL,
        ADD COLUMN n_orders integer NOT NULL DEFAULT 0,
        ADD COLUMN n_items integer NOT NULL DEFAULT 0,
        ADD COLUMN n_reviews integer NOT NULL DEFAULT 0;
      CREATE OR REPLACE FUNCTION bi_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('bi_write_seq');
        PERFORM set_config('segmenta.bi_writes', (COALESCE(NULLIF(current_setting('segmenta.bi_writes', true), ''), '0')::bigint + 1)::text, true);
        IF TG_TABLE_NAME = 'customer' AND TG_OP <> 'INSERT' THEN
          PERFORM set_config('segmenta.bi_customers_changed', 'on', true);
        ELSIF TG_TABLE_NAME = 'geolocation' THEN
          PERFORM set_config('segmenta.bi_places_changed', 'on', true);
        ELSIF TG_TABLE_NAME = 'order_payment' THEN
          PERFORM set_config('segmenta.bi_payments_changed', 'on', true);
        END IF;
        RETURN NULL;
      END $$;
      CREATE FUNCTION bi_count_customer_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was text := COALESCE(NULLIF(current_setting('segmenta.bi_customer_rows', true), ''), '0');
        n bigint;
      BEGIN
        IF was = 'truncated' THEN RETURN NULL; END IF;
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM set_config('segmenta.bi_customer_rows', 'truncated', true);
          RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN
          SELECT count(*) INTO n FROM bi_added;
        ELSE
          SELECT -count(*) INTO n FROM bi_removed;
        END IF;
        PERFORM set_config('segmenta.bi_customer_rows', (was::bigint + n)::text, true);
        RETURN NULL;
      END $$;
      CREATE TRIGGER bi_count_customer_inserts AFTER INSERT ON customer REFERENCING NEW TABLE AS bi_added
        FOR EACH STATEMENT EXECUTE FUNCTION bi_count_customer_rows();
      CREATE TRIGGER bi_count_customer_deletes AFTER DELETE ON customer REFERENCING OLD TABLE AS bi_removed
        FOR EACH STATEMENT EXECUTE FUNCTION bi_count_customer_rows();
      CREATE TRIGGER bi_count_customer_truncates AFTER TRUNCATE ON customer
        FOR EACH STATEMENT EXECUTE FUNCTION bi_count_customer_rows();
      SELECT nextval('bi_write_seq');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS bi_count_customer_inserts ON customer;
      DROP TRIGGER IF EXISTS bi_count_customer_deletes ON customer;
      DROP TRIGGER IF EXISTS bi_count_customer_truncates ON customer;
      DROP FUNCTION IF EXISTS bi_count_customer_rows();
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
      DELETE FROM bi_cohort_member WHERE cohort IS NULL;
      DELETE FROM bi_cohort_cell c WHERE NOT EXISTS (SELECT 1 FROM bi_load l WHERE l.load_no = c.load_no);
      DELETE FROM bi_cohort_row r WHERE NOT EXISTS (SELECT 1 FROM bi_load l WHERE l.load_no = r.load_no);
      ALTER TABLE bi_cohort_cell ADD CONSTRAINT bi_cohort_cell_load_no_fkey FOREIGN KEY (load_no) REFERENCES bi_load (load_no) ON DELETE CASCADE;
      ALTER TABLE bi_cohort_row ADD CONSTRAINT bi_cohort_row_load_no_fkey FOREIGN KEY (load_no) REFERENCES bi_load (load_no) ON DELETE CASCADE;
      ALTER TABLE bi_load DROP COLUMN cells_no;
      ALTER TABLE bi_cohort_member DROP COLUMN n_orders, DROP COLUMN n_items, DROP COLUMN n_reviews, ALTER COLUMN cohort SET NOT NULL;
      SELECT nextval('bi_write_seq');
    `);
  }
}
