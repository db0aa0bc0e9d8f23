import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importOlist } from '../../src/ingest/olist.service';
import { ImportError } from '../../src/ingest/import-error';
import { createTestDb, type TestDb } from '../helpers/db';
import { byReason, emptyWarehouse, fixture, table, tableCounts } from './helpers';

const FIXTURE = fixture('olist');

describe('importOlist', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-olist-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => emptyWarehouse(db.ds));

  /** A copy of the fixture in a fresh directory, with `edit` applied to file contents. */
  const variant = (name: string, edit: (files: Record<string, string>) => void): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    const files = Object.fromEntries(fs.readdirSync(FIXTURE).map((f) => [f, fs.readFileSync(path.join(FIXTURE, f), 'utf8')]));
    edit(files);
    for (const [f, text] of Object.entries(files)) if (text !== undefined) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  };

  it('loads persons, accounts, orders and facts from the nine files', async () => {
    const r = await importOlist(db.ds, FIXTURE);
    expect(await tableCounts(db.ds)).toEqual({
      product_category: 3,
      product: 4,
      seller: 2,
      geolocation: 2,
      customer: 3,
      customer_account: 4,
      orders: 3,
      order_item: 5,
      order_payment: 3,
      order_review: 3,
      transaction_line: 0,
    });
    for (const f of r.files) {
      expect(f.rejected).toEqual([]);
      expect(f.skipped).toEqual([]);
      expect(f.loaded).toBe(f.read);
    }
    expect(r.files.find((f) => f.file.endsWith('olist_order_reviews_dataset.csv'))?.read).toBe(3);

    // One person with two orders through two accounts; the address is the one of the most recent order.
    const persons = await db.ds.query(`SELECT id, customer_unique_id AS u, zip_prefix, city, state, source FROM customer ORDER BY u`);
    expect(persons.map((p: Record<string, unknown>) => [p.u, p.zip_prefix, p.city, p.state, p.source])).toEqual([
      ['u1', '13023', 'campinas', 'SP', 'olist'],
      ['u2', '22750', 'rio de janeiro', 'RJ', 'olist'],
      ['u3', '30130', 'belo horizonte', 'MG', 'olist'],
    ]);
    const u1 = persons[0].id;
    const orders = await db.ds.query(`SELECT id, customer_id, account_id, status FROM orders ORDER BY id`);
    expect(orders).toEqual([
      { id: 'o1', customer_id: u1, account_id: 'a1', status: 'delivered' },
      { id: 'o2', customer_id: u1, account_id: 'a2', status: 'delivered' },
      { id: 'o3', customer_id: persons[1].id, account_id: 'a3', status: 'canceled' },
    ]);
    const accounts = await db.ds.query(`SELECT account_id, customer_id, zip_prefix FROM customer_account ORDER BY account_id`);
    expect(accounts.map((a: Record<string, unknown>) => [a.account_id, a.customer_id === u1, a.zip_prefix])).toEqual([
      ['a1', true, '01046'],
      ['a2', true, '13023'],
      ['a3', false, '22750'],
      ['a4', false, '30130'],
    ]);

    // order_fact: one row per order; value = payments, else items (price + freight).
    const facts = await db.ds.query(`SELECT order_id, value::float8 AS value, n_items::int AS n_items, paid::float8 AS paid, avg_score::float8 AS score FROM order_fact ORDER BY order_id`);
    expect(facts).toEqual([
      { order_id: 'o1', value: 187.42, n_items: 3, paid: 187.42, score: 5 },
      { order_id: 'o2', value: 71, n_items: 1, paid: 71, score: 4 },
      { order_id: 'o3', value: 25, n_items: 1, paid: null, score: 1 },
    ]);

    const geo = await db.ds.query(`SELECT zip_prefix, lat, lng, city, state, points FROM geolocation ORDER BY zip_prefix`);
    expect(geo[0]).toMatchObject({ zip_prefix: '01046', city: 'sao paulo', state: 'SP', points: 3 });
    expect(geo[0].lat).toBeCloseTo(-23.55, 10);
    expect(geo[0].lng).toBeCloseTo(-46.64, 10);
    expect(geo[1]).toMatchObject({ zip_prefix: '13023', points: 1 });

    const cats = await db.ds.query(`SELECT name, name_en FROM product_category ORDER BY name`);
    expect(cats).toEqual([
      { name: 'beleza_saude', name_en: 'health_beauty' },
      { name: 'informatica_acessorios', name_en: 'computers_accessories' },
      { name: 'pet_shop', name_en: null },
    ]);
    const [p2] = await db.ds.query(`SELECT name_length, weight_g FROM product WHERE id = 'p2'`);
    expect(p2).toEqual({ name_length: 44, weight_g: 1000 });
    const [review] = await db.ds.query(`SELECT comment_title, comment_message, created_at FROM order_review WHERE review_id = 'r2'`);
    expect(review.comment_message).toBe('Chegou atrasado,\r\nmas o produto é ótimo.\nRecomendo.');
    expect((review.created_at as Date).toISOString()).toBe('2018-01-21T00:00:00.000Z');
    const [o1] = await db.ds.query(`SELECT purchased_at, delivered_customer_at FROM orders WHERE id = 'o1'`);
    expect((o1.purchased_at as Date).toISOString()).toBe('2017-10-02T10:56:33.000Z');
  });

  it('is idempotent: a second run changes nothing', async () => {
    await importOlist(db.ds, FIXTURE);
    const before = await tableCounts(db.ds);
    const ids = await db.ds.query(`SELECT id, customer_unique_id FROM customer ORDER BY id`);
    const again = await importOlist(db.ds, FIXTURE);
    expect(await tableCounts(db.ds)).toEqual(before);
    expect(await db.ds.query(`SELECT id, customer_unique_id FROM customer ORDER BY id`)).toEqual(ids);
    for (const t of again.tables) expect(t).toMatchObject({ inserted: 0, updated: 0 });
    expect(table(again, 'orders').unchanged).toBe(3);
  });

  it('updates changed rows on re-import', async () => {
    await importOlist(db.ds, FIXTURE);
    const dir = variant('changed', (f) => {
      f['olist_orders_dataset.csv'] = f['olist_orders_dataset.csv'].replace('o3,a3,canceled', 'o3,a3,delivered');
    });
    const r = await importOlist(db.ds, dir);
    expect(table(r, 'orders')).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    expect(await db.ds.query(`SELECT status FROM orders WHERE id = 'o3'`)).toEqual([{ status: 'delivered' }]);
  });

  it('without sellers and geolocation files, keeps items’ seller ids as bare sellers', async () => {
    const dir = variant('no-sellers', (f) => {
      delete f['olist_sellers_dataset.csv'];
      delete f['olist_geolocation_dataset.csv'];
    });
    const r = await importOlist(db.ds, dir);
    expect(r.files.map((f) => path.basename(f.file))).not.toContain('olist_sellers_dataset.csv');
    expect(await db.ds.query(`SELECT id, zip_prefix FROM seller ORDER BY id`)).toEqual([
      { id: 's1', zip_prefix: null },
      { id: 's2', zip_prefix: null },
    ]);
    expect(await tableCounts(db.ds)).toMatchObject({ geolocation: 0, order_item: 5 });
    // A later import with the sellers file fills them in.
    const full = await importOlist(db.ds, FIXTURE);
    expect(table(full, 'seller')).toMatchObject({ inserted: 0, updated: 2 });
  });

  it('stops on an order of an unknown customer_id, naming file, line and column, and writes nothing', async () => {
    const dir = variant('unknown-customer', (f) => {
      f['olist_orders_dataset.csv'] += 'o4,zz,delivered,2018-03-01 10:00:00,,,,\n';
      f['olist_order_items_dataset.csv'] += 'o4,1,p1,s1,2018-03-02 10:00:00,10.00,1.00\n';
    });
    const err = await importOlist(db.ds, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toBe(
      `${path.join(dir, 'olist_orders_dataset.csv')}:5: column "customer_id": unknown customer "zz" (neither in olist_customers_dataset.csv nor in the warehouse)`,
    );
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });

  it('lands whole or not at all: a failure while writing the last table leaves every table empty', async () => {
    await db.ds.query(`
      CREATE FUNCTION fail_r3() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.review_id = 'r3' THEN RAISE EXCEPTION 'simulated failure'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_r3 BEFORE INSERT ON order_review FOR EACH ROW EXECUTE FUNCTION fail_r3();`);
    try {
      await expect(importOlist(db.ds, FIXTURE)).rejects.toThrow(/simulated failure/);
    } finally {
      await db.ds.query(`DROP TRIGGER fail_r3 ON order_review; DROP FUNCTION fail_r3();`);
    }
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });

  it('rejects bad values with their line (quoted newlines counted) and rejects what depends on them', async () => {
    const dir = variant('bad-values', (f) => {
      f['olist_order_reviews_dataset.csv'] += 'r4,o1,7,,,2017-10-13 00:00:00,\n';
      f['olist_orders_dataset.csv'] = f['olist_orders_dataset.csv'].replace('2018-01-05 09:00:00,2018-01-05 09:10:00', '2018-13-05 09:00:00,2018-01-05 09:10:00');
    });
    const r = await importOlist(db.ds, dir, { maxRejectRate: 0.5 });
    const rej = (file: string) => byReason(r.files.find((f) => f.file.endsWith(file))!.rejected);
    expect(rej('olist_order_reviews_dataset.csv')).toEqual({ 'invalid review_score': [1, [7]], 'references a rejected order': [1, [3]] });
    expect(rej('olist_orders_dataset.csv')).toEqual({ 'invalid order_purchase_timestamp': [1, [3]] });
    expect(rej('olist_order_items_dataset.csv')).toEqual({ 'references a rejected order': [1, [5]] });
    expect(rej('olist_order_payments_dataset.csv')).toEqual({ 'references a rejected order': [1, [4]] });
    expect(await tableCounts(db.ds)).toMatchObject({ orders: 2, order_item: 4, order_payment: 2, order_review: 2 });

    // The same files with the default 5% limit: refused, nothing written.
    await emptyWarehouse(db.ds);
    await expect(importOlist(db.ds, dir)).rejects.toThrow(/5 of 31 rows rejected \(16\.1%, limit 5\.0%\)/);
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });

  it('reports repeated keys (the last line wins)', async () => {
    const dir = variant('repeated', (f) => {
      f['olist_order_payments_dataset.csv'] += 'o2,1,credit_card,2,71.00\n';
    });
    const r = await importOlist(db.ds, dir);
    const pay = r.files.find((f) => f.file.endsWith('olist_order_payments_dataset.csv'))!;
    expect(byReason(pay.skipped)).toEqual({ 'repeated order_id + payment_sequential (last line kept)': [1, [4]] });
    expect(pay).toMatchObject({ read: 4, loaded: 3 });
    expect(await db.ds.query(`SELECT type, installments FROM order_payment WHERE order_id = 'o2'`)).toEqual([{ type: 'credit_card', installments: 2 }]);
  });

  it('names a missing required file, a missing column and a wrong field count', async () => {
    const noOrders = variant('no-orders', (f) => {
      delete f['olist_orders_dataset.csv'];
    });
    await expect(importOlist(db.ds, noOrders)).rejects.toThrow(/olist_orders_dataset\.csv: file not found \(required\)/);
    const noColumn = variant('no-column', (f) => {
      f['olist_products_dataset.csv'] = f['olist_products_dataset.csv'].replace('product_name_lenght', 'product_name_length');
    });
    await expect(importOlist(db.ds, noColumn)).rejects.toThrow(/olist_products_dataset\.csv:1: column "product_name_lenght": missing in the header/);
    const shortLine = variant('short-line', (f) => {
      f['olist_order_items_dataset.csv'] += 'o3,2,p1,s1\n';
    });
    await expect(importOlist(db.ds, shortLine)).rejects.toThrow(/olist_order_items_dataset\.csv:7: expected 7 fields, found 4/);
    await expect(importOlist(db.ds, path.join(tmp, 'nowhere'))).rejects.toThrow(/nowhere: directory not found/);
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });
});
