import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/data-source';
import { badInput, notFound } from '../shared/errors';
import { noProgress, type ProgressFn } from '../shared/progress';
import { FEATURES } from './catalogue';
import { featureInsertSql, FEATURE_ROWS_FOR_CUSTOMERS_SQL } from './features.sql';

export interface ComputeFeaturesOptions {
  /** Reference date: only facts strictly before it count. Default: defaultAsOf(ds). */
  asOf?: Date;
  onProgress?: ProgressFn;
}

export interface SnapshotInfo {
  snapshotId: number;
  asOf: Date;
  customers: number;
  durationMs: number;
}

/**
 * Settings for the one big statement only (SET LOCAL ends with the transaction). More work_mem keeps the
 * category pass's sorts and the joins' hash tables in memory at a million customers; JIT compilation costs
 * more than it saves on a statement that runs once.
 */
export const STATEMENT_SETTINGS = [`SET LOCAL work_mem = '256MB'`, `SET LOCAL jit = off`];

/** Columns of a snapshot that appear in joins, filters and sort keys (customer list, exports, analytics). */
const ANALYZED_COLUMNS = ['snapshot_id', 'customer_id', 'recency_days', 'frequency', 'monetary', 'last_purchase_at', 'state'];

/**
 * The day after the last purchase order's (UTC) purchase date, at 00:00 UTC: the natural "now" of a
 * warehouse loaded from history, so that every purchase counts and recency is measured from the next day.
 */
export async function defaultAsOf(ds: DataSource): Promise<Date> {
  const [row] = await ds.query(
    `SELECT ((date_trunc('day', max(purchased_at) AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC') AS as_of
       FROM order_fact WHERE is_purchase`,
  );
  if (!row?.as_of) throw notFound('the warehouse has no purchase orders: load data before computing features');
  return new Date(row.as_of);
}

function checkAsOf(asOf: unknown): Date {
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
    throw badInput(`asOf must be a valid Date, got ${String(asOf)}`, { argument: 'asOf' });
  }
  return asOf;
}

/** The partition of `customer_features` that holds one snapshot. */
export const snapshotPartition = (snapshotId: number) => `customer_features_s${snapshotId}`;

/**
 * Computes every customer's features at `asOf` into a new snapshot, in one transaction: the snapshot row and
 * its feature rows appear together (status 'ready') or not at all. Customers without a purchase before
 * `asOf` get no row. Returns the snapshot's id and size.
 *
 * The rows go into a fresh table by one INSERT … SELECT, which is then attached as the snapshot's partition:
 * PostgreSQL builds its indexes in bulk and checks its foreign keys with one query each, instead of per row.
 */
export async function computeFeatures(ds: DataSource, opts: ComputeFeaturesOptions = {}): Promise<SnapshotInfo> {
  const progress = opts.onProgress ?? noProgress;
  const asOf = opts.asOf === undefined ? await defaultAsOf(ds) : checkAsOf(opts.asOf);
  const total = 4;
  progress({ step: 'features', done: 0, total });
  const result = await withTransaction(ds, async (client) => {
    for (const s of STATEMENT_SETTINGS) await client.query(s);
    // Attaching checks the foreign key to feature_snapshot under this lock mode; taking it first makes
    // concurrent computations wait for each other instead of deadlocking on the upgrade.
    await client.query('LOCK TABLE feature_snapshot IN SHARE ROW EXCLUSIVE MODE');
    const {
      rows: [{ id }],
    } = await client.query<{ id: number }>(`INSERT INTO feature_snapshot (as_of, status) VALUES ($1, 'computing') RETURNING id`, [asOf]);
    const part = snapshotPartition(id);
    progress({ step: 'features', done: 1, total });
    const t0 = process.hrtime.bigint();
    // The CHECK lets ATTACH skip scanning the table to prove the partition bound.
    await client.query(`CREATE TABLE ${part} (LIKE customer_features INCLUDING DEFAULTS, CHECK (snapshot_id = ${id}))`);
    const inserted = await client.query(featureInsertSql(part), [id, asOf]);
    progress({ step: 'features', done: 2, total });
    await client.query(`ALTER TABLE customer_features ATTACH PARTITION ${part} FOR VALUES IN (${id})`);
    const durationMs = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
    const customers = inserted.rowCount ?? 0;
    await client.query(`UPDATE feature_snapshot SET status = 'ready', customers = $2, duration_ms = $3 WHERE id = $1`, [id, customers, durationMs]);
    progress({ step: 'features', done: 3, total });
    return { snapshotId: id, asOf, customers, durationMs };
  });
  // Fresh statistics for the columns that queries join, filter and sort the snapshot by (the other columns are
  // only ever read out); autovacuum or the train pipeline's parent ANALYZE covers the rest later.
  await ds.query(`ANALYZE ${snapshotPartition(result.snapshotId)} (${ANALYZED_COLUMNS.join(', ')})`);
  progress({ step: 'features', done: 4, total });
  return result;
}

