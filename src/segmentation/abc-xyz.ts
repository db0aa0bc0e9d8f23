import { badInput } from '../shared/errors';
import { Math } from '../shared/math';

/**
 * ABC/XYZ classes as pure functions; the train pipeline applies them to a whole snapshot
 * (src/models/steps/scoring.step.ts). Rules in words: docs/rfm.md.
 *
 * ABC — share of revenue. Revenue is monetary rounded to cents; only customers with revenue > 0 share the
 * total (net-negative or zero transaction-log customers, and customers with no known value, are C). Customers
 * are sorted by revenue, largest first; `before` is the revenue of the customers with strictly larger revenue
 * (ties share it, so equal revenue always means equal class). Then
 *   A when before <  80 % of the total  — the customer whose running share first passes 80 % is still A,
 *   B when before <  95 % of the total,
 *   C otherwise.
 * So A is the smallest top group holding at least 80 % of revenue (plus its ties), B the next to 95 %.
 * Comparisons run on integer cents, so JavaScript and SQL (numeric) agree exactly.
 *
 * XYZ — regularity of order values, by their coefficient of variation (sample sd / mean, order_value_cv):
 *   S  single purchase (frequency = 1),
 *   X  cv ≤ 0.5, Y  cv ≤ 1.0, Z  cv > 1.0,
 *   Z  also when cv is undefined for a repeat customer (mean order value ≤ 0, or fewer than two valued
 *      orders): spending that cannot be characterised is treated as not predictable.
 */

export type AbcClass = 'A' | 'B' | 'C';
export type XyzClass = 'X' | 'Y' | 'Z' | 'S';

export const ABC_SHARES = { a: 0.8, b: 0.95 } as const;
/** The same shares in percent, for exact integer comparisons. */
const A_PCT = 80;
const B_PCT = 95;
export const XYZ_CV = { x: 0.5, y: 1.0 } as const;

/** Revenue in cents counted by ABC, or null when the customer does not share the total. */
export function revenueCents(monetary: number | null): number | null {
  return monetary !== null && monetary > 0 ? Math.round(monetary * 100) : null;
}

/** ABC class of every row, in input order. */
export function abcClasses(monetary: readonly (number | null)[]): AbcClass[] {
  monetary.forEach((m, i) => {
    if (m !== null && !Number.isFinite(m)) throw badInput(`monetary[${i}] is ${String(m)}, expected a finite number or null`, { argument: 'monetary', row: i });
  });
  const cents = monetary.map(revenueCents);
  const idx = cents.map((_, i) => i).filter((i) => cents[i] !== null);
  idx.sort((a, b) => (cents[b] as number) - (cents[a] as number));
  const total = idx.reduce((s, i) => s + (cents[i] as number), 0);
  if (!Number.isSafeInteger(total * 100)) throw new RangeError(`total revenue ${total / 100} is too large for exact ABC shares`);
  const out: AbcClass[] = monetary.map(() => 'C');
  let before = 0;
  let k = 0;
  while (k < idx.length) {
    const v = cents[idx[k]] as number;
    let end = k;
    while (end < idx.length && cents[idx[end]] === v) end++;
    const cls: AbcClass = before * 100 < A_PCT * total ? 'A' : before * 100 < B_PCT * total ? 'B' : 'C';
    for (let j = k; j < end; j++) out[idx[j]] = cls;
    before += v * (end - k);
    k = end;
  }
  return out;
}

/** XYZ class from a customer's order count and order-value coefficient of variation. */
export function xyzClass(frequency: number, orderValueCv: number | null): XyzClass {
  if (frequency === 1) return 'S';
  if (orderValueCv === null) return 'Z';
  if (orderValueCv <= XYZ_CV.x) return 'X';
  if (orderValueCv <= XYZ_CV.y) return 'Y';
  return 'Z';
}

export interface AbcXyzInput {
  customerId: number;
  monetary: number | null;
  frequency: number;
  orderValueCv: number | null;
}

export interface AbcXyzResult {
  customerId: number;
  abc: AbcClass;
  xyz: XyzClass;
  /** e.g. "AX", "CS". */
  abcXyz: string;
}

export function classifyAbcXyz(rows: readonly AbcXyzInput[]): AbcXyzResult[] {
  rows.forEach((row, i) => {
    if (!Number.isSafeInteger(row.frequency) || row.frequency < 1) throw badInput(`rows[${i}].frequency is ${String(row.frequency)}, expected a positive integer`, { argument: 'rows', row: i, field: 'frequency' });
    if (row.orderValueCv !== null && !(Number.isFinite(row.orderValueCv) && row.orderValueCv >= 0)) throw badInput(`rows[${i}].orderValueCv is ${String(row.orderValueCv)}, expected a number >= 0 or null`, { argument: 'rows', row: i, field: 'orderValueCv' });
  });
  const abc = abcClasses(rows.map((r) => r.monetary));
  return rows.map((row, i) => {
    const xyz = xyzClass(row.frequency, row.orderValueCv);
    return { customerId: row.customerId, abc: abc[i], xyz, abcXyz: `${abc[i]}${xyz}` };
  });
}
