import path from 'node:path';
import { fitBgNbd, rfmSummary } from '../../src/churn';
import { importTransactions } from '../../src/ingest/transactions.service';
import { train } from '../../src/models/train.pipeline';
import { sharedData } from '../helpers/db';
import { startTestServer, type TestServer } from '../graphql/helpers';
import fs from 'node:fs';

/**
 * The as-of convention end to end: the CDNOW sample imported as a plain transaction log (customer, date, amount),
 * trained `as of 1997-09-30` with BG/NBD, must publish the published fit (Fader, Hardie & Lee 2005: r 0.243,
 * α 4.414, a 0.793, b 2.426) within 1% through GraphQL — purchases made on 1997-09-30 count and T is measured to
 * that day, as lifetimes' observation_period_end does. Leaving that day out moved the fit by up to 7%.
 */
const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const sample = sharedData('cdnow/CDNOW_sample.txt');
if (!sample) console.warn('cdnow-as-of.test: ../shared/data/cdnow/CDNOW_sample.txt is absent; the published-fit check is skipped (the committed slice still runs the path)');
const ACTIVE = `{ activeModel { asOf churnModel { model params } } }`;

describe('as of D includes day D (CDNOW, import → train → API)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  (sample ? it : it.skip)('CDNOW sample as a plain log, trained as of 1997-09-30 with bg-nbd: the published fit within 1%', async () => {
    await importTransactions(s.db.ds, sample!, { columns: ['master_id', 'customer', 'date', 'cds', 'amount'], customerCol: 'customer', dateCol: 'date', amountCol: 'amount', delimiter: 'whitespace' });
    await train(s.db.ds, { asOf: new Date('1997-09-30T00:00:00Z'), churnModel: 'bg-nbd', seed: 1, kMax: 4 });
    const r = await s.gql<{ activeModel: { asOf: string; churnModel: { model: string; params: Record<string, number> } } }>(ACTIVE);
    expect(r.body.errors).toBeUndefined();
    const m = r.body.data!.activeModel;
    expect(m.churnModel.model).toBe('bg-nbd');
    expect(m.asOf).toBe('1997-10-01T00:00:00.000Z');
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(Math.abs(m.churnModel.params[k] / PUBLISHED[k] - 1)).toBeLessThanOrEqual(0.01);
  });

  it('on the committed 600-customer slice, the API serves the same fit as the pure summary as of that day', async () => {
    await s.db.ds.query(`TRUNCATE customer, orders, order_fact, transaction_line CASCADE`);
    const file = path.resolve(__dirname, '../fixtures/cdnow/master-first-600.txt');
    await importTransactions(s.db.ds, file, { customerCol: 'customer_id', dateCol: 'date', amountCol: 'dollar_value', delimiter: 'whitespace' });
    await train(s.db.ds, { asOf: new Date('1997-09-30T00:00:00Z'), churnModel: 'bg-nbd', seed: 1, kMax: 4 });
    const r = await s.gql<{ activeModel: { churnModel: { params: Record<string, number> } } }>(ACTIVE);
    expect(r.body.errors).toBeUndefined();
    const tx = fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((l) => /^\s*\d/.test(l))
      .map((l) => l.trim().split(/\s+/))
      .map((f) => ({ customer: f[0], date: f[1], value: Number(f[3]) }));
    const rows = rfmSummary(tx, '1997-09-30');
    const pure = fitBgNbd({ x: rows.map((x) => x.x), tx: rows.map((x) => x.tx), T: rows.map((x) => x.T) }).params;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(r.body.data!.activeModel.churnModel.params[k]).toBeCloseTo(pure[k], 4);
  });
});
