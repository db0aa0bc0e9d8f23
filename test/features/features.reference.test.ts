import type { DataSource } from 'typeorm';
import { seedWarehouse } from '../../seeds/seed.service';
import { computeFeatures, defaultAsOf } from '../../src/features/features.service';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * The snapshot statement reads precomputed per-order facts (purchase-day numbers, each order's own category
 * facts) and takes shortcuts (one-order customers skip the category pass). Here every feature those touch is
 * recomputed the plain way, straight from the fact tables with DISTINCT and mode() per customer, and must agree
 * for every customer of a seeded warehouse, at the default as_of and at an earlier one (a backtest's cut).
 */
const REFERENCE_SQL = `
WITH po AS (
  SELECT o.id, o.customer_id, o.purchased_at, (o.purchased_at AT TIME ZONE 'UTC')::date AS day,
         COALESCE((SELECT sum(p.value) FROM order_payment p WHERE p.order_id = o.id),
                  (SELECT sum(i.price + i.freight) FROM order_item i WHERE i.order_id = o.id)) AS value
    FROM orders o
   WHERE o.status NOT IN ('canceled', 'unavailable') AND o.purchased_at < $1
),
per AS (
  SELECT customer_id, count(*)::int AS frequency, count(DISTINCT day)::int AS purchase_days,
         min(purchased_at) AS first_at, max(purchased_at) AS last_at, sum(value) AS monetary,
         stddev_samp(value::float8) AS sd, min(day) AS first_day
    FROM po GROUP BY customer_id
),
firstday AS (
  SELECT po.customer_id, sum(po.value) AS first_day_value FROM po JOIN per USING (customer_id) WHERE po.day = per.first_day GROUP BY 1
),
cats AS (
  SELECT po.customer_id, count(DISTINCT pr.category_name COLLATE "C")::int AS distinct_categories,
         mode() WITHIN GROUP (ORDER BY pr.category_name COLLATE "C") AS top_category
    FROM po JOIN order_item i ON i.order_id = po.id LEFT JOIN product pr ON pr.id = i.product_id
   GROUP BY po.customer_id
),
revs AS (
  SELECT po.customer_id, avg(r.score::float8) AS avg_review_score, avg((r.score <= 2)::int::float8) AS low_review_share
    FROM po JOIN order_review r ON r.order_id = po.id WHERE r.created_at < $1
   GROUP BY po.customer_id
)
SELECT per.customer_id, per.frequency, per.purchase_days,
       (extract(epoch FROM $1 - per.last_at) / 86400)::float8 AS recency_days,
       (extract(epoch FROM $1 - per.first_at) / 86400)::float8 AS tenure_days,
       per.monetary::float8 AS monetary, (per.monetary / per.frequency)::float8 AS avg_order_value,
       per.sd / (per.monetary / per.frequency)::float8 AS order_value_cv,
       CASE WHEN per.purchase_days > 1 THEN ((per.monetary - f.first_day_value) / (per.purchase_days - 1))::float8 END AS repeat_monetary_mean,
       CASE WHEN per.purchase_days > 1 THEN (extract(epoch FROM per.last_at - per.first_at) / 86400 / (per.purchase_days - 1))::float8 END
         AS mean_interpurchase_days,
       cats.distinct_categories, cats.top_category, revs.avg_review_score, revs.low_review_share
  FROM per JOIN firstday f USING (customer_id) LEFT JOIN cats USING (customer_id) LEFT JOIN revs USING (customer_id)
 ORDER BY per.customer_id`;

const COLUMNS = [
  'frequency', 'purchase_days', 'recency_days', 'tenure_days', 'monetary', 'avg_order_value', 'order_value_cv', 'repeat_monetary_mean',
  'mean_interpurchase_days', 'distinct_categories', 'top_category', 'avg_review_score', 'low_review_share',
] as const;

async function compare(ds: DataSource, asOf: Date): Promise<{ customers: number; multiOrder: number; multiDay: number }> {
  const snap = await computeFeatures(ds, { asOf });
  const got: Record<string, unknown>[] = await ds.query(
    `SELECT customer_id, ${COLUMNS.join(', ')} FROM customer_features WHERE snapshot_id = $1 ORDER BY customer_id`,
    [snap.snapshotId],
  );
  const want: Record<string, unknown>[] = await ds.query(REFERENCE_SQL, [asOf]);
  expect(got.map((r) => r.customer_id)).toEqual(want.map((r) => r.customer_id));
  const mismatches: string[] = [];
  got.forEach((g, i) => {
    const w = want[i];
    for (const c of COLUMNS) {
      const a = g[c];
      const b = w[c];
      const same = typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) : a === b;
      if (!same) mismatches.push(`customer ${g.customer_id} ${c}: ${String(a)} vs ${String(b)}`);
    }
  });
  expect(mismatches.slice(0, 10)).toEqual([]);
  return {
    customers: got.length,
    multiOrder: got.filter((r) => (r.frequency as number) > 1).length,
    multiDay: got.filter((r) => (r.purchase_days as number) > 1).length,
  };
}

describe('feature snapshot against a plain per-customer computation', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    await seedWarehouse(db.ds, { customers: 600, seed: 11 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('agrees for every customer at the default as_of', async () => {
    const r = await compare(db.ds, await defaultAsOf(db.ds));
    // The seeded store has one-order and many-order customers, so both category paths and day numbers are used.
    expect(r.customers).toBeGreaterThan(500);
    expect(r.multiOrder).toBeGreaterThan(50);
    expect(r.multiDay).toBeGreaterThan(50);
  });

  it('agrees for every customer at an earlier as_of, where later orders, days and reviews drop out', async () => {
    const [{ mid }] = await db.ds.query(`SELECT min(purchased_at) + (max(purchased_at) - min(purchased_at)) * 0.6 AS mid FROM orders`);
    const r = await compare(db.ds, new Date(mid));
    expect(r.customers).toBeGreaterThan(100);
    expect(r.multiDay).toBeGreaterThan(10);
  });
});
