import type { DataSource } from 'typeorm';
import { withClient } from '../db/data-source';
import { badInput } from '../shared/errors';
import { featureDef, isNumeric, type FeatureDef } from './catalogue';
import { getSnapshot } from './features.service';

/** Rows of a snapshot as a dense matrix: row i is customer customerIds[i]; NULL features are NaN. */
export interface FeatureBatch {
  /** Catalogue names of the columns, in the order asked for. */
  columns: string[];
  rows: number;
  customerIds: Int32Array;
  /** Row-major, rows × columns.length. */
  values: Float64Array;
}

export interface ReadMatrixOptions {
  /** Rows per batch (default 10,000). */
  batchSize?: number;
  /** Called once per batch, in customer_id order; awaited before the next batch is read. */
  onBatch: (batch: FeatureBatch) => void | Promise<void>;
}

function resolveFeatures(featureNames: readonly string[]): FeatureDef[] {
  if (!Array.isArray(featureNames) || featureNames.length === 0) {
    throw badInput('featureNames must be a non-empty list of feature names', { argument: 'featureNames' });
  }
  const seen = new Set<string>();
  return featureNames.map((n, i) => {
    let f: FeatureDef;
    try {
      f = featureDef(n);
    } catch (e) {
      throw badInput(`featureNames[${i}]: ${(e as Error).message}`, { argument: 'featureNames', index: i });
    }
    if (!isNumeric(f)) {
      throw badInput(`featureNames[${i}]: feature "${f.name}" is ${f.type}, not numeric, and cannot enter a matrix`, { argument: 'featureNames', index: i });
    }
    if (seen.has(f.column)) throw badInput(`featureNames[${i}]: feature "${f.name}" is listed twice`, { argument: 'featureNames', index: i });
    seen.add(f.column);
    return f;
  });
}

const selectList = (defs: FeatureDef[]) => defs.map((f) => `${f.column}::float8`).join(', ');

function toBatch(defs: FeatureDef[], rows: unknown[][]): FeatureBatch {
  const d = defs.length;
  const customerIds = new Int32Array(rows.length);
  const values = new Float64Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    customerIds[i] = r[0] as number;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = r[j + 1] as number | null;
      values[o + j] = v === null ? NaN : v;
    }
  }
  return { columns: defs.map((f) => f.name), rows: rows.length, customerIds, values };
}

/**
 * Streams a snapshot's features in customer_id order, `batchSize` rows at a time, by keyset pagination on the
 * primary key (snapshot_id, customer_id): each batch is one short index range scan, so a million rows never
 * sit in memory at once and no transaction stays open between batches. Returns the number of rows read.
 */
export async function readFeatureMatrix(
  ds: DataSource,
  snapshotId: number,
  featureNames: readonly string[],
  opts: ReadMatrixOptions,
): Promise<{ rows: number; batches: number }> {
  const defs = resolveFeatures(featureNames);
  const batchSize = opts.batchSize ?? 10_000;
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    throw badInput(`batchSize must be a positive integer, got ${String(batchSize)}`, { argument: 'batchSize' });
  }
  if (typeof opts.onBatch !== 'function') throw badInput('onBatch must be a function', { argument: 'onBatch' });
  await getSnapshot(ds, snapshotId);
  const text = `SELECT customer_id, ${selectList(defs)} FROM customer_features
                 WHERE snapshot_id = $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3`;
  let after = -2147483648;
  let rows = 0;
  let batches = 0;
  for (;;) {
    const page = await withClient(ds, (c) => c.query<unknown[]>({ text, values: [snapshotId, after, batchSize], rowMode: 'array' }));
    if (page.rows.length === 0) break;
    const batch = toBatch(defs, page.rows);
    rows += batch.rows;
    batches++;
    after = batch.customerIds[batch.rows - 1];
    await opts.onBatch(batch);
    if (page.rows.length < batchSize) break;
  }
  return { rows, batches };
}

/**
 * A deterministic pseudo-random sample of `n` rows of a snapshot (all rows when it has fewer): customers are
 * ordered by md5(customer_id:seed), so the same seed picks the same customers and different seeds pick
 * independent-looking samples. Rows come back in customer_id order.
 */
export async function sampleFeatureMatrix(
  ds: DataSource,
  snapshotId: number,
  featureNames: readonly string[],
  n: number,
  seed: number,
): Promise<FeatureBatch> {
  const defs = resolveFeatures(featureNames);
  if (!Number.isSafeInteger(n) || n <= 0) throw badInput(`n must be a positive integer, got ${String(n)}`, { argument: 'n' });
  if (!Number.isSafeInteger(seed)) throw badInput(`seed must be an integer, got ${String(seed)}`, { argument: 'seed' });
  await getSnapshot(ds, snapshotId);
  const text = `SELECT * FROM (
                  SELECT customer_id, ${selectList(defs)} FROM customer_features
                   WHERE snapshot_id = $1
                   ORDER BY md5(customer_id::text || ':' || $2::text), customer_id
                   LIMIT $3) s
                ORDER BY customer_id`;
  const res = await withClient(ds, (c) => c.query<unknown[]>({ text, values: [snapshotId, String(seed), n], rowMode: 'array' }));
  return toBatch(defs, res.rows);
}
