import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-customer feature snapshots. A snapshot is the feature table of every customer with a purchase before
 * its `as_of`, written by one INSERT … SELECT (src/features/features.service.ts), so a snapshot is either
 * complete ('ready') or absent. `customer_features` is partitioned by snapshot: each snapshot is filled as a
 * plain table and then attached, so its indexes are built in bulk and its foreign keys are checked by one
 * set-based query instead of one lookup (and row lock) per row; dropping an old snapshot drops a table.
 * `state_centroid` is the location fallback for customers whose zip prefix has no geolocation row.
 */
export class Features1764000000001 implements MigrationInterface {
  name = 'Features1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE state_centroid (
        state text PRIMARY KEY,
        name  text NOT NULL,
        lat   double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
        lng   double precision NOT NULL CHECK (lng BETWEEN -180 AND 180)
      );
      -- Approximate geographic centres of the 27 Brazilian federative units (0.01° ≈ 1 km); good enough to place
      -- a customer on a country map when only the state is known.
      INSERT INTO state_centroid (state, name, lat, lng) VALUES
        ('AC', 'Acre',                -9.02, -70.81),
        ('AL', 'Alagoas',             -9.57, -36.78),
        ('AP', 'Amapá',                1.41, -51.77),
        ('AM', 'Amazonas',            -3.42, -65.86),
        ('BA', 'Bahia',              -12.58, -41.70),
        ('CE', 'Ceará',               -5.50, -39.32),
        ('DF', 'Distrito Federal',   -15.80, -47.86),
        ('ES', 'Espírito Santo',     -19.18, -40.31),
        ('GO', 'Goiás',              -15.83, -49.84),
        ('MA', 'Maranhão',            -4.96, -45.27),
        ('MT', 'Mato Grosso',        -12.68, -56.92),
        ('MS', 'Mato Grosso do Sul', -20.77, -54.79),
        ('MG', 'Minas Gerais',       -18.51, -44.56),
        ('PA', 'Pará',                -3.79, -52.48),
        ('PB', 'Paraíba',             -7.24, -36.78),
        ('PR', 'Paraná',             -24.89, -51.55),
        ('PE', 'Pernambuco',          -8.38, -37.86),
        ('PI', 'Piauí',               -7.72, -42.73),
        ('RJ', 'Rio de Janeiro',     -22.25, -42.66),
        ('RN', 'Rio Grande do Norte', -5.81, -36.59),
        ('RS', 'Rio Grande do Sul',  -29.75, -53.25),
        ('RO', 'Rondônia',           -10.83, -63.34),
        ('RR', 'Roraima',              2.05, -61.40),
        ('SC', 'Santa Catarina',     -27.45, -50.95),
        ('SP', 'São Paulo',          -22.19, -48.79),
        ('SE', 'Sergipe',            -10.57, -37.39),
        ('TO', 'Tocantins',          -10.18, -48.33);

      CREATE TABLE feature_snapshot (
        id          serial PRIMARY KEY,
        as_of       timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        customers   integer,
        duration_ms integer,
        status      text NOT NULL DEFAULT 'computing' CHECK (status IN ('computing', 'ready', 'failed'))
      );
      CREATE INDEX feature_snapshot_status_idx ON feature_snapshot (status, as_of);

      -- Column meanings, units and NULL rules: src/features/catalogue.ts.
      CREATE TABLE customer_features (
        snapshot_id             integer NOT NULL REFERENCES feature_snapshot (id) ON DELETE CASCADE,
        customer_id             integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
        recency_days            double precision NOT NULL,
        frequency               integer NOT NULL,
        purchase_days           integer NOT NULL,
        first_purchase_at       timestamptz NOT NULL,
        last_purchase_at        timestamptz NOT NULL,
        monetary                double precision,
        avg_order_value         double precision,
        order_value_cv          double precision,
        tenure_days             double precision NOT NULL,
        mean_interpurchase_days double precision,
        items_per_order         double precision,
        distinct_categories     integer,
        top_category            text,
        avg_review_score        double precision,
        low_review_share        double precision,
        avg_delivery_delay_days double precision,
        late_delivery_share     double precision,
        mean_installments       double precision,
        credit_card_share       double precision,
        returns                 integer NOT NULL,
        state                   text,
        lat                     double precision,
        lng                     double precision,
        repeat_monetary_mean    double precision,
        PRIMARY KEY (snapshot_id, customer_id)
      ) PARTITION BY LIST (snapshot_id);
      CREATE INDEX customer_features_customer_idx ON customer_features (customer_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS customer_features, feature_snapshot, state_centroid;`);
  }
}
