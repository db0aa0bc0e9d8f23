import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportError } from '../../src/ingest/import-error';
import { formatReport } from '../../src/ingest/import-report';
import { MAX_ID_LENGTH } from '../../src/ingest/line-rules';
import { importOlist } from '../../src/ingest/olist.service';
import { importTransactions, type TransactionMapping } from '../../src/ingest/transactions.service';
import { createTestDb, type TestDb } from '../helpers/db';
import { byReason, emptyWarehouse, fixture, onlyFile, tableCounts } from './helpers';

/**
 * Hostile and careless input, for both importers: nothing may be stored on a guess. Invalid UTF-8 and
 * repeated header names refuse the file naming the line or column; NUL bytes, dates after the import and
 * over-long ids reject their line (counted, weighed by the reject rate); a file without rows says so.
 */
const LOG: TransactionMapping = { customerCol: 'customer', dateCol: 'date', amountCol: 'amount' };
const FUTURE = 'date later than the import time + 1 day';
const LONG_ID = `longer than ${MAX_ID_LENGTH} characters`;

describe('import rules for hostile input', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-hostile-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => emptyWarehouse(db.ds));

  const customers = async (): Promise<string[]> =>
    (await db.ds.query(`SELECT customer_unique_id AS id FROM customer ORDER BY customer_unique_id COLLATE "C"`)).map((r: { id: string }) => r.id);
  const nothingWritten = async () => expect(Object.values(await tableCounts(db.ds)).every((n) => n === 0)).toBe(true);

  describe('transaction log', () => {
    it('refuses bytes that are not UTF-8, naming the line, and writes nothing', async () => {
      const err = await importTransactions(db.ds, fixture('hostile/latin1-names.csv'), LOG).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportError);
      expect((err as Error).message).toMatch(/latin1-names\.csv:3: bytes that are not valid UTF-8; .*--encoding latin1/);
      await nothingWritten();
    });

    it('names the right line when the bad byte lies far into the file, past read-buffer boundaries with split characters', async () => {
      const file = path.join(tmp, 'late-bad-byte.csv');
      // 3-byte characters ("€") at every offset modulo 3, so that some straddle the 64 KiB chunk boundaries.
      const good = Array.from({ length: 5000 }, (_, i) => `c${i}${'€'.repeat(i % 3)},2021-01-01,1.00\n`).join('');
      fs.writeFileSync(file, Buffer.concat([Buffer.from(`customer,date,amount\n${good}`), Buffer.from('bad\xff,2021-01-01,1.00\n', 'latin1')]));
      await expect(importTransactions(db.ds, file, LOG)).rejects.toThrow(/late-bad-byte\.csv:5002: bytes that are not valid UTF-8/);
      fs.writeFileSync(file, `customer,date,amount\n${good}`);
      const r = await importTransactions(db.ds, file, LOG);
      expect(onlyFile(r)).toMatchObject({ read: 5000, loaded: 5000 });
      expect(await db.ds.query(`SELECT count(*)::int AS n FROM customer WHERE customer_unique_id LIKE '%€€'`)).toEqual([{ n: 1666 }]);
    });

    it('decodes Latin-1 and Windows-1252 on request: José and Josê stay two people', async () => {
      await importTransactions(db.ds, fixture('hostile/latin1-names.csv'), { ...LOG, encoding: 'latin1' });
      expect(await customers()).toEqual(['Jos\u00e9', 'Jos\u00ea', 'O\u0092Brien', 'ana']);
      await emptyWarehouse(db.ds);
      await importTransactions(db.ds, fixture('hostile/latin1-names.csv'), { ...LOG, encoding: 'windows-1252' });
      expect(await customers()).toEqual(['Jos\u00e9', 'Jos\u00ea', 'O\u2019Brien', 'ana']);
    });

    it('rejects NUL bytes, dates after the import, and over-long ids, each counted with its lines', async () => {
      const file = path.join(tmp, 'hostile.csv');
      // A 100 KB customer id, appended at run time (line 10).
      fs.writeFileSync(file, Buffer.concat([fs.readFileSync(fixture('hostile/hostile.csv')), Buffer.from(`${'x'.repeat(100_000)},2021-03-07,1.00,I9\n`)]));
      const map = { ...LOG, orderCol: 'invoice' };

      // Four garbage lines out of nine: refused under the default 5%, naming the reasons and lines.
      const err = await importTransactions(db.ds, file, map).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportError);
      expect((err as Error).message).toContain('4 of 9 lines rejected (44.4%, limit 5.0%)');
      expect((err as Error).message).toContain('1 × NUL byte in a field (lines 3)');
      await nothingWritten();

      const r = await importTransactions(db.ds, file, map, { maxRejectRate: 0.5 });
      const f = onlyFile(r);
      expect(byReason(f.rejected)).toEqual({
        'NUL byte in a field': [1, [3]],
        [FUTURE]: [1, [5]],
        [`order id ${LONG_ID}`]: [1, [8]],
        [`customer id ${LONG_ID}`]: [1, [10]],
      });
      expect(f).toMatchObject({ read: 9, loaded: 5 });
      // "c\0x" was not loaded as "cx": the real cx has its own single order; a2 keeps only its 2021 order.
      expect(await customers()).toEqual(['a1', 'a2', 'a3', 'a5', 'cx']);
      expect(await db.ds.query(`SELECT id FROM orders ORDER BY id`)).toEqual(['I1', 'I3', 'I5', 'I6', 'I8'].map((i) => ({ id: `txlog:hostile:${i}` })));
      const [{ max }] = await db.ds.query(`SELECT max(purchased_at) AS max FROM orders`);
      expect((max as Date).toISOString()).toBe('2021-03-06T00:00:00.000Z');
    });

    it('allows dates up to one day after the import, not beyond', async () => {
      const file = path.join(tmp, 'soon.csv');
      const iso = (ms: number) => new Date(Date.now() + ms).toISOString();
      fs.writeFileSync(file, `customer,date,amount\nn1,${iso(12 * 3600e3)},1.00\nn2,${iso(2 * 86400e3)},1.00\nn3,2021-01-01,1.00\n`);
      const r = await importTransactions(db.ds, file, LOG, { maxRejectRate: 0.5 });
      expect(byReason(onlyFile(r).rejected)).toEqual({ [FUTURE]: [1, [3]] });
      expect(await customers()).toEqual(['n1', 'n3']);
    });

    it('refuses a header that names a column twice, naming the column', async () => {
      await expect(importTransactions(db.ds, fixture('hostile/duplicate-header.csv'), LOG)).rejects.toThrow(
        /duplicate-header\.csv:1: column "customer": the column name is repeated \(columns 1 and 4\)/,
      );
      await expect(
        importTransactions(db.ds, fixture('txlog/headerless.csv'), { ...LOG, columns: ['customer', 'date', 'amount', 'date'] }),
      ).rejects.toThrow(/column "date": the column name is repeated \(columns 2 and 4\)/);
      await nothingWritten();
    });

    it('ends a header-only file with a warning', async () => {
      const r = await importTransactions(db.ds, fixture('hostile/header-only.csv'), LOG);
      expect(onlyFile(r)).toMatchObject({ read: 0, loaded: 0 });
      expect(r.warnings).toEqual([expect.stringMatching(/header-only\.csv: the file has a header and no rows; nothing was imported from it$/)]);
      expect(formatReport(r)).toContain('warning: ');
      await nothingWritten();
    });
  });

  describe('Olist', () => {
    const FIXTURE = fixture('olist');
    /** A copy of the Olist fixture in a fresh directory, with `edit` applied to the files' bytes. */
    const variant = (name: string, edit: (files: Record<string, Buffer>) => void): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir, { recursive: true });
      const files = Object.fromEntries(fs.readdirSync(FIXTURE).map((f) => [f, fs.readFileSync(path.join(FIXTURE, f))]));
      edit(files);
      for (const [f, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), bytes);
      return dir;
    };
    const edited = (b: Buffer, from: string, to: string): Buffer => {
      const s = b.toString('latin1');
      expect(s).toContain(from);
      return Buffer.from(s.replace(from, to), 'latin1');
    };
    const CUSTOMERS = 'olist_customers_dataset.csv';
    const ORDERS = 'olist_orders_dataset.csv';

    it('refuses a repeated header name, naming it (not as a missing column)', async () => {
      const dir = variant('dup-header', (f) => {
        f[CUSTOMERS] = edited(f[CUSTOMERS], 'customer_city,customer_state', 'customer_city,customer_city');
      });
      await expect(importOlist(db.ds, dir)).rejects.toThrow(/olist_customers_dataset\.csv:1: column "customer_city": the column name is repeated \(columns 4 and 5\)/);
      await nothingWritten();
    });

    it('refuses a Latin-1 city name as UTF-8, naming the line, and keeps it exact with --encoding latin1', async () => {
      const dir = variant('latin1-city', (f) => {
        f[CUSTOMERS] = edited(f[CUSTOMERS], 'a3,u2,22750,rio de janeiro', 'a3,u2,22750,s\xe3o gon\xe7alo');
      });
      await expect(importOlist(db.ds, dir)).rejects.toThrow(/olist_customers_dataset\.csv:4: bytes that are not valid UTF-8/);
      await nothingWritten();
      await importOlist(db.ds, dir, { encoding: 'latin1' });
      expect(await db.ds.query(`SELECT city FROM customer_account WHERE account_id = 'a3'`)).toEqual([{ city: 's\u00e3o gon\u00e7alo' }]);
    });

    it('rejects a future event date, an over-long id and a NUL byte with their lines; a future estimate is fine', async () => {
      const dir = variant('hostile-values', (f) => {
        f[ORDERS] = edited(f[ORDERS], 'o1,a1,delivered,2017-10-02 10:56:33', 'o1,a1,delivered,2099-10-02 10:56:33');
        f[ORDERS] = edited(f[ORDERS], '2018-01-15 00:00:00', '2099-01-15 00:00:00'); // o2's estimated delivery
        f[CUSTOMERS] = edited(f[CUSTOMERS], 'a3,u2,', `a3,${'u'.repeat(MAX_ID_LENGTH + 1)},`);
        f[CUSTOMERS] = edited(f[CUSTOMERS], 'belo horizonte', 'belo\0horizonte');
      });
      const r = await importOlist(db.ds, dir, { maxRejectRate: 0.5 });
      const rej = (file: string) => byReason(r.files.find((x) => x.file.endsWith(file))!.rejected);
      expect(rej(CUSTOMERS)).toEqual({ [`customer_unique_id ${LONG_ID}`]: [1, [4]], 'NUL byte in a field': [1, [5]] });
      expect(rej(ORDERS)).toMatchObject({
        'order_purchase_timestamp later than the import time + 1 day': [1, [2]],
        'references a rejected customer': [1, [4]],
      });
      expect(await db.ds.query(`SELECT id, estimated_delivery_at AS est FROM orders ORDER BY id`)).toEqual([
        { id: 'o2', est: new Date('2099-01-15T00:00:00Z') },
      ]);
      expect(await db.ds.query(`SELECT city FROM customer_account ORDER BY account_id`)).toEqual([{ city: 'sao paulo' }, { city: 'campinas' }]);
    });

    it('warns about a file with a header and no rows', async () => {
      const dir = variant('header-only', (f) => {
        f['olist_order_reviews_dataset.csv'] = Buffer.from(f['olist_order_reviews_dataset.csv'].toString('utf8').split('\n')[0] + '\n');
      });
      const r = await importOlist(db.ds, dir);
      expect(r.warnings).toEqual([expect.stringMatching(/olist_order_reviews_dataset\.csv: the file has a header and no rows/)]);
      expect(await tableCounts(db.ds)).toMatchObject({ order_review: 0, orders: 3 });
    });
  });
});
