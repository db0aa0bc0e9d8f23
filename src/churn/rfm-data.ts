import { badInput } from '../shared/errors';

/**
 * Per-customer purchase history in the form the BG/NBD family consumes (Fader, Hardie & Lee 2005):
 * - x: repeat purchases in the calibration period (distinct purchase days − 1), a non-negative integer;
 * - tx: time of the last purchase, measured from the first one (0 when x = 0);
 * - T: time from the first purchase to the end of the calibration period (> 0).
 * Times are in the caller's unit (weeks in rfmSummary() by default); the fitted α is in that unit too.
 * `weights` (optional) counts the customers sharing each row, for input already grouped by (x, tx, T).
 */
export interface RfmInput {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  weights?: ArrayLike<number>;
}

/** Time unit of tx, T, t and α. */
export type TimeUnit = 'week' | 'day';
export const TIME_UNITS: readonly TimeUnit[] = ['week', 'day'];

const fmt = (v: number): string => String(v);

/**
 * Checks one customer's (x, tx, T); `where` prefixes the message (e.g. "row 17"). Throws a BAD_USER_INPUT
 * DomainError naming the field, e.g. "row 17: t_x (40) > T (39)".
 */
export function checkCustomer(x: number, tx: number, T: number, where = 'customer'): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw badInput(`${where}: x (${fmt(x)}) is not a finite number`, { field: 'x' });
  if (typeof tx !== 'number' || !Number.isFinite(tx)) throw badInput(`${where}: t_x (${fmt(tx)}) is not a finite number`, { field: 't_x' });
  if (typeof T !== 'number' || !Number.isFinite(T)) throw badInput(`${where}: T (${fmt(T)}) is not a finite number`, { field: 'T' });
  if (x < 0 || !Number.isInteger(x)) throw badInput(`${where}: x (${fmt(x)}) must be a non-negative integer (repeat purchase count)`, { field: 'x' });
  if (tx < 0) throw badInput(`${where}: t_x (${fmt(tx)}) < 0`, { field: 't_x' });
  if (!(T > 0)) throw badInput(`${where}: T (${fmt(T)}) must be > 0`, { field: 'T' });
  if (tx > T) throw badInput(`${where}: t_x (${fmt(tx)}) > T (${fmt(T)})`, { field: 't_x' });
  if (x === 0 && tx !== 0) throw badInput(`${where}: t_x (${fmt(tx)}) must be 0 when x = 0`, { field: 't_x' });
}

function lengthOf(data: Record<string, unknown>, field: string): number {
  const v = data[field] as ArrayLike<number> | undefined;
  if (v == null || typeof v !== 'object' || typeof v.length !== 'number') throw badInput(`${field} must be an array of numbers`, { field });
  return v.length;
}

/** Checks lengths and every row (rows are 0-based indices of the input arrays); returns the row count. */
export function validateRfm(data: RfmInput): number {
  if (data == null || typeof data !== 'object') throw badInput('data must be an object with x, tx and T arrays');
  const rec = data as unknown as Record<string, unknown>;
  const n = lengthOf(rec, 'x');
  for (const f of ['tx', 'T'] as const) {
    const m = lengthOf(rec, f);
    if (m !== n) throw badInput(`x has ${n} rows but ${f} has ${m}`, { field: f });
  }
  if (n === 0) throw badInput('no customers to fit', { field: 'x' });
  const { x, tx, T, weights } = data;
  if (weights != null) {
    const m = lengthOf(rec, 'weights');
    if (m !== n) throw badInput(`x has ${n} rows but weights has ${m}`, { field: 'weights' });
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    checkCustomer(x[i], tx[i], T[i], `row ${i}`);
    if (weights != null) {
      const w = weights[i];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw badInput(`row ${i}: weight (${fmt(w)}) must be a finite number ≥ 0`, { field: 'weights' });
      total += w;
    }
  }
  if (weights != null && !(total > 0)) throw badInput('weights sum to 0', { field: 'weights' });
  return n;
}

/**
 * Distinct (x, tx, T) rows with their total weight, plus index tables into the distinct values of each column, so
 * a likelihood evaluation computes each log(α + T), lgamma(r + x)… once per distinct value instead of per
 * customer. On a million customers most rows collapse (every one-time buyer of a given age is the same row).
 */
export interface AggregatedRfm {
  /** Number of distinct rows. */
  rows: number;
  /** Sum of weights (customers). */
  totalWeight: number;
  /** Per row: index into xs / txs / Ts, and weight. */
  xi: Int32Array;
  txi: Int32Array;
  Ti: Int32Array;
  w: Float64Array;
  xs: Float64Array;
  txs: Float64Array;
  Ts: Float64Array;
  /** Total weight per distinct x. */
  wx: Float64Array;
  /** For each input row, its distinct row. */
  rowOfInput: Int32Array;
}

function indexer(): { map: Map<number, number>; values: number[]; id(v: number): number } {
  const map = new Map<number, number>();
  const values: number[] = [];
  return {
    map,
    values,
    id(v: number): number {
      let k = map.get(v);
      if (k === undefined) {
        k = values.length;
        map.set(v, k);
        values.push(v);
      }
      return k;
    },
  };
}

/** Groups identical (x, tx, T) rows. Does not validate: call validateRfm first. */
export function aggregateRfm(data: RfmInput): AggregatedRfm {
  const n = data.x.length;
  const X = indexer();
  const TX = indexer();
  const TT = indexer();
  const xi0 = new Int32Array(n);
  const txi0 = new Int32Array(n);
  const Ti0 = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xi0[i] = X.id(data.x[i]);
    txi0[i] = TX.id(data.tx[i]);
    Ti0[i] = TT.id(data.T[i]);
  }
  const nTx = TX.values.length;
  const nT = TT.values.length;
  const numericKeys = X.values.length * nTx * nT < Number.MAX_SAFE_INTEGER;
  const rowOf = new Map<number | string, number>();
  const xi: number[] = [];
  const txi: number[] = [];
  const Ti: number[] = [];
  const w: number[] = [];
  const rowOfInput = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = numericKeys ? (xi0[i] * nTx + txi0[i]) * nT + Ti0[i] : `${xi0[i]},${txi0[i]},${Ti0[i]}`;
    const wi = data.weights ? data.weights[i] : 1;
    const r = rowOf.get(key);
    if (r === undefined) {
      rowOfInput[i] = xi.length;
      rowOf.set(key, xi.length);
      xi.push(xi0[i]);
      txi.push(txi0[i]);
      Ti.push(Ti0[i]);
      w.push(wi);
    } else {
      rowOfInput[i] = r;
      w[r] += wi;
    }
  }
  const xs = Float64Array.from(X.values);
  const wx = new Float64Array(xs.length);
  let totalWeight = 0;
  for (let r = 0; r < w.length; r++) {
    wx[xi[r]] += w[r];
    totalWeight += w[r];
  }
  return {
    rows: w.length,
    totalWeight,
    xi: Int32Array.from(xi),
    txi: Int32Array.from(txi),
    Ti: Int32Array.from(Ti),
    w: Float64Array.from(w),
    xs,
    txs: Float64Array.from(TX.values),
    Ts: Float64Array.from(TT.values),
    wx,
    rowOfInput,
  };
}
