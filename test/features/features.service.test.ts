import type { DataSource } from 'typeorm';
import { FEATURES } from '../../src/features/catalogue';
import { CustomerFeatures } from '../../src/features/customer-features.entity';
import { computeFeatures, defaultAsOf, deleteSnapshot, featuresForCustomers, getSnapshot, latestSnapshot } from '../../src/features/features.service';
import { createTestDb, type TestDb } from '../helpers/db';
import { addCustomers, addGeolocation, addOrders, addProducts } from './fixtures';

const AS_OF = new Date('2018-01-01T00:00:00Z');
const LATER = new Date('2018-03-01T00:00:00Z');

/** Feature rows of a snapshot by customer id, with NULLs kept as null. */
async function rowsOf(ds: DataSource, snapshotId: number): Promise<Map<number, Record<string, unknown>>> {
  const rows: Record<string, unknown>[] = await ds.query(`SELECT * FROM customer_features WHERE snapshot_id = $1`, [snapshotId]);
  return new Map(rows.map((r) => [r.customer_id as number, r]));
}

describe('computeFeatures', () => {
  let db: TestDb;
  let at: Map<number, Record<string, unknown>>;
  let later: Map<number, Record<string, unknown>>;
  let snapshotId: number;

  beforeAll(async () => {
    db = await createTestDb();
    const ds = db.ds;
    await addGeolocation(ds, [{ zip: '01001', lat: -23.55, lng: -46.63, state: 'SP' }]);
    await addProducts(ds, [
      { id: 'p-toy', category: 'toys' },
      { id: 'p-book', category: 'books' },
      { id: 'p-art', category: 'art' },
      { id: 'p-none', category: null },
    ]);
    await addCustomers(ds, [
      { id: 1, zip: '01001', state: 'SP' },
      { id: 2, zip: '99999', state: 'RJ' },
      { id: 3, source: 'tx' },
      { id: 4, state: 'MG' },
      { id: 5, state: 'MG' },
      { id: 6, state: 'BA' },
      { id: 7, zip: '01001' },
      { id: 9, source: 'tx' },
    ]);
    await addOrders(ds, [
      // 1: two orders, three items, three payments, two reviews — nothing may be counted twice.
      {
        id: 'o1a', customerId: 1, purchasedAt: '2017-06-01T10:00:00Z', deliveredAt: '2017-06-05T12:00:00Z', estimatedAt: '2017-06-10T00:00:00Z',
        items: [{ price: 50, freight: 10, productId: 'p-toy' }, { price: 30, freight: 5, productId: 'p-book' }],
        payments: [{ value: 60, installments: 3 }, { value: 35, type: 'voucher', installments: 1 }],
        reviews: [{ score: 5, createdAt: '2017-06-06T00:00:00Z' }],
      },
      {
        id: 'o1b', customerId: 1, purchasedAt: '2017-09-01T10:00:00Z', deliveredAt: '2017-09-20T00:00:00Z', estimatedAt: '2017-09-15T00:00:00Z',
        items: [{ price: 100, freight: 20, productId: 'p-toy' }],
        payments: [{ value: 120, installments: 6 }],
        reviews: [{ score: 1, createdAt: '2017-09-21T00:00:00Z' }],
      },
      // 2: one purchase before as_of; a canceled one before and a purchase after as_of do not count.
      { id: 'o2a', customerId: 2, purchasedAt: '2017-03-10T12:00:00Z', payments: [{ value: 50 }] },
      { id: 'o2b', customerId: 2, status: 'canceled', purchasedAt: '2017-11-01T00:00:00Z', payments: [{ value: 999 }] },
      { id: 'o2c', customerId: 2, purchasedAt: '2018-02-01T00:00:00Z', payments: [{ value: 70 }] },
      // 3: a transaction log: lines only, two orders on one day, returns.
      { id: 't3a', customerId: 3, source: 'tx', status: 'completed', purchasedAt: '2017-05-05T09:00:00Z', lines: [{ amount: 40 }, { amount: 60 }] },
      { id: 't3b', customerId: 3, source: 'tx', status: 'completed', purchasedAt: '2017-05-05T17:00:00Z', lines: [{ amount: 25 }, { amount: -10, isReturn: true }] },
      { id: 't3c', customerId: 3, source: 'tx', status: 'completed', purchasedAt: '2017-08-01T00:00:00Z', lines: [{ amount: 30 }, { amount: -50, isReturn: true }] },
      // 9: a transaction-log purchase and a later credit note (an order of returns only).
      { id: 't9a', customerId: 9, source: 'tx', status: 'completed', purchasedAt: '2017-06-01T00:00:00Z', lines: [{ amount: 80 }] },
      { id: 't9b', customerId: 9, source: 'tx', status: 'completed', purchasedAt: '2017-07-01T00:00:00Z', lines: [{ amount: -30, isReturn: true }] },
      // 4: only canceled or unavailable orders; 5: only orders after as_of.
      { id: 'o4a', customerId: 4, status: 'canceled', purchasedAt: '2017-04-01T00:00:00Z', payments: [{ value: 10 }] },
      { id: 'o4b', customerId: 4, status: 'unavailable', purchasedAt: '2017-04-02T00:00:00Z', payments: [{ value: 10 }] },
      { id: 'o5a', customerId: 5, purchasedAt: '2018-04-10T15:00:00Z', payments: [{ value: 10 }] },
      { id: 'o5b', customerId: 5, status: 'canceled', purchasedAt: '2018-05-01T00:00:00Z', payments: [{ value: 10 }] },
      // 6: delivered and reviewed only after as_of.
      {
        id: 'o6a', customerId: 6, purchasedAt: '2017-12-20T00:00:00Z', deliveredAt: '2018-01-03T00:00:00Z', estimatedAt: '2017-12-28T00:00:00Z',
        payments: [{ value: 30, installments: 2 }], reviews: [{ score: 2, createdAt: '2018-01-04T00:00:00Z' }],
      },
      // 7: items but no payments (value = price + freight); category tie; an uncategorised product.
      {
        id: 'o7a', customerId: 7, purchasedAt: '2017-10-10T00:00:00Z',
        items: [{ price: 10, freight: 1, productId: 'p-book' }, { price: 20, freight: 2, productId: 'p-art' }, { price: 5, productId: 'p-none' }],
      },
    ]);
    const snap = await computeFeatures(ds, { asOf: AS_OF });
    snapshotId = snap.snapshotId;
    at = await rowsOf(ds, snapshotId);
    later = await rowsOf(ds, (await computeFeatures(ds, { asOf: LATER })).snapshotId);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('writes one ready snapshot with one row per customer with a purchase before as_of', async () => {
    const info = await getSnapshot(db.ds, snapshotId);
    expect(info.customers).toBe(6);
    expect(info.asOf.toISOString()).toBe(AS_OF.toISOString());
    expect([...at.keys()].sort()).toEqual([1, 2, 3, 6, 7, 9]);
    const [s] = await db.ds.query(`SELECT status, customers, duration_ms FROM feature_snapshot WHERE id = $1`, [snapshotId]);
    expect(s.status).toBe('ready');
    expect(s.duration_ms).toBeGreaterThanOrEqual(0);
    expect((await latestSnapshot(db.ds))?.snapshotId).toBe(snapshotId + 1);
  });

  it('does not inflate counts or sums when an order has several items, payments and reviews', () => {
    const c = at.get(1)!;
    expect(c.frequency).toBe(2);
    expect(c.purchase_days).toBe(2);
    expect(c.monetary).toBeCloseTo(215, 9); // 60 + 35 + 120: the payments
    expect(c.avg_order_value).toBeCloseTo(107.5, 9);
    expect(c.order_value_cv).toBeCloseTo(25 / Math.SQRT2 / 107.5, 9);
    expect(c.items_per_order).toBeCloseTo(1.5, 9);
    expect(c.distinct_categories).toBe(2);
    expect(c.top_category).toBe('toys');
    expect(c.avg_review_score).toBeCloseTo(3, 9);
    expect(c.low_review_share).toBeCloseTo(0.5, 9);
    expect(c.avg_delivery_delay_days).toBeCloseTo((-4.5 + 5) / 2, 9);
    expect(c.late_delivery_share).toBeCloseTo(0.5, 9);
    expect(c.mean_installments).toBeCloseTo(4.5, 9);
    expect(c.credit_card_share).toBeCloseTo(0.75, 9);
    expect(c.returns).toBe(0);
    expect(c.recency_days).toBeCloseTo(122 - 10 / 24, 9);
    expect(c.tenure_days).toBeCloseTo(214 - 10 / 24, 9);
    expect(c.mean_interpurchase_days).toBeCloseTo(92, 9);
    expect(c.repeat_monetary_mean).toBeCloseTo(120, 9);
    expect((c.first_purchase_at as Date).toISOString()).toBe('2017-06-01T10:00:00.000Z');
    expect((c.last_purchase_at as Date).toISOString()).toBe('2017-09-01T10:00:00.000Z');
  });

  it('counts only purchase orders before as_of and measures recency from as_of', () => {
    const c = at.get(2)!;
    expect(c.frequency).toBe(1);
    expect(c.monetary).toBeCloseTo(50, 9);
    expect(c.recency_days).toBeCloseTo(297 - 0.5, 9); // 2017-03-10 12:00 → 2018-01-01
    expect(c.recency_days).toBe(c.tenure_days);
    const l = later.get(2)!;
    expect(l.frequency).toBe(2); // the February order, still not the canceled one
    expect(l.monetary).toBeCloseTo(120, 9);
    expect(l.recency_days).toBeCloseTo(28, 9);
    expect(at.has(4)).toBe(false);
    expect(at.has(5)).toBe(false);
    expect(later.has(5)).toBe(false);
  });

  it('gives NULL, not 0, for facts a customer does not have', () => {
    const c = at.get(2)!;
    for (const col of ['order_value_cv', 'mean_interpurchase_days', 'repeat_monetary_mean', 'avg_review_score', 'low_review_share', 'avg_delivery_delay_days', 'late_delivery_share', 'items_per_order', 'distinct_categories', 'top_category']) {
      expect([col, c[col]]).toEqual([col, null]);
    }
    expect(c.mean_installments).toBeCloseTo(1, 9);
  });

  it('treats transaction-log customers by net amounts, with returns, and no items', () => {
    const c = at.get(3)!;
    expect(c.frequency).toBe(3);
    expect(c.purchase_days).toBe(2);
    expect(c.monetary).toBeCloseTo(100 + 15 - 20, 9);
    expect(c.avg_order_value).toBeCloseTo(95 / 3, 9);
    expect(c.repeat_monetary_mean).toBeCloseTo(-20, 9);
    expect(c.returns).toBe(2);
    for (const col of ['items_per_order', 'distinct_categories', 'top_category', 'mean_installments', 'credit_card_share', 'avg_review_score', 'avg_delivery_delay_days', 'state', 'lat', 'lng']) {
      expect([col, c[col]]).toEqual([col, null]);
    }
  });

  it('does not count an order of returns only as a purchase, but lets it reduce spend', () => {
    const c = at.get(9)!;
    expect(c.frequency).toBe(1);
    expect(c.purchase_days).toBe(1);
    expect(c.recency_days).toBeCloseTo((AS_OF.getTime() - Date.parse('2017-06-01T00:00:00Z')) / 86_400_000, 9);
    expect(c.monetary).toBeCloseTo(80 - 30, 9);
    expect(c.returns).toBe(1);
  });

  it('does not see deliveries or reviews that happen after as_of', () => {
    const c = at.get(6)!;
    expect(c.avg_delivery_delay_days).toBeNull();
    expect(c.late_delivery_share).toBeNull();
    expect(c.avg_review_score).toBeNull();
    const l = later.get(6)!;
    expect(l.avg_delivery_delay_days).toBeCloseTo(6, 9);
    expect(l.late_delivery_share).toBe(1);
    expect(l.avg_review_score).toBe(2);
    expect(l.low_review_share).toBe(1);
  });

  it('values orders without payments by their items and breaks category ties by name', () => {
    const c = at.get(7)!;
    expect(c.monetary).toBeCloseTo(38, 9);
    expect(c.mean_installments).toBeNull();
    expect(c.distinct_categories).toBe(2);
    expect(c.top_category).toBe('art');
    expect(c.items_per_order).toBe(3);
  });

  it('locates customers by zip geolocation, else by state centroid, else not at all', () => {
    expect([at.get(1)!.lat, at.get(1)!.lng, at.get(1)!.state]).toEqual([-23.55, -46.63, 'SP']);
    expect([at.get(7)!.lat, at.get(7)!.state]).toEqual([-23.55, 'SP']); // state from the zip's geolocation
    expect([at.get(2)!.lat, at.get(2)!.lng, at.get(2)!.state]).toEqual([-22.25, -42.66, 'RJ']);
    expect([at.get(6)!.lat, at.get(6)!.lng]).toEqual([-12.58, -41.7]);
    expect(at.get(3)!.lat).toBeNull();
  });

  it('computes the same rows on demand for a few customers', async () => {
    const rows = await featuresForCustomers(db.ds, [7, 4, 1, 3, 1], { asOf: AS_OF });
    expect(rows.map((r) => r.customerId)).toEqual([1, 3, 7]); // 4 has no purchase; duplicates once
    for (const r of rows) {
      const stored = at.get(r.customerId)!;
      for (const f of FEATURES) expect([f.name, r.features[f.name]]).toEqual([f.name, stored[f.column]]);
    }
  });

  it('defaults as_of to the day after the last purchase order', async () => {
    expect((await defaultAsOf(db.ds)).toISOString()).toBe('2018-04-11T00:00:00.000Z');
  });

  it('rejects an invalid as_of', async () => {
    await expect(computeFeatures(db.ds, { asOf: new Date('nope') })).rejects.toThrow(/asOf must be a valid Date/);
  });

  it('leaves nothing behind when the computation fails', async () => {
    const count = `SELECT (SELECT count(*) FROM feature_snapshot)::int AS snapshots,
                          (SELECT count(*) FROM pg_inherits WHERE inhparent = 'customer_features'::regclass)::int AS partitions`;
    const before = await db.ds.query(count);
    expect(before[0].partitions).toBe(before[0].snapshots);
    // Fails at the very end, after the rows are in and attached.
    await db.ds.query(`
      CREATE FUNCTION fail_ready() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
      CREATE TRIGGER fail_ready BEFORE UPDATE ON feature_snapshot FOR EACH ROW EXECUTE FUNCTION fail_ready();`);
    try {
      await expect(computeFeatures(db.ds, { asOf: AS_OF })).rejects.toThrow(/boom/);
    } finally {
      await db.ds.query(`DROP TRIGGER fail_ready ON feature_snapshot; DROP FUNCTION fail_ready();`);
    }
    expect(await db.ds.query(count)).toEqual(before);
  });

  it('deletes a snapshot with its rows', async () => {
    const { snapshotId: id } = await computeFeatures(db.ds, { asOf: AS_OF });
    expect(await db.ds.query(`SELECT count(*)::int AS n FROM customer_features WHERE snapshot_id = $1`, [id])).toEqual([{ n: 6 }]);
    await deleteSnapshot(db.ds, id);
    expect(await db.ds.query(`SELECT count(*)::int AS n FROM customer_features WHERE snapshot_id = $1`, [id])).toEqual([{ n: 0 }]);
    expect(await db.ds.query(`SELECT to_regclass($1) AS t`, [`customer_features_s${id}`])).toEqual([{ t: null }]);
    await expect(getSnapshot(db.ds, id)).rejects.toThrow(/does not exist/);
    await expect(deleteSnapshot(db.ds, id)).rejects.toThrow(/does not exist/);
  });

  it('has a catalogue that matches the table and the entity', async () => {
    const cols: { column_name: string; data_type: string; is_nullable: string }[] = await db.ds.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'customer_features' ORDER BY ordinal_position`,
    );
    const sqlType = { float: 'double precision', int: 'integer', timestamp: 'timestamp with time zone', text: 'text' };
    expect(cols.map((c) => c.column_name)).toEqual(['snapshot_id', 'customer_id', ...FEATURES.map((f) => f.column)]);
    for (const f of FEATURES) {
      const c = cols.find((x) => x.column_name === f.column)!;
      expect([f.column, c.data_type, c.is_nullable]).toEqual([f.column, sqlType[f.type], f.nullWhen === false ? 'NO' : 'YES']);
    }
    const meta = db.ds.getMetadata(CustomerFeatures);
    expect(meta.columns.map((c) => c.databaseName).sort()).toEqual(cols.map((c) => c.column_name).sort());
    for (const f of FEATURES) expect([f.name, meta.findColumnWithDatabaseName(f.column)?.propertyName]).toEqual([f.name, f.name]);
  });
});
