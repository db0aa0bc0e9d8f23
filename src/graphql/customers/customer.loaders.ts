import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { LoaderFactories } from '../context';
import type { Connection } from '../common/connection';
import { encodeCursor } from '../common/cursor';
import type { CustomerFeatures } from './customer-features.type';
import { sqlCustomerKey } from '../../warehouse/customer-key';
import { notFound } from '../../shared/errors';
import {
  CLUSTER_PROFILE_JOIN,
  CUSTOMER_COLUMNS,
  SEGMENT_COLUMNS,
  featureColumns,
  featuresFromRow,
  modelSql,
  segmentFromRow,
  type SegmentRow,
} from './customer.sql';
import { Order, type OrderItem, type OrderPayment, type OrderReview } from './order.type';
import { Customer } from './customer.type';

/**
 * Per-request DataLoaders of the customers domain: one SQL statement per batch, whatever the batch size, so a
 * page of customers with their features, model rows and orders costs a constant number of statements.
 * Keys are strings ("<modelId>:<customerDbId>", …) so that equal keys share one cache entry.
 */

/** A page of a customer's orders, newest first. */
export interface OrderPageKey {
  customerDbId: number;
  limit: number;
  /** The decoded `after` cursor: (purchased_at as PostgreSQL text, order id). */
  after: { purchasedAt: string; id: string } | null;
}

declare module '../context' {
  interface Loaders {
    /** key: customerLookupKey(rawId, modelId) */
    customerByPublicId: DataLoader<string, Customer | null>;
    /** key "<modelId>:<customerDbId>" */
    customerSegmentRow: DataLoader<string, SegmentRow | null>;
    /** key "<snapshotId>:<customerDbId>" */
    customerFeatureRow: DataLoader<string, CustomerFeatures | null>;
    /** key: orderPageKey(…) */
    customerOrderPage: DataLoader<string, Connection<Order> & { totalCount: number }>;
    orderItemsByOrder: DataLoader<string, OrderItem[]>;
    orderPaymentsByOrder: DataLoader<string, OrderPayment[]>;
    orderReviewByOrder: DataLoader<string, OrderReview | null>;
  }
}

export const ORDER_SORT = 'purchasedAt:DESC';

export const customerLookupKey = (rawId: string, modelId: number | null) => JSON.stringify([rawId, modelId]);

export const orderPageKey = (k: OrderPageKey) => JSON.stringify([k.customerDbId, k.limit, k.after?.purchasedAt ?? null, k.after?.id ?? null]);

function splitPairs(keys: readonly string[]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (const k of keys) {
    const i = k.indexOf(':');
    a.push(Number(k.slice(0, i)));
    b.push(Number(k.slice(i + 1)));
  }
  return [a, b];
}

