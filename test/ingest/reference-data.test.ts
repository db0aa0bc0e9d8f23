import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { importOlist } from '../../src/ingest/olist.service';
import { importTransactions } from '../../src/ingest/transactions.service';
import { createTestDb, sharedData, type TestDb } from '../helpers/db';
import { emptyWarehouse, onlyFile, table, tableCounts } from './helpers';

const olistDir = sharedData('olist-sample');
const cdnowMaster = sharedData('cdnow/CDNOW_master.txt');
const cdnowSample = sharedData('cdnow/CDNOW_sample.txt');
if (!olistDir) console.warn('skipping the Olist sample import: ../shared/data/olist-sample is absent');
if (!cdnowMaster || !cdnowSample) console.warn('skipping the CDNOW imports: ../shared/data/cdnow is absent');

/** Distinct values of `column` in a CSV file, read independently of the importer. */
function distinct(file: string, column: string): number {
  const rows: Record<string, string>[] = parse(fs.readFileSync(file), { columns: true, bom: true });
  return new Set(rows.map((r) => r[column])).size;
}

/** Whitespace-separated lines of a file (CRLF ends, header optional), split into fields. */
function lines(file: string, header: boolean): string[][] {
  const all = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return (header ? all.slice(1) : all).map((l) => l.trim().split(/\s+/));
}

describe('reference data imports', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => emptyWarehouse(db.ds));

  (olistDir ? it : it.skip)('imports the 4,000-order Olist sample', async () => {
    const r = await importOlist(db.ds, olistDir!);
    const counts = await tableCounts(db.ds);
    expect(counts.orders).toBe(4000);
    expect(counts.customer).toBe(distinct(path.join(olistDir!, 'olist_customers_dataset.csv'), 'customer_unique_id'));
    expect(counts.customer_account).toBe(distinct(path.join(olistDir!, 'olist_customers_dataset.csv'), 'customer_id'));
    expect(counts.order_item).toBe(parse(fs.readFileSync(path.join(olistDir!, 'olist_order_items_dataset.csv')), { columns: true }).length);
    for (const f of r.files) expect([path.basename(f.file), f.rejected]).toEqual([path.basename(f.file), []]);
    const [facts] = await db.ds.query(`SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS d FROM order_fact`);
    expect(facts).toEqual({ n: 4000, d: 4000 });
  });

  (cdnowMaster ? it : it.skip)('imports CDNOW_master.txt (whitespace, header, CRLF); exact duplicate lines are skipped and counted', async () => {
    const expected = lines(cdnowMaster!, true);
    expect(expected.length).toBe(69659);
    const unique = [...new Map(expected.map((l) => [l.join(' '), l])).values()];
    const r = await importTransactions(db.ds, cdnowMaster!, { customerCol: 'customer_id', dateCol: 'date', quantityCol: 'number_of_cds', amountCol: 'dollar_value' });
    const f = onlyFile(r);
    expect(f).toMatchObject({ read: 69659, loaded: unique.length, rejected: [] });
    expect(f.skipped).toEqual([expect.objectContaining({ reason: 'duplicate line', count: 69659 - unique.length })]);
    expect(table(r, 'customer').inserted).toBe(23570);
    expect(new Set(expected.map((l) => l[0])).size).toBe(23570);
    expect(table(r, 'orders').inserted).toBe(new Set(expected.map((l) => `${l[0]}:${l[1]}`)).size);
    const [sum] = await db.ds.query(`SELECT sum(amount)::float8 AS s FROM transaction_line`);
    expect(sum.s).toBeCloseTo(unique.reduce((s, l) => s + Number(l[3]), 0), 2);
  });

  (cdnowSample ? it : it.skip)('imports CDNOW_sample.txt (headerless, column 2 as customer)', async () => {
    const expected = lines(cdnowSample!, false);
    const r = await importTransactions(db.ds, cdnowSample!, {
      columns: ['master_id', 'sample_id', 'date', 'cds', 'dollars'],
      customerCol: 'sample_id',
      dateCol: 'date',
      quantityCol: 'cds',
      amountCol: 'dollars',
      keepDuplicates: true,
    });
    expect(onlyFile(r)).toMatchObject({ read: 6919, loaded: 6919, rejected: [] });
    expect(table(r, 'customer').inserted).toBe(2357);
    expect(new Set(expected.map((l) => l[1])).size).toBe(2357);
    // Orders are customer-days: the BG/NBD literature counts purchase days the same way.
    expect(table(r, 'orders').inserted).toBe(new Set(expected.map((l) => `${l[1]}:${l[2]}`)).size);
  });
});
