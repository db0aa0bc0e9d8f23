import { badInput } from '../shared/errors';
import { TIME_UNITS, type TimeUnit } from './rfm-data';
import { Math } from '../shared/math';

/**
 * Per-customer RFM summary from raw transactions, as lifetimes' summary_data_from_transaction_data builds it with
 * daily resolution (the product computes the same thing in SQL; this version serves tests and reference data):
 * - purchases on the same calendar day are one purchase (their values are summed);
 * - x = distinct purchase days − 1; tx = (last day − first day); T = (calibrationEnd − first day);
 *   tx and T in weeks (days / 7) or days;
 * - monetary = mean value of the repeat purchase days (the first day excluded), 0 when x = 0; null when some
 *   transaction of the customer has no value.
 * Transactions after calibrationEnd are ignored. Days are UTC calendar days: a Date is taken at its UTC date, a
 * string must start with YYYY-MM-DD (or be YYYYMMDD). A customer whose first purchase is on calibrationEnd gets
 * T = 0, which the models reject: drop such rows before fitting.
 */

export interface TransactionRecord {
  customer: string | number;
  date: Date | string;
  value?: number | null;
}

export interface RfmSummaryRow {
  customer: string;
  x: number;
  tx: number;
  T: number;
  /** Mean value of repeat purchase days; 0 for x = 0; null when values are missing. */
  monetary: number | null;
  /** First and last purchase day (YYYY-MM-DD) within the calibration period. */
  first: string;
  last: string;
}

const MS_PER_DAY = 86_400_000;

/** UTC day number (days since 1970-01-01) of a Date or a YYYY-MM-DD / YYYYMMDD string; null if invalid. */
export function dayNumber(d: Date | string): number | null {
  if (d instanceof Date) {
    const ms = d.getTime();
    return Number.isFinite(ms) ? Math.floor(ms / MS_PER_DAY) : null;
  }
  if (typeof d !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(d) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(d);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const da = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, da);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== da) return null;
  return ms / MS_PER_DAY;
}

const isoDay = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

export function rfmSummary(transactions: readonly TransactionRecord[], calibrationEnd: Date | string, opts: { timeUnit?: TimeUnit } = {}): RfmSummaryRow[] {
  const timeUnit = opts.timeUnit ?? 'week';
  if (!TIME_UNITS.includes(timeUnit)) throw badInput(`timeUnit must be one of ${TIME_UNITS.join(', ')}`, { field: 'timeUnit' });
  const perUnit = timeUnit === 'week' ? 7 : 1;
  const end = dayNumber(calibrationEnd);
  if (end === null) throw badInput(`calibrationEnd (${String(calibrationEnd)}) is not a valid date`, { field: 'calibrationEnd' });
  if (!Array.isArray(transactions)) throw badInput('transactions must be an array', { field: 'transactions' });

  const byCustomer = new Map<string, { days: Map<number, number>; missingValue: boolean }>();
  for (let i = 0; i < transactions.length; i++) {
    const t = transactions[i];
    if (t == null || (typeof t.customer !== 'string' && typeof t.customer !== 'number') || t.customer === '') {
      throw badInput(`transaction ${i}: customer must be a non-empty string or a number`, { field: 'customer', index: i });
    }
    const day = dayNumber(t.date);
    if (day === null) throw badInput(`transaction ${i}: date (${String(t.date)}) is not a valid date`, { field: 'date', index: i });
    const v = t.value;
    if (v != null && (typeof v !== 'number' || !Number.isFinite(v))) throw badInput(`transaction ${i}: value (${String(v)}) is not a finite number`, { field: 'value', index: i });
    if (day > end) continue;
    const key = String(t.customer);
    let c = byCustomer.get(key);
    if (!c) {
      c = { days: new Map(), missingValue: false };
      byCustomer.set(key, c);
    }
    if (v == null) c.missingValue = true;
    c.days.set(day, (c.days.get(day) ?? 0) + (v ?? 0));
  }

  const out: RfmSummaryRow[] = [];
  for (const [customer, c] of byCustomer) {
    let first = Infinity;
    let last = -Infinity;
    for (const d of c.days.keys()) {
      if (d < first) first = d;
      if (d > last) last = d;
    }
    const x = c.days.size - 1;
    let monetary: number | null = null;
    if (!c.missingValue) {
      let repeat = 0;
      for (const [d, v] of c.days) if (d !== first) repeat += v;
      monetary = x > 0 ? repeat / x : 0;
    }
    out.push({ customer, x, tx: (last - first) / perUnit, T: (end - first) / perUnit, monetary, first: isoDay(first), last: isoDay(last) });
  }
  return out;
}

/** Column arrays for fitBgNbd / fitMbgNbd. */
export function toRfmInput(rows: readonly RfmSummaryRow[]): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  const n = rows.length;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  rows.forEach((r, i) => {
    x[i] = r.x;
    tx[i] = r.tx;
    T[i] = r.T;
  });
  return { x, tx, T };
}

/** Frequency and mean repeat spend of the repeat customers (x > 0, monetary > 0), for fitGammaGamma. */
export function toSpendInput(rows: readonly RfmSummaryRow[]): { frequency: Float64Array; monetaryValue: Float64Array } {
  const keep = rows.filter((r) => r.x > 0 && r.monetary !== null && r.monetary > 0);
  return { frequency: Float64Array.from(keep, (r) => r.x), monetaryValue: Float64Array.from(keep, (r) => r.monetary as number) };
}
