import { createTestDb, type TestDb } from '../helpers/db';
import { loadConfig, resetConfigForTests } from '../../src/config';
import { startTestServer, testKeys, type TestServer } from './helpers';

const QUERY = `{ warehouseStats { customers orders orderItems payments reviews firstOrderAt lastOrderAt } }`;

async function seed(db: TestDb): Promise<void> {
  await db.ds.query(`
    INSERT INTO customer (customer_unique_id) SELECT 'c' || g FROM generate_series(1, 7) g;
    INSERT INTO orders (id, customer_id, status, purchased_at)
      SELECT 'o' || g, 1 + g % 7, 'delivered', timestamptz '2017-01-05 10:00:00+00' + (g || ' days')::interval
        FROM generate_series(1, 11) g;
    INSERT INTO order_item (order_id, item_seq, price) SELECT 'o' || (1 + g % 11), g, 10 FROM generate_series(1, 13) g;
    INSERT INTO order_payment (order_id, payment_seq, type, value) SELECT 'o' || g, 1, 'voucher', 5 FROM generate_series(1, 9) g;
    INSERT INTO order_review (review_id, order_id, score) SELECT 'r' || g, 'o' || g, 4 FROM generate_series(1, 3) g;
  `);
}

describe('warehouseStats', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ db: await createTestDb() });
  });
  afterAll(async () => {
    await t?.close();
    await t?.db.drop();
  });

  it('answers zeros and null dates on an empty warehouse', async () => {
    const r = await t.gql(QUERY);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      warehouseStats: { customers: 0, orders: 0, orderItems: 0, payments: 0, reviews: 0, firstOrderAt: null, lastOrderAt: null },
    });
  });

  it('matches counts and dates computed directly in SQL', async () => {
    await seed(t.db);
    const [expected] = await t.db.ds.query(`
      SELECT (SELECT count(*) FROM customer)::int AS customers, (SELECT count(*) FROM orders)::int AS orders,
             (SELECT count(*) FROM order_item)::int AS "orderItems", (SELECT count(*) FROM order_payment)::int AS payments,
             (SELECT count(*) FROM order_review)::int AS reviews,
             to_char((SELECT min(purchased_at) FROM orders) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstOrderAt",
             to_char((SELECT max(purchased_at) FROM orders) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastOrderAt"`);
    const r = await t.gql(QUERY);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ warehouseStats: expected });
    expect(expected).toMatchObject({ customers: 7, orders: 11, orderItems: 13, payments: 9, reviews: 3, firstOrderAt: '2017-01-06T10:00:00.000Z' });
  });
});

describe('serviceInfo', () => {
  let t: TestServer;
  let keyed: TestServer;
  const { keys, spec } = testKeys();
  beforeAll(async () => {
    const db = await createTestDb();
    t = await startTestServer({ db });
    keyed = await startTestServer({ db, settings: { apiKeys: spec } });
  });
  afterAll(async () => {
    delete process.env.STORE_CURRENCY;
    resetConfigForTests();
    await keyed?.close();
    await t?.close();
    await t?.db.drop();
  });

  const Q = `{ serviceInfo { currency clvHorizonMonths role openMode } }`;

  it('names the currency from STORE_CURRENCY and says whether a key counts', async () => {
    for (const currency of ['USD', 'BRL']) {
      process.env.STORE_CURRENCY = currency;
      resetConfigForTests();
      const r = await t.gql(Q, {}, { key: 'ignored-in-open-mode' });
      expect(r.body.data).toEqual({ serviceInfo: { currency, clvHorizonMonths: loadConfig().CLV_HORIZON_MONTHS, role: 'admin', openMode: true } });
    }
    const v = await keyed.gql(Q, {}, { key: keys.viewer });
    expect(v.body.data).toMatchObject({ serviceInfo: { role: 'viewer', openMode: false } });
    expect((await keyed.gql(Q)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(() => loadConfig({ STORE_CURRENCY: 'reais' })).toThrow(/STORE_CURRENCY/);
    expect(loadConfig({}).STORE_CURRENCY).toBe('BRL');
  });
});
