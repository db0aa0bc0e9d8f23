import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Summary tables for the BI queries (src/warehouse/bi-aggregates.service.ts): per warehouse load (counts,
 * date bounds, cohort cells) and per model version (timeline, geo, RFM grid, segment overlap, counts by
 * state). They are written by the loaders and the train pipeline in their own transactions and read by the
 * analytics queries, which fall back to their live SQL when a summary is missing or was built over another
 * load. The tables start empty: the next load or training fills them.
 *
 * Writes by any other means must not leave a summary that looks current: every statement that writes a table
 * the summaries read draws a number from bi_write_seq (a statement trigger; a sequence never blocks and is
 * seen by every session at once, committed or not), and a load's summaries are current only while that
 * sequence still stands at the number they were stamped with. Deleting customers (which takes their model
 * rows with them) drops the model summaries.
 */
/** The tables the summaries read. */
const WATCHED = ['customer', 'geolocation', 'orders', 'order_item', 'order_payment', 'order_review', 'order_fact'];

export class BiAggregates1764000000060 implements MigrationInterface {
  name = 'BiAggregates1764000000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bi_load (
        load_no                   serial NOT NULL,
        refreshed_at              timestamptz NOT NULL DEFAULT now(),
        customers                 integer NOT NULL,
        orders                    integer NOT NULL,
        order_items               integer NOT NULL,
        payments                  integer NOT NULL,
        reviews                   integer NOT NULL,
        first_order_at            timestamptz,
        last_order_at             timestamptz,
        first_purchase_month      date,
        last_purchase_month       date,
        last_purchase_month_index integer,
        write_no                  bigint NOT NULL,
        CONSTRAINT bi_load_pkey PRIMARY KEY (load_no)
      );
      CREATE TABLE bi_cohort_cell (
        load_no integer NOT NULL,
        cohort  integer NOT NULL,
        state   text NOT NULL,
        k       integer NOT NULL,
        active  integer NOT NULL,
        CONSTRAINT bi_cohort_cell_pkey PRIMARY KEY (load_no, cohort, state, k),
        CONSTRAINT bi_cohort_cell_load_no_fkey FOREIGN KEY (load_no) REFERENCES bi_load (load_no) ON DELETE CASCADE
      );
      CREATE TABLE bi_cohort_row (
        load_no  integer NOT NULL,
        by_state boolean NOT NULL,
        cohort   integer NOT NULL,
        state    text NOT NULL,
        label    text NOT NULL,
        size     integer NOT NULL,
        cells    json NOT NULL,
        CONSTRAINT bi_cohort_row_pkey PRIMARY KEY (load_no, by_state, cohort, state),
        CONSTRAINT bi_cohort_row_load_no_fkey FOREIGN KEY (load_no) REFERENCES bi_load (load_no) ON DELETE CASCADE
      );
      CREATE TABLE bi_model_aggregate (
        model_version_id integer NOT NULL,
        snapshot_id      integer,
        load_no          integer,
        built_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT bi_model_aggregate_pkey PRIMARY KEY (model_version_id),
        CONSTRAINT bi_model_aggregate_model_version_id_fkey FOREIGN KEY (model_version_id) REFERENCES model_version (id) ON DELETE CASCADE
      );
      CREATE TABLE bi_timeline_cell (
        model_version_id integer NOT NULL,
        month            date NOT NULL,
        series           text NOT NULL,
        active           integer NOT NULL,
        orders           integer NOT NULL,
        revenue          numeric NOT NULL,
        CONSTRAINT bi_timeline_cell_pkey PRIMARY KEY (model_version_id, month, series),
        CONSTRAINT bi_timeline_cell_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE TABLE bi_geo_state (
        model_version_id integer NOT NULL,
        state            text NOT NULL,
        customers        integer NOT NULL,
        churn_risk       double precision,
        revenue          double precision NOT NULL,
        CONSTRAINT bi_geo_state_pkey PRIMARY KEY (model_version_id, state),
        CONSTRAINT bi_geo_state_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE TABLE bi_geo_segment (
        model_version_id integer NOT NULL,
        state            text NOT NULL,
        rfm_segment      text NOT NULL,
        customers        integer NOT NULL,
        CONSTRAINT bi_geo_segment_pkey PRIMARY KEY (model_version_id, state, rfm_segment),
        CONSTRAINT bi_geo_segment_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE TABLE bi_rfm_cell (
        model_version_id integer NOT NULL,
        r                smallint NOT NULL,
        f                smallint NOT NULL,
        customers        integer NOT NULL,
        revenue          double precision NOT NULL,
        CONSTRAINT bi_rfm_cell_pkey PRIMARY KEY (model_version_id, r, f),
        CONSTRAINT bi_rfm_cell_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE TABLE bi_segment_overlap (
        model_version_id integer NOT NULL,
        rfm_segment      text NOT NULL,
        cluster_id       integer NOT NULL,
        customers        integer NOT NULL,
        CONSTRAINT bi_segment_overlap_pkey PRIMARY KEY (model_version_id, rfm_segment, cluster_id),
        CONSTRAINT bi_segment_overlap_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE TABLE bi_state_count (
        model_version_id integer NOT NULL,
        state            text NOT NULL,
        rfm_segment      text NOT NULL,
        cluster_id       integer NOT NULL,
        customers        integer NOT NULL,
        CONSTRAINT bi_state_count_pkey PRIMARY KEY (model_version_id, state, rfm_segment, cluster_id),
        CONSTRAINT bi_state_count_model_version_id_fkey FOREIGN KEY (model_version_id)
          REFERENCES bi_model_aggregate (model_version_id) ON DELETE CASCADE
      );
      CREATE SEQUENCE bi_write_seq;
      -- Drawn once, so that the next draw moves last_value (a fresh sequence's first nextval leaves it at 1).
      SELECT nextval('bi_write_seq');
      CREATE FUNCTION bi_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('bi_write_seq');
        RETURN NULL;
      END $$;
      CREATE FUNCTION bi_drop_model_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM bi_model_aggregate;
        RETURN NULL;
      END $$;
      CREATE TRIGGER bi_drop_model_summaries AFTER DELETE OR TRUNCATE ON customer
        FOR EACH STATEMENT EXECUTE FUNCTION bi_drop_model_summaries();
    `);
    for (const t of WATCHED) {
      await q.query(`CREATE TRIGGER bi_note_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION bi_note_write()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of WATCHED) await q.query(`DROP TRIGGER IF EXISTS bi_note_write ON ${t}`);
    await q.query(`
      DROP TRIGGER IF EXISTS bi_drop_model_summaries ON customer;
      DROP FUNCTION IF EXISTS bi_note_write(), bi_drop_model_summaries();
      DROP SEQUENCE IF EXISTS bi_write_seq;
      DROP TABLE IF EXISTS bi_state_count, bi_segment_overlap, bi_rfm_cell, bi_geo_segment, bi_geo_state, bi_timeline_cell,
        bi_model_aggregate, bi_cohort_row, bi_cohort_cell, bi_load;
    `);
  }
}
