import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model registry: versions (everything needed to reproduce and serve a model), per-customer assignments,
 * per-segment profiles and priorities, training runs with progress, and stored backtests.
 * `customer_segment` is partitioned by model version: a version's rows are loaded into a fresh table and
 * attached (indexes built in bulk, foreign keys checked by one query), and deleting a version drops a table.
 */
export class Models1764000000002 implements MigrationInterface {
  name = 'Models1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE training_run (
        id               serial PRIMARY KEY,
        status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        params           jsonb NOT NULL DEFAULT '{}',
        progress         double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
        step             text,
        step_timings     jsonb NOT NULL DEFAULT '[]',
        error            text,
        model_version_id integer,
        requested_by     text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        heartbeat_at     timestamptz
      );
      CREATE INDEX training_run_status_idx ON training_run (status);
      CREATE TABLE model_version (
        id              serial PRIMARY KEY,
        name            text NOT NULL,
        status          text NOT NULL DEFAULT 'ready',
        is_active       boolean NOT NULL DEFAULT false,
        training_run_id integer REFERENCES training_run (id) ON DELETE SET NULL,
        snapshot_id     integer REFERENCES feature_snapshot (id) ON DELETE SET NULL,
        as_of           timestamptz NOT NULL,
        seed            integer NOT NULL,
        k               integer NOT NULL,
        customers       integer NOT NULL,
        params          jsonb NOT NULL,
        feature_names   jsonb NOT NULL,
        imputation      jsonb NOT NULL,
        scaler          jsonb NOT NULL,
        kmeans          jsonb NOT NULL,
        classifier      jsonb NOT NULL,
        churn_model     jsonb,
        priority        jsonb NOT NULL,
        projection      jsonb,
        metrics         jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        activated_at    timestamptz
      );
      -- At most one active model, enforced by the database.
      CREATE UNIQUE INDEX model_version_one_active ON model_version (is_active) WHERE is_active;
      CREATE INDEX model_version_training_run_idx ON model_version (training_run_id);
      CREATE INDEX model_version_snapshot_idx ON model_version (snapshot_id);
      ALTER TABLE training_run ADD CONSTRAINT training_run_model_version_fk
        FOREIGN KEY (model_version_id) REFERENCES model_version (id) ON DELETE SET NULL;
      CREATE INDEX training_run_model_version_idx ON training_run (model_version_id);

      CREATE TABLE customer_segment (
        model_version_id       integer NOT NULL REFERENCES model_version (id) ON DELETE CASCADE,
        customer_id            integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
        cluster_id             integer NOT NULL,
        r                      smallint NOT NULL,
        f                      smallint NOT NULL,
        m                      smallint NOT NULL,
        rfm_score              double precision NOT NULL,
        rfm_segment            text NOT NULL,
        churn_tier             text NOT NULL,
        abc                    text NOT NULL,
        xyz                    text NOT NULL,
        p_alive                double precision,
        churn_probability      double precision,
        expected_purchases_90d double precision,
        expected_avg_spend     double precision,
        clv                    double precision,
        priority_score         double precision,
        PRIMARY KEY (model_version_id, customer_id)
      ) PARTITION BY LIST (model_version_id);
      CREATE INDEX customer_segment_customer_idx ON customer_segment (customer_id);
      CREATE INDEX customer_segment_cluster_idx ON customer_segment (model_version_id, cluster_id);
      CREATE INDEX customer_segment_rfm_idx ON customer_segment (model_version_id, rfm_segment);
      -- Sort-order indexes for customer lists are in the customer-list migration (on the exact sort keys).

      CREATE TABLE segment_profile (
        model_version_id     integer NOT NULL REFERENCES model_version (id) ON DELETE CASCADE,
        kind                 text NOT NULL CHECK (kind IN ('CLUSTER', 'RFM', 'ABC_XYZ')),
        segment_key          text NOT NULL,
        name                 text NOT NULL,
        size                 integer NOT NULL,
        share                double precision NOT NULL,
        revenue_share        double precision NOT NULL,
        avg_recency_days     double precision,
        avg_frequency        double precision,
        avg_monetary         double precision,
        churn_risk           double precision,
        churn_risk_source    text NOT NULL,
        expected_value_total double precision,
        expected_value_mean  double precision,
        priority_score       double precision NOT NULL,
        priority_rank        integer NOT NULL,
        recommended_action   text NOT NULL,
        action_reason        text,
        profile              jsonb NOT NULL DEFAULT '[]',
        centroid             jsonb,
        PRIMARY KEY (model_version_id, kind, segment_key)
      );

      CREATE TABLE backtest_run (
        id           serial PRIMARY KEY,
        status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        cutoff       timestamptz NOT NULL,
        horizon_days integer NOT NULL,
        params       jsonb NOT NULL DEFAULT '{}',
        results      jsonb,
        error        text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS backtest_run, segment_profile, customer_segment;
      ALTER TABLE training_run DROP CONSTRAINT IF EXISTS training_run_model_version_fk;
      DROP TABLE IF EXISTS model_version, training_run;
    `);
  }
}
