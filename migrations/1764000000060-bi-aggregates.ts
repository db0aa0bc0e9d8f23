import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Summary tables for the BI queries (src/warehouse/bi-aggregates.service.ts): per warehouse load (counts,
 * date bounds, cohort cells) and per model version (timeline, geo, RFM grid, segment overlap, counts by
 * state). They are written by the loaders and the train pipeline in their own transactions and read by the
 * analytics queries, which fall back to their live SQL when a summary is missing or was built over another
 * load. The tables start empty: the next load or training fills them.
 */
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
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS bi_state_count, bi_segment_overlap, bi_rfm_cell, bi_geo_segment, bi_geo_state, bi_timeline_cell,
        bi_model_aggregate, bi_cohort_cell, bi_load;
    `);
  }
}