function segmentLoader(ds: DataSource) {
  return new DataLoader<string, SegmentRow | null>(async (keys) => {
    const [models, customers] = splitPairs(keys);
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT cs.model_version_id || ':' || cs.customer_id AS key, ${SEGMENT_COLUMNS}
         FROM unnest($1::int[], $2::int[]) AS k(model_id, customer_id)
         JOIN customer_segment cs ON cs.model_version_id = k.model_id AND cs.customer_id = k.customer_id
         ${CLUSTER_PROFILE_JOIN}`,
      [models, customers],
    );
    const byKey = new Map(rows.map((r) => [r.key as string, segmentFromRow(r)]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

function featuresLoader(ds: DataSource) {
  return new DataLoader<string, CustomerFeatures | null>(async (keys) => {
    const [snapshots, customers] = splitPairs(keys);
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT f.snapshot_id || ':' || f.customer_id AS key, ${featureColumns(null, 'fs.as_of')}
         FROM unnest($1::int[], $2::int[]) AS k(snapshot_id, customer_id)
         JOIN customer_features f ON f.snapshot_id = k.snapshot_id AND f.customer_id = k.customer_id
         JOIN feature_snapshot fs ON fs.id = f.snapshot_id`,
      [snapshots, customers],
    );
    const byKey = new Map(rows.map((r) => [r.key as string, featuresFromRow(r)]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

interface OrderRow extends Order {
  k: number;
  total: number;
  cursorAt: string | null;
}

/**
 * Pages of several customers' orders in one statement: a LATERAL page per key (each with its own limit and
 * cursor) and its count. Order values come from order_fact by its key.
 */
function orderPageLoader(ds: DataSource) {
  return new DataLoader<string, Connection<Order> & { totalCount: number }>(async (rawKeys) => {
    const keys = rawKeys.map((k) => JSON.parse(k) as [number, number, string | null, string | null]);
    const rows: OrderRow[] = await ds.query(
      `SELECT k.k::int AS k, t.total, o.id, o.status, o.purchased_at AS "purchasedAt", o.purchased_at::text AS "cursorAt",
              o.approved_at AS "approvedAt", o.delivered_carrier_at AS "deliveredCarrierAt",
              o.delivered_customer_at AS "deliveredCustomerAt", o.estimated_delivery_at AS "estimatedDeliveryAt",
              v.value::float8 AS value
         FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS k(customer_id, lim, after_at, after_id, k)
         CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM orders WHERE customer_id = k.customer_id) t
         LEFT JOIN LATERAL (
              SELECT * FROM orders o
               WHERE o.customer_id = k.customer_id
                 AND (k.after_at IS NULL OR (o.purchased_at, o.id) < (k.after_at, k.after_id))
               ORDER BY o.purchased_at DESC, o.id DESC
               LIMIT k.lim + 1) o ON true
         LEFT JOIN order_fact v ON v.order_id = o.id
        ORDER BY k.k, o.purchased_at DESC, o.id DESC`,
      [keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2]), keys.map((k) => k[3])],
    );
    const pages = keys.map(() => ({ orders: [] as OrderRow[], total: 0 }));
    for (const r of rows) {
      const page = pages[r.k - 1];
      page.total = r.total;
      if (r.id !== null) page.orders.push(r);
    }
    return keys.map(([, limit, afterAt], i) => {
      const { orders, total } = pages[i];
      // Order instances: field resolvers (items, payments, review) then take them without copying.
      const nodes: Order[] = orders.slice(0, limit).map(({ k: _k, total: _t, cursorAt: _c, ...order }) => Object.assign(new Order(), order));
      const edges = nodes.map((node, j) => ({ node, cursor: encodeCursor({ key: orders[j].cursorAt, id: node.id, sort: ORDER_SORT }) }));
      return {
        edges,
        nodes,
        totalCount: total,
        pageInfo: {
          hasNextPage: orders.length > limit,
          hasPreviousPage: afterAt !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    });
  });
}

function groupBy<T extends { orderId: string }>(keys: readonly string[], rows: T[]): T[][] {
  const by = new Map<string, T[]>();
  for (const r of rows) {
    const list = by.get(r.orderId);
    if (list) list.push(r);
    else by.set(r.orderId, [r]);
  }
  return keys.map((k) => by.get(k) ?? []);
}

function itemsLoader(ds: DataSource) {
  return new DataLoader<string, OrderItem[]>(async (keys) => {
    const rows: (OrderItem & { orderId: string })[] = await ds.query(
      `SELECT oi.order_id AS "orderId", oi.item_seq::int AS seq, oi.product_id AS "productId", p.category_name AS category,
              pc.name_en AS "categoryEn", oi.seller_id AS "sellerId", oi.price::float8 AS price, oi.freight::float8 AS freight
         FROM order_item oi
         LEFT JOIN product p ON p.id = oi.product_id
         LEFT JOIN product_category pc ON pc.name = p.category_name
        WHERE oi.order_id = ANY($1::text[])
        ORDER BY oi.order_id, oi.item_seq`,
      [keys],
    );
    return groupBy(keys, rows);
  });
}

function paymentsLoader(ds: DataSource) {
  return new DataLoader<string, OrderPayment[]>(async (keys) => {
    const rows: (OrderPayment & { orderId: string })[] = await ds.query(
      `SELECT order_id AS "orderId", payment_seq::int AS seq, type, installments::int AS installments, value::float8 AS value
         FROM order_payment WHERE order_id = ANY($1::text[])
        ORDER BY order_id, payment_seq`,
      [keys],
    );
    return groupBy(keys, rows);
  });
}

/** An order's review; when an order has several, the latest. */
function reviewLoader(ds: DataSource) {
  return new DataLoader<string, OrderReview | null>(async (keys) => {
    const rows: (OrderReview & { orderId: string })[] = await ds.query(
      `SELECT DISTINCT ON (order_id) order_id AS "orderId", score::int AS score, created_at AS "createdAt", answered_at AS "answeredAt"
         FROM order_review WHERE order_id = ANY($1::text[])
        ORDER BY order_id, created_at DESC NULLS LAST, review_id DESC`,
      [keys],
    );
    const by = new Map(rows.map(({ orderId, ...review }) => [orderId, review]));
    return keys.map((k) => by.get(k) ?? null);
  });
}

/** The batch behind customerByPublicId: one statement per model asked for (normally one). */
async function lookupCustomers(ds: DataSource, keys: readonly string[]): Promise<(Customer | null | Error)[]> {
  const parsed = keys.map((k) => JSON.parse(k) as [string, number | null]);
  const out: (Customer | null | Error)[] = keys.map(() => null);
  const byModel = new Map<number | null, number[]>();
  parsed.forEach(([, m], i) => byModel.set(m, [...(byModel.get(m) ?? []), i]));
  for (const [modelId, idx] of byModel) {
    const params: unknown[] = [idx.map((i) => parsed[i][0])];
    const model = modelSql(modelId, params);
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT k.i::int AS "k_i", x.*
         FROM unnest($1::text[]) WITH ORDINALITY AS k(raw, i)
         CROSS JOIN LATERAL (
              SELECT ${CUSTOMER_COLUMNS}, ${SEGMENT_COLUMNS}, ${featureColumns(null, model.asOf)},
                     ${model.id} AS "m_id", ${model.snapshot} AS "m_snapshot"
                FROM customer c
                LEFT JOIN customer_segment cs ON cs.model_version_id = ${model.id} AND cs.customer_id = c.id
                LEFT JOIN customer_features f ON f.snapshot_id = ${model.snapshot} AND f.customer_id = c.id
                ${CLUSTER_PROFILE_JOIN}
               WHERE c.customer_unique_id IN (k.raw, ${sqlCustomerKey('btrim(k.raw)')})
               ORDER BY (c.customer_unique_id = k.raw) DESC
               LIMIT 1) x`,
      params,
    );
    if (modelId !== null && (rows.length === 0 || rows[0].m_id === null)) {
      const missing = await ds.query(`SELECT 1 FROM model_version WHERE id = $1`, [modelId]);
      if (!missing.length) {
        const e = notFound(`model version ${modelId} does not exist`, { argument: 'modelId', id: modelId });
        for (const i of idx) out[i] = e;
        continue;
      }
    }
    for (const row of rows) {
      const i = idx[(row.k_i as number) - 1];
      const modelOf = (row.m_id as number | null) ?? null;
      const snapshotOf = modelOf === null ? null : ((row.m_snapshot as number | null) ?? null);
      out[i] = Customer.fromRow(row, modelOf, snapshotOf);
    }
  }
  return out;
}

/** The customers domain's DataLoaders, listed in src/graphql/loaders.ts. */
export const customerLoaders = {
  customerByPublicId: (ds: DataSource) => new DataLoader<string, Customer | null>((keys) => lookupCustomers(ds, keys)),
  customerSegmentRow: segmentLoader,
  customerFeatureRow: featuresLoader,
  customerOrderPage: orderPageLoader,
  orderItemsByOrder: itemsLoader,
  orderPaymentsByOrder: paymentsLoader,
  orderReviewByOrder: reviewLoader,
} satisfies LoaderFactories;
