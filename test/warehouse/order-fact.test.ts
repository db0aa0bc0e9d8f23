import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedWarehouse } from '../../seeds/seed.service';
import { importOlist } from '../../src/ingest/olist.service';
import { importTransactions } from '../../src/ingest/transactions.service';
import { rebuildOrderFactsNow, refreshOrderFactsFor } from '../../src/warehouse/order-fact.service';
import { createTestDb, type TestDb } from '../helpers/db';
import { emptyWarehouse, fixture } from '../ingest/helpers';

/**
 * order_fact is written by the loaders; order_fact_live (the view) computes the same rows from the fact tables
 * on every read. After any loader the two must hold exactly the same rows.
 */
describe('order_fact', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-order-fact-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Rows only in the table (stale) and only in the view (missing). */
  async function drift(): Promise<{ stale: number; missing: number; rows: number }> {
    const [r] = await db.ds.query(`
      SELECT (SELECT count(*) FROM (SELECT * FROM order_fact EXCEPT ALL SELECT * FROM order_fact_live) x)::int AS stale,
             (SELECT count(*) FROM (SELECT * FROM order_fact_live EXCEPT ALL SELECT * FROM order_fact) x)::int AS missing,
             (SELECT count(*) FROM order_fact)::int AS rows`);
    return r;
  }

  it('matches the view after a seed, with one row per order', async () => {
    await seedWarehouse(db.ds, { customers: 400, seed: 3, replace: true });
    const d = await drift();
    expect(d).toEqual({ stale: 0, missing: 0, rows: d.rows });
    const [{ orders }] = await db.ds.query(`SELECT count(*)::int AS orders FROM orders`);
    expect(d.rows).toBe(orders);
    // The seeded facts exercise every part: payments, items with categories, dated reviews.
    const [c] = await db.ds.query(`
      SELECT count(*) FILTER (WHERE paid IS NOT NULL)::int AS paid, count(*) FILTER (WHERE cardinality(item_categories) > 0)::int AS cats,
             count(*) FILTER (WHERE review_score_sum IS NOT NULL)::int AS reviewed FROM order_fact`);
    expect(c.paid).toBeGreaterThan(0);
    expect(c.cats).toBeGreaterThan(0);
    expect(c.reviewed).toBeGreaterThan(0);
  });

  it('is refilled by the migration that adds purchase days and category facts, and emptied of them by its revert', async () => {
    // Reverted with every later migration (last first), then all re-applied.
    const names = db.ds.migrations.map((m) => m.name);
    const at = names.indexOf('OrderFactCustomerFacts1764000000012');
    expect(at).toBeGreaterThanOrEqual(0);
    for (let i = names.length - 1; i >= at; i--) await db.ds.undoLastMigration({ transaction: 'each' });
    const cols = async () =>
      (await db.ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'order_fact' AND column_name IN ('purchase_day_no', 'top_category')`)).length;
    expect(await cols()).toBe(0);
    await db.ds.runMigrations({ transaction: 'each' });
    expect(await cols()).toBe(2);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    const [n] = await db.ds.query(`SELECT count(*) FILTER (WHERE is_purchase AND purchase_day_no IS NULL)::int AS unnumbered,
                                          count(*) FILTER (WHERE purchase_day_no > 1)::int AS later_days FROM order_fact`);
    expect(n.unnumbered).toBe(0);
    expect(n.later_days).toBeGreaterThan(0);
  });

  it('shows drift when facts change behind the loaders, and a refresh of those orders repairs it', async () => {
    const [{ order_id: id }] = await db.ds.query(`SELECT order_id FROM order_fact WHERE n_reviews > 0 ORDER BY order_id LIMIT 1`);
    await db.ds.query(`UPDATE order_review SET score = CASE WHEN score = 1 THEN 5 ELSE 1 END WHERE order_id = $1`, [id]);
    expect(await drift()).toMatchObject({ stale: 1, missing: 1 });
    expect(await refreshOrderFactsFor(db.ds, [id, 'no-such-order'])).toBe(1);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
  });

  it("renumbers the purchase days of a customer's other orders when one order moves", async () => {
    // A customer with orders on three or more days; their latest order moves before the first.
    const [{ customer_id: customer }] = await db.ds.query(
      `SELECT customer_id FROM order_fact GROUP BY customer_id HAVING max(purchase_day_no) >= 3 ORDER BY customer_id LIMIT 1`,
    );
    const days = async () =>
      (await db.ds.query(`SELECT order_id, purchase_day_no FROM order_fact WHERE customer_id = $1 AND is_purchase ORDER BY purchased_at, order_id`, [customer])) as {
        order_id: string;
        purchase_day_no: number;
      }[];
    const before = await days();
    const last = before[before.length - 1].order_id;
    await db.ds.query(`UPDATE orders SET purchased_at = (SELECT min(purchased_at) FROM orders WHERE customer_id = $1) - interval '30 days' WHERE id = $2`, [customer, last]);
    expect((await drift()).stale).toBeGreaterThan(1);
    await refreshOrderFactsFor(db.ds, [last]);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    const after = await days();
    expect(after[0]).toEqual({ order_id: last, purchase_day_no: 1 });
    expect(after.find((d) => d.order_id === before[0].order_id)?.purchase_day_no).toBe(2);
  });

  it("a load touching a few of many customers renumbers their days through the customer index, and only theirs", async () => {
    // Two customers with several purchase days buy again, in a log, before their first order: each of their days
    // moves up by one. Two customers of 400 is under a tenth, the case where the renumbering probes by customer.
    const picked: { id: number; uid: string; first: Date }[] = await db.ds.query(`
      SELECT c.id, c.customer_unique_id AS uid, min(f.purchased_at) AS first FROM order_fact f JOIN customer c ON c.id = f.customer_id
       WHERE f.is_purchase GROUP BY c.id HAVING max(f.purchase_day_no) >= 2 ORDER BY c.id LIMIT 2`);
    expect(picked).toHaveLength(2);
    await db.ds.query('ANALYZE customer');
    const [{ reltuples }] = await db.ds.query(`SELECT reltuples FROM pg_class WHERE oid = 'customer'::regclass`);
    expect(reltuples).toBeGreaterThan(picked.length * 10);
    const days = async () =>
      (await db.ds.query(`SELECT customer_id, order_id, purchase_day_no FROM order_fact WHERE is_purchase ORDER BY order_id`)) as {
        customer_id: number;
        order_id: string;
        purchase_day_no: number;
      }[];
    const before = await days();
    const file = path.join(tmp, 'few.csv');
    const day = (d: Date) => new Date(d.getTime() - 10 * 86_400_000).toISOString().slice(0, 10);
    fs.writeFileSync(file, `c,d,a\n${picked.map((p) => `${p.uid},${day(p.first)},7`).join('\n')}\n`);
    await importTransactions(db.ds, file, { customerCol: 'c', dateCol: 'd', amountCol: 'a', source: 'few' });
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    const after = new Map((await days()).map((r) => [r.order_id, r]));
    const ids = new Set(picked.map((p) => p.id));
    for (const b of before) expect(after.get(b.order_id)?.purchase_day_no).toBe(ids.has(b.customer_id) ? b.purchase_day_no + 1 : b.purchase_day_no);
    for (const p of picked) expect(after.get(`txlog:few:${p.uid}:${day(p.first)}`)?.purchase_day_no).toBe(1);
    await db.ds.query(`DELETE FROM orders WHERE source = 'txlog'`);
    await rebuildOrderFactsNow(db.ds);
  });

  it('a full rebuild gives the same rows', async () => {
    const before = await drift();
    const r = await rebuildOrderFactsNow(db.ds);
    expect(r.orders).toBe(before.rows);
    expect(await drift()).toEqual(before);
  });

  it('matches the view after an Olist import and a re-import', async () => {
    await emptyWarehouse(db.ds);
    await importOlist(db.ds, fixture('olist'));
    const first = await drift();
    expect(first.rows).toBeGreaterThan(0);
    expect(first).toMatchObject({ stale: 0, missing: 0 });
    await importOlist(db.ds, fixture('olist'));
    expect(await drift()).toEqual(first);
  });

  it('matches the view after transaction-log imports, including orders a re-import deletes', async () => {
    const file = path.join(tmp, 'shop.csv');
    fs.writeFileSync(file, 'c,d,a\n1,2021-01-01,10\n1,2021-01-01,-10\n1,2021-01-02,20\n1,2021-01-04,8\n2,2021-01-02,5\n3,2021-01-03,-4\n');
    const map = { customerCol: 'c', dateCol: 'd', amountCol: 'a' };
    await importTransactions(db.ds, file, map);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    const [ret] = await db.ds.query(`SELECT is_purchase, is_return_only, net_amount::float8 AS net FROM order_fact WHERE order_id = 'txlog:shop:3:2021-01-03'`);
    expect(ret).toEqual({ is_purchase: false, is_return_only: true, net: -4 });
    const dayNo = () => db.ds.query(`SELECT order_id, value::float8 AS value, purchase_day_no FROM order_fact WHERE source = 'txlog' ORDER BY 1`);
    expect((await dayNo()).filter((r: { order_id: string }) => r.order_id.startsWith('txlog:shop:1:'))).toEqual([
      { order_id: 'txlog:shop:1:2021-01-01', value: 0, purchase_day_no: 1 },
      { order_id: 'txlog:shop:1:2021-01-02', value: 20, purchase_day_no: 2 },
      { order_id: 'txlog:shop:1:2021-01-04', value: 8, purchase_day_no: 3 },
    ]);
    // Customer 1 also buys in another file, whose orders a re-import of the first never touches.
    const other = path.join(tmp, 'kiosk.csv');
    fs.writeFileSync(other, 'c,d,a\n1,2021-01-05,3\n');
    await importTransactions(db.ds, other, map);
    expect((await dayNo()).find((r: { order_id: string }) => r.order_id === 'txlog:kiosk:1:2021-01-05')).toMatchObject({ purchase_day_no: 4 });
    // The re-import drops customer 1's first two days: the remaining orders, in both files, become days 1 and 2.
    fs.writeFileSync(file, 'c,d,a\n1,2021-01-04,8\n2,2021-01-02,5\n');
    await importTransactions(db.ds, file, map);
    const d = await drift();
    expect(d).toMatchObject({ stale: 0, missing: 0 });
    expect(await dayNo()).toEqual([
      { order_id: 'txlog:kiosk:1:2021-01-05', value: 3, purchase_day_no: 2 },
      { order_id: 'txlog:shop:1:2021-01-04', value: 8, purchase_day_no: 1 },
      { order_id: 'txlog:shop:2:2021-01-02', value: 5, purchase_day_no: 1 },
    ]);
    // Now every order of customer 1 in that file goes: only the other file's order is left to renumber.
    fs.writeFileSync(file, 'c,d,a\n2,2021-01-02,5\n');
    await importTransactions(db.ds, file, map);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    expect(await dayNo()).toEqual([
      { order_id: 'txlog:kiosk:1:2021-01-05', value: 3, purchase_day_no: 1 },
      { order_id: 'txlog:shop:2:2021-01-02', value: 5, purchase_day_no: 1 },
    ]);
    // A first import of a new file with an earlier day renumbers the rows the customer already had.
    const stall = path.join(tmp, 'stall.csv');
    fs.writeFileSync(stall, 'c,d,a\n2,2021-01-01,7\n2,2021-01-01,-7\n2,2021-01-01,-7\n4,2021-01-01,2\n');
    await importTransactions(db.ds, stall, map);
    expect(await drift()).toMatchObject({ stale: 0, missing: 0 });
    expect(await dayNo()).toEqual([
      { order_id: 'txlog:kiosk:1:2021-01-05', value: 3, purchase_day_no: 1 },
      { order_id: 'txlog:shop:2:2021-01-02', value: 5, purchase_day_no: 2 },
      { order_id: 'txlog:stall:2:2021-01-01', value: 0, purchase_day_no: 1 }, // the repeated return is a duplicate line, skipped
      { order_id: 'txlog:stall:4:2021-01-01', value: 2, purchase_day_no: 1 },
    ]);
  });
});
