import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { LATENT_TYPES } from '../seeds/behaviour';
import { seedWarehouse, type SeedReport } from '../seeds/seed.service';
import { createDataSource, SERVER_APPLICATION_NAME } from '../src/db/data-source';
import { createTestDb, type TestDb } from './helpers/db';
import { dataModel } from '../src/data-model';

const N = 2500;
const TABLES = ['product_category', 'seller', 'product', 'customer', 'customer_account', 'orders', 'order_item', 'order_payment', 'order_review', 'seed_truth', 'geolocation'];

/** md5 over every row of every seeded table, computed in SQL. */
async function checksums(ds: DataSource): Promise<Record<string, string>> {
  const sql = TABLES.map((t) => `SELECT '${t}' AS t, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS h FROM ${t} x`).join(' UNION ALL ');
  const rows: { t: string; h: string }[] = await ds.query(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}

/** Every index and constraint definition of the public schema (the seed drops and rebuilds them). */
async function schemaObjects(ds: DataSource): Promise<string[]> {
  const rows: { d: string }[] = await ds.query(`
    SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    ORDER BY 1`);
  return rows.map((r) => r.d);
}

const one = async <T>(ds: DataSource, sql: string): Promise<T> => (await ds.query(sql))[0] as T;

describe('seed', () => {
  let a: TestDb;
  let b: TestDb;
  let report: SeedReport;
  let schemaBefore: string[];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-seed-'));
  const truthFile = path.join(tmp, 'truth.csv');

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
    schemaBefore = await schemaObjects(a.ds);
    const steps = new Set<string>();
    let last = 0;
    report = await seedWarehouse(a.ds, {
      customers: N,
      seed: 7,
      chunkSize: 1000,
      truthOut: truthFile,
      onProgress: (e) => {
        steps.add(e.step);
        if (e.step === 'seeding customers') {
          expect(e.done).toBeGreaterThanOrEqual(last);
          expect(e.total).toBe(N);
          last = e.done;
        }
      },
    });
    expect(last).toBe(N);
    expect(steps).toContain('seeding customers');
  });

  afterAll(async () => {
    await Promise.all([a?.drop(), b?.drop()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports row counts that match the tables and leaves the schema as it found it', async () => {
    for (const t of TABLES) {
      const { n } = await one<{ n: number }>(a.ds, `SELECT count(*)::int AS n FROM ${t}`);
      expect({ t, n }).toEqual({ t, n: report.rows[t as keyof SeedReport['rows']] });
    }
    expect(report.rows.customer).toBe(N);
    expect(report.rows.orders).toBeGreaterThan(2 * N);
    expect(report.deferredObjects).toBeGreaterThan(20);
    expect(await schemaObjects(a.ds)).toEqual(schemaBefore);
    // The identity sequence continues after the seeded ids.
    const { next } = await one<{ next: number }>(a.ds, `SELECT nextval(pg_get_serial_sequence('customer', 'id'))::int AS next`);
    expect(next).toBe(N + 1);
  });

  it('is deterministic: same seed → identical tables (whatever the chunking), another seed → different ones', async () => {
    await seedWarehouse(b.ds, { customers: N, seed: 7, chunkSize: 700 });
    const ha = await checksums(a.ds);
    expect(await checksums(b.ds)).toEqual(ha);

    await seedWarehouse(b.ds, { customers: N, seed: 8, replace: true });
    const hb = await checksums(b.ds);
    for (const t of TABLES.filter((x) => x !== 'product_category')) expect({ t, h: hb[t] }).not.toEqual({ t, h: ha[t] });
    expect(hb.product_category).toBe(ha.product_category); // the category list is fixed
  });

  it('behaves like a store: mostly one-time buyers, every latent type, SP first', async () => {
    const { once } = await one<{ once: number }>(a.ds, `SELECT avg((n = 1)::int)::float AS once FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id) s`);
    expect(once).toBeGreaterThanOrEqual(0.75);
    expect(once).toBeLessThanOrEqual(0.85);
    expect(report.oneTimeShare).toBeCloseTo(once, 9);

    const types: { latent_type: string; n: number; churned: number }[] = await a.ds.query(
      `SELECT latent_type, count(*)::int AS n, avg(churned_after_as_of::int)::float AS churned FROM seed_truth GROUP BY 1`,
    );
    expect(types.map((t) => t.latent_type).sort()).toEqual([...LATENT_TYPES].sort());
    const churn = Object.fromEntries(types.map((t) => [t.latent_type, t.churned]));
    expect(churn.lapsed_regular).toBeGreaterThan(0.9);
    expect(churn.loyal_high_spender).toBeLessThan(0.4);
    expect(churn.one_time_buyer).toBeGreaterThan(0.9);

    // Spend profiles differ: high spenders' average item price far above bargain hunters'.
    const spend: { latent_type: string; price: number; orders: number }[] = await a.ds.query(`
      SELECT t.latent_type, avg(i.price)::float AS price, (count(DISTINCT o.id)::float / count(DISTINCT o.customer_id)) AS orders
        FROM seed_truth t JOIN orders o ON o.customer_id = t.customer_id JOIN order_item i ON i.order_id = o.id
       GROUP BY 1`);
    const by = Object.fromEntries(spend.map((s) => [s.latent_type, s]));
    expect(by.loyal_high_spender.price).toBeGreaterThan(5 * by.bargain_hunter.price);
    expect(by.bargain_hunter.orders).toBeGreaterThan(4 * by.one_time_buyer.orders);

    const states: { state: string; n: number }[] = await a.ds.query(`SELECT state, count(*)::int AS n FROM customer GROUP BY 1 ORDER BY 2 DESC, 1`);
    expect(states[0].state).toBe('SP');
    expect(states.length).toBeGreaterThanOrEqual(20);
    const { sources } = await one<{ sources: string }>(
      a.ds,
      `SELECT (SELECT string_agg(DISTINCT source, ',') FROM customer) || '/' || (SELECT string_agg(DISTINCT source, ',') FROM orders) AS sources`,
    );
    expect(sources).toBe('seed/seed');
  });

  it('recency and frequency predict the simulated future', async () => {
    const rows: { grp: string; churned: number; n: number }[] = await a.ds.query(`
      WITH f AS (
        SELECT customer_id, count(*) AS n, max(purchased_at) AS last FROM orders GROUP BY customer_id)
      SELECT CASE WHEN f.n >= 3 AND f.last > '2018-07-01' THEN 'recent_frequent'
                  WHEN f.last < '2018-03-01' THEN 'long_gone' END AS grp,
             avg(t.churned_after_as_of::int)::float AS churned, count(*)::int AS n
        FROM f JOIN seed_truth t USING (customer_id)
       GROUP BY 1`);
    const g = Object.fromEntries(rows.map((r) => [r.grp, r]));
    expect(g.recent_frequent.n).toBeGreaterThan(50);
    expect(g.recent_frequent.churned).toBeLessThan(0.4);
    expect(g.long_gone.churned).toBeGreaterThan(0.9);
  });

  it('orders are consistent: items, payments summing to items + freight, timestamps in order, nothing after as-of', async () => {
    const checks = await one<Record<string, number>>(a.ds, `
      SELECT
        (SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_item i WHERE i.order_id = o.id))::int AS no_items,
        (SELECT count(*) FROM order_fact WHERE status <> 'canceled' AND (paid IS NULL OR abs(paid - items_total) > 0.005))::int AS unbalanced,
        (SELECT count(*) FROM orders WHERE purchased_at >= '2018-09-01' OR approved_at >= '2018-09-01'
            OR delivered_carrier_at >= '2018-09-01' OR delivered_customer_at >= '2018-09-01')::int AS after_as_of,
        (SELECT count(*) FROM order_review WHERE created_at >= '2018-09-01' OR answered_at >= '2018-09-01')::int AS reviews_after_as_of,
        (SELECT count(*) FROM orders WHERE approved_at < purchased_at OR delivered_carrier_at < approved_at
            OR delivered_customer_at < delivered_carrier_at OR estimated_delivery_at < purchased_at)::int AS out_of_order,
        (SELECT count(*) FROM orders WHERE (status = 'delivered') <> (delivered_customer_at IS NOT NULL))::int AS delivery_mismatch,
        (SELECT count(*) FROM orders WHERE purchased_at < '2016-08-01')::int AS too_old,
        (SELECT count(*) FROM order_payment WHERE installments > 1 AND type <> 'credit_card')::int AS bad_installments,
        (SELECT max(installments) FROM order_payment)::int AS max_installments,
        (SELECT avg((status = 'delivered')::int) FROM orders)::float AS delivered_share,
        (SELECT count(DISTINCT status) FROM orders)::int AS statuses,
        (SELECT count(*) FROM order_item WHERE item_seq > 4)::int AS over_four_items`);
    expect(checks).toMatchObject({
      no_items: 0, unbalanced: 0, after_as_of: 0, reviews_after_as_of: 0, out_of_order: 0, delivery_mismatch: 0, too_old: 0, bad_installments: 0, over_four_items: 0,
    });
    expect(checks.max_installments).toBeLessThanOrEqual(10);
    expect(checks.delivered_share).toBeGreaterThan(0.9);
    expect(checks.statuses).toBeGreaterThanOrEqual(4);

    const pay: { type: string; share: number }[] = await a.ds.query(
      `SELECT type, count(*)::float / sum(count(*)) OVER () AS share FROM order_payment GROUP BY 1 ORDER BY 2 DESC`,
    );
    expect(pay.map((p) => p.type)).toEqual(['credit_card', 'boleto', 'voucher', 'debit_card']);
    expect(pay[0].share).toBeGreaterThan(0.6);
    expect(pay[0].share).toBeLessThan(0.85);
  });

  it('late deliveries get lower review scores, and most orders have a review', async () => {
    const r = await one<{ on_time: number; late: number; late_n: number; reviewed: number }>(a.ds, `
      SELECT avg(score) FILTER (WHERE delay_days <= 0)::float AS on_time,
             avg(score) FILTER (WHERE delay_days > 0)::float AS late,
             count(*) FILTER (WHERE delay_days > 0)::int AS late_n,
             (SELECT avg((EXISTS (SELECT 1 FROM order_review r WHERE r.order_id = o.id))::int) FROM orders o WHERE status = 'delivered')::float AS reviewed
        FROM order_fact f JOIN order_review r ON r.order_id = f.order_id`);
    expect(r.late_n).toBeGreaterThan(100);
    expect(r.late).toBeLessThan(r.on_time - 0.8);
    expect(r.reviewed).toBeGreaterThan(0.95);
  });

  it('keeps accounts, places and the catalog coherent', async () => {
    const c = await one<Record<string, number>>(a.ds, `
      SELECT
        (SELECT count(*) FROM orders)::int - (SELECT count(*) FROM customer_account)::int AS accounts_vs_orders,
        (SELECT count(*) FROM orders o JOIN customer_account ca ON ca.account_id = o.account_id
          WHERE ca.customer_id <> o.customer_id)::int AS foreign_accounts,
        (SELECT count(*) FROM customer_account ca JOIN customer cu ON cu.id = ca.customer_id
          WHERE (ca.zip_prefix, ca.city, ca.state) IS DISTINCT FROM (cu.zip_prefix, cu.city, cu.state))::int AS moved,
        (SELECT count(*) FROM customer cu LEFT JOIN geolocation g ON g.zip_prefix = cu.zip_prefix
          WHERE g.state IS DISTINCT FROM cu.state)::int AS unplaced,
        (SELECT count(*) FROM seller s LEFT JOIN geolocation g ON g.zip_prefix = s.zip_prefix WHERE g.zip_prefix IS NULL)::int AS unplaced_sellers,
        (SELECT count(*) FROM customer WHERE zip_prefix !~ '^[0-9]{5}$' OR customer_unique_id !~ '^[0-9a-f]{32}$')::int AS bad_ids,
        (SELECT count(*) FROM customer cu WHERE cu.created_at <> (SELECT min(purchased_at) FROM orders o WHERE o.customer_id = cu.id))::int AS created_mismatch,
        (SELECT count(*) FROM product_category)::int AS categories,
        (SELECT count(*) FROM seller)::int AS sellers,
        (SELECT count(*) FROM geolocation WHERE lat NOT BETWEEN -34 AND 6 OR lng NOT BETWEEN -74 AND -34)::int AS outside_brazil`);
    expect(c).toMatchObject({ accounts_vs_orders: 0, foreign_accounts: 0, moved: 0, unplaced: 0, unplaced_sellers: 0, bad_ids: 0, created_mismatch: 0, outside_brazil: 0 });
    expect(c.categories).toBeGreaterThanOrEqual(70);
    expect(c.sellers).toBeGreaterThanOrEqual(50);
  });

  it('covers every customer in seed_truth and in the truth CSV', async () => {
    const { missing } = await one<{ missing: number }>(a.ds, `SELECT count(*)::int AS missing FROM customer c LEFT JOIN seed_truth t ON t.customer_id = c.id WHERE t.customer_id IS NULL OR t.as_of <> '2018-09-01'`);
    expect(missing).toBe(0);
    const lines = fs.readFileSync(truthFile, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('customer_unique_id,latent_type,churned_after_as_of');
    expect(lines).toHaveLength(N + 1);
    const db: { u: string; t: string; c: boolean }[] = await a.ds.query(
      `SELECT c.customer_unique_id AS u, t.latent_type AS t, t.churned_after_as_of AS c FROM customer c JOIN seed_truth t ON t.customer_id = c.id ORDER BY c.id`,
    );
    expect(lines.slice(1)).toEqual(db.map((r) => `${r.u},${r.t},${r.c}`));
    expect(fs.readdirSync(tmp)).toEqual(['truth.csv']); // no temporary file left behind
  });

  it('refuses a non-empty warehouse without replace, and changes nothing', async () => {
    const before = await checksums(a.ds);
    await expect(seedWarehouse(a.ds, { customers: 100, seed: 1 })).rejects.toThrow(/not empty.*customer.*--replace/);
    expect(await checksums(a.ds)).toEqual(before);
  });

  it('refuses --replace while a service is connected (its truncate would stall the readers), and changes nothing', async () => {
    const before = await checksums(b.ds);
    const service = createDataSource(b.url, dataModel, { poolSize: 1, applicationName: SERVER_APPLICATION_NAME, keepIdle: true });
    await service.initialize();
    try {
      await service.query('SELECT 1');
      await expect(seedWarehouse(b.ds, { customers: 100, seed: 3, replace: true })).rejects.toThrow(/a segmenta service is connected to this database.*stop it before seed --replace/);
      expect(await checksums(b.ds)).toEqual(before);
    } finally {
      await service.destroy();
    }
  });

  it('is all or nothing: a failure midway (even after the truncate of --replace) leaves the old warehouse and no truth file', async () => {
    const before = await checksums(b.ds);
    const out = path.join(tmp, 'failed.csv');
    await expect(
      seedWarehouse(b.ds, {
        customers: N,
        seed: 9,
        replace: true,
        chunkSize: 500,
        truthOut: out,
        onProgress: (e) => {
          if (e.step === 'seeding customers' && e.done >= 1500) throw new Error('injected failure');
        },
      }),
    ).rejects.toThrow('injected failure');
    expect(await checksums(b.ds)).toEqual(before);
    expect(await schemaObjects(b.ds)).toEqual(schemaBefore);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('failed'))).toEqual([]);
  });

  it('validates options before touching the database', async () => {
    const before = await checksums(b.ds);
    await expect(seedWarehouse(b.ds, { customers: 0, seed: 1, replace: true })).rejects.toThrow(/customers must be an integer/);
    await expect(seedWarehouse(b.ds, { customers: 10, seed: -3, replace: true })).rejects.toThrow(/seed must be/);
    await expect(seedWarehouse(b.ds, { customers: 10, seed: 1, replace: true, asOf: new Date('2018-09-01T12:00:00Z') })).rejects.toThrow(/UTC midnight/);
    await expect(seedWarehouse(b.ds, { customers: 10, seed: 1, replace: true, horizonDays: 0 })).rejects.toThrow(/horizonDays/);
    await expect(seedWarehouse(b.ds, { customers: 10, seed: 1, replace: true, truthOut: '/nonexistent-dir/x.csv' })).rejects.toThrow(/truthOut/);
    expect(await checksums(b.ds)).toEqual(before);
  });

  it('honours as-of and the horizon', async () => {
    const asOf = new Date(Date.UTC(2017, 5, 1));
    const r = await seedWarehouse(b.ds, { customers: 600, seed: 3, replace: true, asOf, horizonDays: 30 });
    expect(r.asOf).toBe('2017-06-01');
    const x = await one<{ last: string; truth: string; first: string }>(
      b.ds,
      `SELECT (SELECT max(purchased_at) < '2017-06-01' FROM orders)::text AS last,
              (SELECT min(purchased_at) >= '2015-06-01' FROM orders)::text AS first,
              (SELECT string_agg(DISTINCT as_of::text, ',') FROM seed_truth) AS truth`,
    );
    expect(x).toEqual({ last: 'true', first: 'true', truth: '2017-06-01' });
    // A shorter horizon can only raise churn: fewer days to buy in.
    const loyal = r.latentTypes.find((t) => t.type === 'loyal_high_spender')!;
    expect(loyal.customers).toBeGreaterThan(0);
  });
});
