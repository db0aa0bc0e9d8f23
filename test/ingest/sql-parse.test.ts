import { sqlDayMonthToIso, sqlInteger, sqlNumeric, sqlTimestamp } from '../../src/ingest/sql-parse';
import { sqlCustomerKey } from '../../src/warehouse/customer-key';
import { createTestDb, type TestDb } from '../helpers/db';

/** The SQL builders never raise: a bad value becomes NULL (and a counted rejection upstream). */
describe('SQL value parsing', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Evaluates `expr(x)` for each input (x: text), in UTC. */
  const evaluate = async (expr: (x: string) => string, inputs: string[]): Promise<unknown[]> => {
    const rows: { v: unknown }[] = await db.ds.transaction(async (m) => {
      await m.query(`SET LOCAL TimeZone = 'UTC'`);
      return m.query(`SELECT ${expr('x')} AS v FROM unnest($1::text[]) WITH ORDINALITY AS t(x, i) ORDER BY i`, [inputs]);
    });
    return rows.map((r) => (r.v instanceof Date ? r.v.toISOString() : r.v));
  };

  it('reads yyyymmdd, ISO dates and ISO date-times, and nothing else', async () => {
    const got = await evaluate(sqlTimestamp, [
      '2020-02-29',
      '2021-02-29',
      '1900-02-29',
      '2000-02-29',
      '20200229',
      '20210229',
      '20201301',
      '2020-04-31',
      '2020-01-01T10:00',
      '2020-01-01 10:00:05.123',
      '2020-01-01T10:00:00Z',
      '2020-01-01T12:00:00+02:00',
      '2020-01-01T12:00:00-0130',
      '2020-01-01T24:00',
      '2020-01-01T10:60',
      '2020-01-01T10:00+99:00',
      '0000-01-01',
      'yesterday',
      'now',
      '1/2/2020',
      '2020-1-2',
    ]);
    expect(got).toEqual([
      '2020-02-29T00:00:00.000Z',
      null,
      null,
      '2000-02-29T00:00:00.000Z',
      '2020-02-29T00:00:00.000Z',
      null,
      null,
      null,
      '2020-01-01T10:00:00.000Z',
      '2020-01-01T10:00:05.123Z',
      '2020-01-01T10:00:00.000Z',
      '2020-01-01T10:00:00.000Z',
      '2020-01-01T13:30:00.000Z',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('reads d/m/yyyy and m/d/yyyy with optional h:mm[:ss]', async () => {
    const inputs = ['1/2/2020 8:05', '31/12/2020', '12/31/2020 23:59:59', '31/11/2020', '1.2.2020', '1-2-2020 8:05', '1/2/20', '1/2-2020', '2020-01-02'];
    const dmy = await evaluate((x) => sqlTimestamp(`(${sqlDayMonthToIso(x, 'dmy')})`), inputs);
    expect(dmy).toEqual([
      '2020-02-01T08:05:00.000Z',
      '2020-12-31T00:00:00.000Z',
      null,
      null,
      '2020-02-01T00:00:00.000Z',
      '2020-02-01T08:05:00.000Z',
      null,
      null,
      '2020-01-02T00:00:00.000Z', // ISO still reads
    ]);
    const mdy = await evaluate((x) => sqlTimestamp(`(${sqlDayMonthToIso(x, 'mdy')})`), inputs);
    expect(mdy.slice(0, 4)).toEqual(['2020-01-02T08:05:00.000Z', null, '2020-12-31T23:59:59.000Z', null]);
  });

  it('reads decimals (optionally with a decimal comma) and integers', async () => {
    const inputs = ['12.50', '-3', '+4', '.5', '1e3', '1,5', 'abc', '1.2.3', '--1', '-', '12.'];
    expect((await evaluate((x) => sqlNumeric(x), inputs)).map((v) => (v === null ? null : Number(v)))).toEqual([12.5, -3, 4, 0.5, 1000, null, null, null, null, null, 12]);
    expect((await evaluate((x) => sqlNumeric(x, true), ['1,5', '-0,25', '1,2,3'])).map((v) => (v === null ? null : Number(v)))).toEqual([1.5, -0.25, null]);
    expect(await evaluate(sqlInteger, ['12', '12.0', '-7', '12.5', '99999999999', 'x'])).toEqual([12, 12, -7, null, null, null]);
  });

  it('normalizes spreadsheet-style identifiers', async () => {
    expect(await evaluate(sqlCustomerKey, ['17850.0', '17850', '00012', 'A1.0', 'nan', 'NULL', 'None', 'n/a', '1.5'])).toEqual([
      '17850',
      '17850',
      '00012',
      'A1.0',
      null,
      null,
      null,
      null,
      '1.5',
    ]);
  });
});