/** Deletes a snapshot and its rows (dropping its partition is instant, unlike deleting a million rows). */
export async function deleteSnapshot(ds: DataSource, snapshotId: number): Promise<void> {
  if (!Number.isSafeInteger(snapshotId) || snapshotId <= 0) {
    throw badInput(`snapshotId must be a positive integer, got ${String(snapshotId)}`, { argument: 'snapshotId' });
  }
  await withTransaction(ds, async (client) => {
    await client.query(`DROP TABLE IF EXISTS ${snapshotPartition(snapshotId)}`);
    const res = await client.query(`DELETE FROM feature_snapshot WHERE id = $1`, [snapshotId]);
    if (!res.rowCount) throw notFound(`feature snapshot ${snapshotId} does not exist`, { snapshotId });
  });
}

interface SnapshotRow {
  id: number;
  as_of: Date;
  customers: number | null;
  duration_ms: number | null;
  status: string;
}

const toInfo = (r: SnapshotRow): SnapshotInfo => ({ snapshotId: r.id, asOf: r.as_of, customers: r.customers ?? 0, durationMs: r.duration_ms ?? 0 });

/** A ready snapshot by id; NOT_FOUND when missing or not ready. */
export async function getSnapshot(ds: DataSource, snapshotId: number): Promise<SnapshotInfo> {
  if (!Number.isSafeInteger(snapshotId) || snapshotId <= 0) {
    throw badInput(`snapshotId must be a positive integer, got ${String(snapshotId)}`, { argument: 'snapshotId' });
  }
  const [row]: SnapshotRow[] = await ds.query(`SELECT id, as_of, customers, duration_ms, status FROM feature_snapshot WHERE id = $1`, [snapshotId]);
  if (!row) throw notFound(`feature snapshot ${snapshotId} does not exist`, { snapshotId });
  if (row.status !== 'ready') throw notFound(`feature snapshot ${snapshotId} is ${row.status}, not ready`, { snapshotId });
  return toInfo(row);
}

/** The most recently created ready snapshot, or null. */
export async function latestSnapshot(ds: DataSource): Promise<SnapshotInfo | null> {
  const [row]: SnapshotRow[] = await ds.query(
    `SELECT id, as_of, customers, duration_ms, status FROM feature_snapshot WHERE status = 'ready' ORDER BY id DESC LIMIT 1`,
  );
  return row ? toInfo(row) : null;
}

/** One customer's features computed on demand: catalogue names → values (NULL features are null). */
export interface CustomerFeatureRow {
  customerId: number;
  asOf: Date;
  features: Record<string, number | string | Date | null>;
}

/** Customers computed per call at most (the statement is meant for a request's worth of customers). */
export const MAX_ON_DEMAND_CUSTOMERS = 5000;

/**
 * The features of `customerIds` at `asOf` (default: defaultAsOf) by the very statement that fills snapshots,
 * restricted to those customers and returned instead of stored. Customers without a purchase before as_of
 * are absent from the result. Rows come back in customer_id order.
 */
export async function featuresForCustomers(ds: DataSource, customerIds: readonly number[], opts: { asOf?: Date } = {}): Promise<CustomerFeatureRow[]> {
  if (!Array.isArray(customerIds)) throw badInput('customerIds must be an array of customer ids', { argument: 'customerIds' });
  if (customerIds.length > MAX_ON_DEMAND_CUSTOMERS) {
    throw badInput(`at most ${MAX_ON_DEMAND_CUSTOMERS} customers per call, got ${customerIds.length}`, { argument: 'customerIds' });
  }
  customerIds.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2147483647) throw badInput(`customerIds[${i}] is ${String(id)}, expected a positive integer`, { argument: 'customerIds', index: i });
  });
  if (customerIds.length === 0) return [];
  const asOf = opts.asOf === undefined ? await defaultAsOf(ds) : checkAsOf(opts.asOf);
  const rows: Record<string, unknown>[] = await ds.query(FEATURE_ROWS_FOR_CUSTOMERS_SQL, [[...new Set(customerIds)], asOf]);
  return rows
    .map((r) => ({
      customerId: r.customer_id as number,
      asOf,
      features: Object.fromEntries(FEATURES.map((f) => [f.name, (r[f.column] ?? null) as number | string | Date | null])),
    }))
    .sort((a, b) => a.customerId - b.customerId);
}
