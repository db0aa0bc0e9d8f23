import type { DataSource } from 'typeorm';
import { SeededRandom } from '../../src/shared/random';
import { computeFeatures } from '../../src/features/features.service';
import { refreshOrderFactsFor } from '../../src/warehouse/order-fact.service';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * Small warehouse rows written with plain INSERTs, for feature, RFM and ABC/XYZ tests. Timestamps are ISO
 * strings (UTC). Every helper takes explicit ids so tests can name the customers they assert on.
 */

export interface CustomerSpec {
  id: number;
  zip?: string | null;
  state?: string | null;
  source?: string;
}

export interface OrderSpec {
  id: string;
  customerId: number;
  status?: string;
  purchasedAt: string;
  deliveredAt?: string | null;
  estimatedAt?: string | null;
  source?: string;
  items?: { price: number; freight?: number; productId?: string | null }[];
  payments?: { value: number; type?: string; installments?: number }[];
  reviews?: { score: number; createdAt?: string | null }[];
  lines?: { amount: number; isReturn?: boolean }[];
}

/** One multi-row parameterised INSERT per 500 rows. */
export async function insertRows(ds: DataSource, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(', ')})`);
    await ds.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

export async function addCustomers(ds: DataSource, customers: CustomerSpec[]): Promise<void> {
  await insertRows(
    ds,
    'customer',
    ['id', 'customer_unique_id', 'zip_prefix', 'state', 'source'],
    customers.map((c) => [c.id, `person-${c.id}`, c.zip ?? null, c.state ?? null, c.source ?? 'olist']),
  );
}

export async function addProducts(ds: DataSource, products: { id: string; category: string | null }[]): Promise<void> {
  const cats = [...new Set(products.map((p) => p.category).filter((c): c is string => c !== null))];
  if (cats.length) {
    await insertRows(ds, 'product_category', ['name'], cats.map((c) => [c]));
  }
  await insertRows(ds, 'product', ['id', 'category_name'], products.map((p) => [p.id, p.category]));
}

export async function addGeolocation(ds: DataSource, rows: { zip: string; lat: number; lng: number; state?: string }[]): Promise<void> {
  await insertRows(ds, 'geolocation', ['zip_prefix', 'lat', 'lng', 'state'], rows.map((g) => [g.zip, g.lat, g.lng, g.state ?? null]));
}

export async function addOrders(ds: DataSource, orders: OrderSpec[]): Promise<void> {
  await insertRows(
    ds,
    'orders',
    ['id', 'customer_id', 'status', 'purchased_at', 'delivered_customer_at', 'estimated_delivery_at', 'source'],
    orders.map((o) => [o.id, o.customerId, o.status ?? 'delivered', o.purchasedAt, o.deliveredAt ?? null, o.estimatedAt ?? null, o.source ?? 'olist']),
  );
  await insertRows(
    ds,
    'order_item',
    ['order_id', 'item_seq', 'product_id', 'price', 'freight'],
    orders.flatMap((o) => (o.items ?? []).map((it, i) => [o.id, i + 1, it.productId ?? null, it.price, it.freight ?? 0])),
  );
  await insertRows(
    ds,
    'order_payment',
    ['order_id', 'payment_seq', 'type', 'installments', 'value'],
    orders.flatMap((o) => (o.payments ?? []).map((p, i) => [o.id, i + 1, p.type ?? 'credit_card', p.installments ?? 1, p.value])),
  );
  await insertRows(
    ds,
    'order_review',
    ['review_id', 'order_id', 'score', 'created_at'],
    orders.flatMap((o) => (o.reviews ?? []).map((r, i) => [`${o.id}-r${i + 1}`, o.id, r.score, r.createdAt === undefined ? o.purchasedAt : r.createdAt])),
  );
  await insertRows(
    ds,
    'transaction_line',
    ['order_id', 'line_no', 'amount', 'is_return'],
    orders.flatMap((o) => (o.lines ?? []).map((l, i) => [o.id, i + 1, l.amount, l.isReturn ?? false])),
  );
  // As a loader does: the orders' per-order facts.
  await refreshOrderFactsFor(ds, orders.map((o) => o.id));
}

/**
 * A reproducible population of `n` customers with the shapes that matter to RFM and ABC/XYZ: most buy once
 * (a dominant frequency floor), purchase days and order values drawn from small sets (ties in recency and
 * monetary), a few transaction-log customers with returns (net-negative or zero monetary), a few orders with
 * no value at all (NULL monetary), canceled orders and orders after `asOf`.
 */
export function generatePopulation(n: number, seed: number, asOf: Date): { customers: CustomerSpec[]; orders: OrderSpec[] } {
  const rnd = new SeededRandom(seed);
  const customers: CustomerSpec[] = [];
  const orders: OrderSpec[] = [];
  const values = [10, 19.9, 25, 25, 40, 55.5, 80, 120, 250];
  const day = (d: number) => new Date(asOf.getTime() - d * 86400000).toISOString();
  let oid = 0;
  for (let c = 1; c <= n; c++) {
    const txLog = rnd.next() < 0.08;
    customers.push({ id: c, state: 'SP', source: txLog ? 'tx' : 'olist' });
    const u = rnd.next();
    const k = u < 0.6 ? 1 : u < 0.8 ? 2 : u < 0.9 ? 3 : 2 + rnd.int(8);
    for (let j = 0; j < k; j++) {
      const id = `g${++oid}`;
      // Whole days (many ties) or whole days plus a few hours.
      const at = day(1 + rnd.int(400) + (rnd.next() < 0.3 ? 0.25 : 0));
      if (txLog) {
        const lines = [{ amount: values[rnd.int(values.length)] }];
        if (rnd.next() < 0.4) lines.push({ amount: -values[rnd.int(values.length)], isReturn: true } as { amount: number; isReturn: boolean });
        orders.push({ id, customerId: c, purchasedAt: at, source: 'tx', status: 'completed', lines });
      } else if (rnd.next() < 0.02) {
        orders.push({ id, customerId: c, purchasedAt: at }); // no payments, items or lines: no value
      } else {
        const v = values[rnd.int(values.length)];
        orders.push({ id, customerId: c, purchasedAt: at, payments: rnd.next() < 0.2 ? [{ value: v / 2 }, { value: v / 2, type: 'voucher' }] : [{ value: v }] });
      }
    }
    if (rnd.next() < 0.1) orders.push({ id: `g${++oid}`, customerId: c, status: 'canceled', purchasedAt: day(5), payments: [{ value: 999 }] });
    if (rnd.next() < 0.1) orders.push({ id: `g${++oid}`, customerId: c, purchasedAt: day(-3), payments: [{ value: 777 }] });
  }
  return { customers, orders };
}

/** A fresh database holding a generated population of `n` customers and its feature snapshot at `asOf`. */
export async function generatedSnapshot(n: number, seed: number, asOf: Date): Promise<{ db: TestDb; snapshotId: number }> {
  const db = await createTestDb();
  const { customers, orders } = generatePopulation(n, seed, asOf);
  await addCustomers(db.ds, customers);
  await addOrders(db.ds, orders);
  const { snapshotId } = await computeFeatures(db.ds, { asOf });
  return { db, snapshotId };
}
