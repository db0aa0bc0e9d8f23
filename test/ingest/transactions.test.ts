import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importTransactions, sourceOrdersPredicate, type TransactionMapping } from '../../src/ingest/transactions.service';
import { ImportError } from '../../src/ingest/import-error';
import type { ProgressEvent } from '../../src/shared/progress';
import { createTestDb, type TestDb } from '../helpers/db';
import { byReason, emptyWarehouse, fixture, onlyFile, table, tableCounts } from './helpers';

const RETAIL: TransactionMapping = {
  customerCol: 'CustomerID',
  dateCol: 'InvoiceDate',
  quantityCol: 'Quantity',
  priceCol: 'UnitPrice',
  orderCol: 'InvoiceNo',
  regionCol: 'Country',
  dateFormat: 'mdy',
};
const CDNOW_COLUMNS = { customerCol: 'customer_id', dateCol: 'date', quantityCol: 'number_of_cds', amountCol: 'dollar_value' };

describe('importTransactions', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-txlog-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => emptyWarehouse(db.ds));

  const orderValues = async (prefix: string): Promise<Record<string, number>> => {
    const rows: { order_id: string; value: string }[] = await db.ds.query(
      `SELECT order_id, value FROM order_fact WHERE order_id LIKE $1 ORDER BY order_id`,
      [`${prefix}%`],
    );
    return Object.fromEntries(rows.map((r) => [r.order_id.slice(prefix.length), Number(r.value)]));
  };

  it('classifies every kind of line of an Online-Retail-like export (CRLF, quotes, m/d/yyyy, quantity × price)', async () => {
    const events: ProgressEvent[] = [];
    const r = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25, onProgress: (e) => events.push(e) });
    const f = onlyFile(r);
    expect(r.source).toBe('retail');
    expect(f.read).toBe(26);
    expect(byReason(f.rejected)).toEqual({
      'invalid date': [1, [14]],
      'invalid price': [1, [15]],
      'wrong column count': [1, [16]],
    });
    expect(byReason(f.skipped)).toEqual({
      'duplicate line': [2, [8, 23]],
      'missing customer': [3, [9, 10, 26]],
    });
    expect(byReason(f.notes)).toEqual({ return: [3, [11, 12, 21]] });
    expect(f.loaded).toBe(18);
    expect(f.read).toBe(f.loaded + 3 + 5);
    expect(table(r, 'customer')).toMatchObject({ inserted: 12, unchanged: 0 });
    expect(table(r, 'orders')).toMatchObject({ inserted: 13, updated: 0, deleted: 0 });
    expect(table(r, 'transaction_line')).toMatchObject({ inserted: 18, deleted: 0 });
    expect(await tableCounts(db.ds)).toMatchObject({ customer: 12, orders: 13, transaction_line: 18 });

    // 17850.0 and 17850 are one customer; the person is tagged with the log's source.
    const cust = await db.ds.query(`SELECT customer_unique_id, source FROM customer WHERE customer_unique_id LIKE '1785%'`);
    expect(cust).toEqual([{ customer_unique_id: '17850', source: 'txlog:retail' }]);
    const values = await orderValues('txlog:retail:');
    expect(values['536365']).toBeCloseTo(6 * 2.55 + 6 * 3.39 + 8 * 2.75, 2);
    expect(values['536389']).toBeCloseTo(6 * 8.5 + 8 * 4.95, 2);
    expect(values['536392']).toBeCloseTo(2 * 6 * 1.95, 2); // same mapped values, different StockCode: not a duplicate
    // Orders made only of returns exist and reduce spend.
    expect(values.C536379).toBeCloseTo(-27.5, 2);
    expect(values.C536391).toBeCloseTo(-12 * 1.65, 2);
    const [spend] = await db.ds.query(
      `SELECT sum(f.value)::float8 AS v FROM order_fact f JOIN customer c ON c.id = f.customer_id WHERE c.customer_unique_id = '17850'`,
    );
    expect(spend.v).toBeCloseTo(6 * 2.55 + 6 * 3.39 + 8 * 2.75 + 6 * 1.85, 2);
    const [order] = await db.ds.query(`SELECT status, source, purchased_at FROM orders WHERE id = 'txlog:retail:536393'`);
    expect(order.status).toBe('completed');
    expect(order.source).toBe('txlog');
    expect((order.purchased_at as Date).toISOString()).toBe('2010-12-02T10:37:00.000Z');
    const lines = await db.ds.query(`SELECT line_no, quantity, unit_price, amount, is_return, region FROM transaction_line WHERE order_id = 'txlog:retail:C536383'`);
    expect(lines).toEqual([{ line_no: 12, quantity: '-1.000', unit_price: '4.6500', amount: '-4.65', is_return: true, region: 'United Kingdom' }]);
    // Progress reports bytes read against the file size, ending at the size.
    const reading = events.filter((e) => e.step.startsWith('reading'));
    expect(reading.at(-1)).toEqual({ step: 'reading retail.csv', done: fs.statSync(fixture('txlog/retail.csv')).size, total: fs.statSync(fixture('txlog/retail.csv')).size });
  });

  it('is idempotent: importing the same file again yields the same rows', async () => {
    const first = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25 });
    const before = await tableCounts(db.ds);
    const ids = await db.ds.query(`SELECT id, customer_unique_id FROM customer ORDER BY id`);
    const again = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25 });
    expect(await tableCounts(db.ds)).toEqual(before);
    expect(await db.ds.query(`SELECT id, customer_unique_id FROM customer ORDER BY id`)).toEqual(ids);
    expect(onlyFile(again)).toEqual(onlyFile(first));
    expect(table(again, 'customer')).toMatchObject({ inserted: 0, unchanged: 12 });
    expect(table(again, 'orders')).toMatchObject({ inserted: 0, updated: 0, unchanged: 13, deleted: 0 });
    expect(table(again, 'transaction_line')).toMatchObject({ inserted: 18, deleted: 18 });
  });

  it('re-importing a source replaces its orders: orders gone from the file are deleted', async () => {
    const file = path.join(tmp, 'shop.csv');
    fs.writeFileSync(file, 'c,d,a\n1,2021-01-01,10\n1,2021-01-02,20\n2,2021-01-02,5\n');
    const map = { customerCol: 'c', dateCol: 'd', amountCol: 'a' };
    await importTransactions(db.ds, file, map);
    fs.writeFileSync(file, 'c,d,a\n1,2021-01-01,11\n2,2021-01-02,5\n');
    const r = await importTransactions(db.ds, file, map);
    expect(table(r, 'orders')).toMatchObject({ inserted: 0, unchanged: 2, deleted: 1 });
    expect(await orderValues('txlog:shop:')).toEqual({ '1:2021-01-01': 11, '2:2021-01-02': 5 });
    expect(await tableCounts(db.ds)).toMatchObject({ customer: 2, orders: 2, transaction_line: 2 });
  });

  it("a re-import finds its source's orders by the source index, and only them", async () => {
    const map = { customerCol: 'c', dateCol: 'd', amountCol: 'a' };
    const write = (name: string, body: string) => {
      const file = path.join(tmp, `${name}.csv`);
      fs.writeFileSync(file, `c,d,a\n${body}`);
      return file;
    };
    // Names one of which starts another's, or sorts right next to it.
    for (const name of ['shop', 'shop2', 'shop-a', 'shoq']) await importTransactions(db.ds, write(name, '1,2021-01-01,10\n2,2021-01-02,20\n'), map);
    const r = await importTransactions(db.ds, write('shop', '1,2021-01-01,10\n'), map);
    expect(table(r, 'orders')).toMatchObject({ unchanged: 1, deleted: 1 });
    const bySource: { src: string; n: number }[] = await db.ds.query(
      `SELECT split_part(id, ':', 2) AS src, count(*)::int AS n FROM orders GROUP BY 1 ORDER BY 1`,
    );
    expect(bySource).toEqual([
      { src: 'shop', n: 1 },
      { src: 'shop-a', n: 2 },
      { src: 'shop2', n: 2 },
      { src: 'shoq', n: 2 },
    ]);

    // The rule at its edges: the prefix itself is in, the next byte up and a longer name are out.
    const inRange = async (id: string) =>
      (await db.ds.query(`SELECT ${sourceOrdersPredicate('$1::text', 'txlog:shop:')} AS hit`, [id]))[0].hit as boolean;
    expect(await inRange('txlog:shop:')).toBe(true);
    expect(await inRange('txlog:shop:\u00ff')).toBe(true);
    expect(await inRange('txlog:shop;1')).toBe(false);
    expect(await inRange('txlog:shop2:1')).toBe(false);
    expect(await inRange('txlog:sho:1')).toBe(false);
    expect(() => sourceOrdersPredicate('id', 'txlog:shop')).toThrow(/ends with ':'/);

    // The question reads the index (on these few rows the planner would scan them anyway; with scans priced out,
    // a predicate the index cannot serve would still show a sequential scan).
    const plan: { 'QUERY PLAN': string }[] = await db.ds.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      return m.query(`EXPLAIN SELECT EXISTS (SELECT 1 FROM orders WHERE source = 'txlog' AND ${sourceOrdersPredicate('id', 'txlog:shop:')})`);
    });
    const text = plan.map((p) => p['QUERY PLAN']).join('\n');
    expect(text).toMatch(/orders_txlog_id_idx/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('treats the same customer id in two logs as one person, and says so', async () => {
    const a = path.join(tmp, 'store-a.csv');
    const b = path.join(tmp, 'store-b.csv');
    fs.writeFileSync(a, 'c,d,a\n1,2021-01-01,10\n2,2021-01-01,10\n');
    fs.writeFileSync(b, 'c,d,a\n3,2021-02-01,10\n2.0,2021-02-01,10\n');
    await importTransactions(db.ds, a, { customerCol: 'c', dateCol: 'd', amountCol: 'a' });
    const r = await importTransactions(db.ds, b, { customerCol: 'c', dateCol: 'd', amountCol: 'a' });
    expect(byReason(onlyFile(r).notes)).toEqual({ 'customer id already known from another source (same person)': [1, [3]] });
    expect(table(r, 'customer')).toMatchObject({ inserted: 1, unchanged: 1 });
    expect(await db.ds.query(`SELECT customer_unique_id AS id, source FROM customer ORDER BY 1`)).toEqual([
      { id: '1', source: 'txlog:store-a' },
      { id: '2', source: 'txlog:store-a' },
      { id: '3', source: 'txlog:store-b' },
    ]);
  });

  it('loads stray quotes and backslashes as they are, and rejects a NUL character in any field', async () => {
    const file = path.join(tmp, 'odd.csv');
    fs.writeFileSync(file, 'c,note,d,a\n1,a\u0000b,2021-01-01,10\n2,say "hi",2021-01-01,5\n3,C:\\temp\\x,2021-01-01,1\n');
    const r = await importTransactions(db.ds, file, { customerCol: 'c', dateCol: 'd', amountCol: 'a' }, { maxRejectRate: 0.5 });
    expect(onlyFile(r)).toMatchObject({ read: 3, loaded: 2, rejected: [{ reason: 'NUL byte in a field', count: 1, lines: [2] }], skipped: [] });
  });

  it('keeps an invoice shared by several customers as one order of the smallest id, and says so', async () => {
    const file = path.join(tmp, 'shared.csv');
    fs.writeFileSync(file, 'c,d,a,inv\n2,2021-01-01,10,X\n1,2021-01-01,5,X\n1,2021-01-02,1,Y\n');
    const r = await importTransactions(db.ds, file, { customerCol: 'c', dateCol: 'd', amountCol: 'a', orderCol: 'inv' });
    expect(byReason(onlyFile(r).notes)).toEqual({ 'invoice shared by several customers (order kept with the smallest id)': [1, [2]] });
    expect(await db.ds.query(`SELECT c.customer_unique_id AS c, f.value::float8 AS v FROM order_fact f JOIN customer c ON c.id = f.customer_id WHERE f.order_id = 'txlog:shared:X'`)).toEqual([
      { c: '1', v: 15 },
    ]);
  });

  it('refuses a file with too many garbage lines and writes nothing', async () => {
    await importTransactions(db.ds, fixture('txlog/tab.tsv'), { customerCol: 'cust', dateCol: 'day', amountCol: 'amount', orderCol: 'invoice' }, { maxRejectRate: 0.5 });
    const before = await tableCounts(db.ds);
    const err = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toContain('retail.csv:14:');
    expect((err as Error).message).toMatch(/3 of 26 lines rejected \(11\.5%, limit 5\.0%\)/);
    expect((err as Error).message).toContain('invalid date (lines 14)');
    expect(await tableCounts(db.ds)).toEqual(before);
  });

  it('reads semicolons, decimal commas, ISO date-times with offsets, and groups by customer and day', async () => {
    const r = await importTransactions(
      db.ds,
      fixture('txlog/semicolon.csv'),
      { customerCol: 'client', dateCol: 'when', amountCol: 'total', regionCol: 'country' },
      { maxRejectRate: 0.5 },
    );
    const f = onlyFile(r);
    expect(f.read).toBe(10);
    expect(byReason(f.rejected)).toEqual({ 'invalid date': [1, [6]], 'invalid amount': [1, [7]], 'missing amount': [1, [8]] });
    expect(byReason(f.skipped)).toEqual({ 'missing customer': [1, [9]], 'duplicate line': [1, [11]] });
    expect(byReason(f.notes)).toEqual({ return: [1, [5]] });
    expect(f.loaded).toBe(5);
    expect(await orderValues('txlog:semicolon:')).toEqual({ '1:2021-03-01': 20, '2:2021-03-01': 30, '2:2021-03-02': -5, '4:2021-03-06': 100 });
    const times = await db.ds.query(`SELECT id, purchased_at FROM orders WHERE id IN ('txlog:semicolon:1:2021-03-01', 'txlog:semicolon:4:2021-03-06') ORDER BY id`);
    expect(times.map((t: { purchased_at: Date }) => t.purchased_at.toISOString())).toEqual(['2021-03-01T10:15:00.000Z', '2021-03-06T10:00:00.000Z']);
  });

  it('reads tabs, yyyymmdd next to ISO dates, float-looking ids, and rejects lines without an order id', async () => {
    const r = await importTransactions(
      db.ds,
      fixture('txlog/tab.tsv'),
      { customerCol: 'cust', dateCol: 'day', amountCol: 'amount', orderCol: 'invoice', source: 'tabbed' },
      { maxRejectRate: 0.5 },
    );
    const f = onlyFile(r);
    expect(f.read).toBe(8);
    expect(byReason(f.rejected)).toEqual({ 'invalid date': [1, [5]], 'missing order id': [1, [7]] });
    expect(f.skipped).toEqual([]);
    expect(f.loaded).toBe(6);
    expect(await orderValues('txlog:tabbed:')).toEqual({ A1: 11.77, A2: 89, A4: 5, B1: 1, B2: 2 });
    const custs = await db.ds.query(`SELECT customer_unique_id FROM customer ORDER BY 1`);
    expect(custs.map((c: { customer_unique_id: string }) => c.customer_unique_id)).toEqual(['00001', '00002', '00003', '5']);
  });

  it('reads whitespace-separated columns with CRLF and blank lines; duplicates are skipped unless kept', async () => {
    const r = await importTransactions(db.ds, fixture('txlog/whitespace.txt'), CDNOW_COLUMNS);
    const f = onlyFile(r);
    expect(f.read).toBe(12);
    expect(f.rejected).toEqual([]);
    expect(byReason(f.skipped)).toEqual({ 'blank line': [1, [9]], 'duplicate line': [1, [8]] });
    expect(f.loaded).toBe(10);
    expect(await tableCounts(db.ds)).toMatchObject({ customer: 4, orders: 9, transaction_line: 10 });
    expect((await orderValues('txlog:whitespace:'))['00002:1997-01-12']).toBeCloseTo(89, 2);

    const kept = await importTransactions(db.ds, fixture('txlog/whitespace.txt'), { ...CDNOW_COLUMNS, keepDuplicates: true });
    expect(onlyFile(kept).loaded).toBe(11);
    expect(byReason(onlyFile(kept).skipped)).toEqual({ 'blank line': [1, [9]] });
    expect((await orderValues('txlog:whitespace:'))['00003:1997-04-02']).toBeCloseTo(2 * 19.54, 2);
  });

  it('reads a headerless file with --columns, by name or 1-based position', async () => {
    const columns = ['row', 'cust', 'date', 'cds', 'dollars'];
    const r = await importTransactions(db.ds, fixture('txlog/headerless.csv'), { columns, customerCol: 'cust', dateCol: 'date', quantityCol: 'cds', amountCol: 'dollars' });
    expect(onlyFile(r)).toMatchObject({ read: 5, loaded: 5, rejected: [], skipped: [] });
    expect(byReason(onlyFile(r).notes)).toEqual({ return: [1, [4]] });
    expect(await orderValues('txlog:headerless:')).toEqual({ 'c1:2020-01-01': 25.5, 'c2:2020-01-02': 33, 'c2:2020-01-03': -10, 'c3:2020-01-03': 9.99 });

    const byPos = await importTransactions(db.ds, fixture('txlog/headerless.csv'), { columns, customerCol: '2', dateCol: '3', amountCol: '5', source: 'bypos' });
    expect(onlyFile(byPos).loaded).toBe(5);
    expect(table(byPos, 'customer')).toMatchObject({ inserted: 0, unchanged: 3 });
  });

  it('loads in bulk (indexes and keys rebuilt after) with the same result, and restores the schema exactly', async () => {
    const schema = () =>
      db.ds.query(`
        SELECT conrelid::regclass::text AS t, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid IN ('orders'::regclass, 'transaction_line'::regclass, 'order_fact'::regclass, 'order_item'::regclass)
        UNION ALL
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN ('orders', 'transaction_line', 'order_fact')
        ORDER BY 1, 2, 3`);
    const before = await schema();
    const auto = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25 });
    const autoRows = await db.ds.query(`SELECT * FROM order_fact ORDER BY order_id`);
    await emptyWarehouse(db.ds);
    const r = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25, foreignKeys: 'bulk' });
    expect(r.phases.map((p) => p.name)).toContain('indexes and keys');
    expect(onlyFile(r)).toEqual(onlyFile(auto));
    expect(await schema()).toEqual(before);
    expect(await db.ds.query(`SELECT * FROM order_fact ORDER BY order_id`)).toEqual(autoRows);
    const [check] = await db.ds.query(`
      SELECT (SELECT count(*) FROM (SELECT * FROM order_fact EXCEPT ALL SELECT * FROM order_fact_live) x)::int AS stale,
             (SELECT count(*) FROM (SELECT * FROM order_fact_live EXCEPT ALL SELECT * FROM order_fact) x)::int AS missing`);
    expect(check).toEqual({ stale: 0, missing: 0 });
    // A re-import in bulk mode keeps the keys (its upserts need them) and still lands.
    const again = await importTransactions(db.ds, fixture('txlog/retail.csv'), RETAIL, { maxRejectRate: 0.25, foreignKeys: 'bulk' });
    expect(again.phases.map((p) => p.name)).not.toContain('indexes and keys');
    expect(table(again, 'orders')).toMatchObject({ inserted: 0, unchanged: 13 });
    expect(onlyFile(r).loaded).toBe(18);
    expect(await tableCounts(db.ds)).toMatchObject({ customer: 12, orders: 13, transaction_line: 18 });
    const fks = await db.ds.query(
      `SELECT conrelid::regclass::text AS t, count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('orders'::regclass, 'transaction_line'::regclass) GROUP BY 1 ORDER BY 1`,
    );
    expect(fks).toEqual([{ t: 'orders', n: 2 }, { t: 'transaction_line', n: 1 }]);
    await expect(db.ds.query(`INSERT INTO transaction_line (order_id, line_no, amount) VALUES ('nope', 1, 1)`)).rejects.toThrow(/foreign key/);
  });

  it('stops on malformed CSV with the line, and writes nothing', async () => {
    const err = await importTransactions(db.ds, fixture('txlog/unclosed-quote.csv'), { customerCol: 'customer', dateCol: 'date', amountCol: 'amount' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(/unclosed-quote\.csv:\d+: malformed CSV \(CSV_QUOTE_NOT_CLOSED\)/);
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });

  it('names the file, line and column of a mapping that does not fit', async () => {
    await expect(importTransactions(db.ds, fixture('txlog/retail.csv'), { ...RETAIL, customerCol: 'Customer' })).rejects.toThrow(
      /retail\.csv:1: column "Customer": --customer-col "Customer" is not a column of this file \(columns: InvoiceNo, StockCode/,
    );
    await expect(importTransactions(db.ds, fixture('txlog/nope.csv'), RETAIL)).rejects.toThrow(/nope\.csv: file not found/);
    await expect(importTransactions(db.ds, fixture('txlog/retail.csv'), { customerCol: 'CustomerID', dateCol: 'InvoiceDate', quantityCol: 'Quantity' })).rejects.toThrow(
      /--quantity-col and --price-col go together/,
    );
    await expect(importTransactions(db.ds, fixture('txlog/retail.csv'), { ...RETAIL, source: 'a:b' })).rejects.toThrow(/--source/);
    expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);
  });
});
