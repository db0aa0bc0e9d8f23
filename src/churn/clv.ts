import { badInput } from '../shared/errors';
import { BgNbdModel, checkBgNbdParams, conditionalExpectedUnchecked, type BgNbdParams } from './bgnbd';
import { conditionalExpectedAverageSpend, GammaGammaModel, type GammaGammaParams } from './gamma-gamma';
import { aggregateRfm, TIME_UNITS, validateRfm, type TimeUnit } from './rfm-data';
import { pow } from '../shared/math';

/**
 * Customer lifetime value as lifetimes' customer_lifetime_value computes it: the expected spend per purchase
 * (Gamma-Gamma) times the expected purchases of each future month (BG/NBD or MBG/NBD), discounted monthly:
 *
 *   CLV = Σ_{i=1..H} (E[Y(i·f) | x, tx, T] − E[Y((i−1)·f) | x, tx, T]) · spend / (1 + d)^i
 *
 * with f the length of a month in the model's time unit (4.345 weeks or 30 days, lifetimes' constants).
 */

/** Length of a month in each time unit (lifetimes' factors). */
export const MONTH_LENGTH: Record<TimeUnit, number> = { week: 4.345, day: 30 };

export interface ClvOptions {
  /** Months ahead (integer ≥ 1, default 12). */
  horizonMonths?: number;
  /** Monthly discount rate d (≥ 0, default 0.01). */
  monthlyDiscount?: number;
  /** Time unit of tx and T; defaults to the transaction model's, or 'week' for bare parameters. */
  timeUnit?: TimeUnit;
}

export interface ClvModels {
  transactionModel: BgNbdModel | BgNbdParams;
  spendModel: GammaGammaModel | GammaGammaParams;
}

export interface ClvInput extends ClvModels, ClvOptions {
  x: number;
  tx: number;
  T: number;
  /** Observed mean value of the repeat purchases (ignored when x = 0). */
  m: number;
}

export interface ClvBatchInput extends ClvModels, ClvOptions {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  m: ArrayLike<number>;
}

function resolve(input: ClvModels & ClvOptions): { tp: BgNbdParams; sp: GammaGammaParams; horizon: number; discount: number; month: number } {
  const { transactionModel, spendModel } = input;
  const tp = transactionModel instanceof BgNbdModel ? transactionModel.params : transactionModel;
  checkBgNbdParams(tp);
  const sp = spendModel instanceof GammaGammaModel ? spendModel.params : spendModel;
  const unit = input.timeUnit ?? (transactionModel instanceof BgNbdModel ? transactionModel.timeUnit : 'week');
  if (!TIME_UNITS.includes(unit)) throw badInput(`timeUnit must be one of ${TIME_UNITS.join(', ')}`, { field: 'timeUnit' });
  const horizon = input.horizonMonths ?? 12;
  if (!Number.isInteger(horizon) || horizon < 1) throw badInput(`horizonMonths (${String(horizon)}) must be an integer ≥ 1`, { field: 'horizonMonths' });
  const discount = input.monthlyDiscount ?? 0.01;
  if (typeof discount !== 'number' || !Number.isFinite(discount) || discount < 0) throw badInput(`monthlyDiscount (${String(discount)}) must be a finite number ≥ 0`, { field: 'monthlyDiscount' });
  // Validates the spend parameters (and q > 1) once.
  conditionalExpectedAverageSpend(sp, 0, 0);
  return { tp, sp, horizon, discount, month: MONTH_LENGTH[unit] };
}

/** Σ_i (E[Y(i·f)] − E[Y((i−1)·f)]) / (1 + d)^i: discounted expected purchases over the horizon. */
function discountedPurchases(tp: BgNbdParams, x: number, tx: number, T: number, horizon: number, discount: number, month: number): number {
  let prev = 0;
  let total = 0;
  for (let i = 1; i <= horizon; i++) {
    const e = conditionalExpectedUnchecked(tp, i * month, x, tx, T);
    total += (e - prev) / pow(1 + discount, i);
    prev = e;
  }
  return total;
}

/** CLV of one customer. */
export function customerLifetimeValue(input: ClvInput): number {
  const r = resolve(input);
  validateRfm({ x: [input.x], tx: [input.tx], T: [input.T] });
  const spend = conditionalExpectedAverageSpend(r.sp, input.x, input.m);
  return discountedPurchases(r.tp, input.x, input.tx, input.T, r.horizon, r.discount, r.month) * spend;
}

/**
 * CLV of many customers. Rows are validated up front (messages name the 0-based row); the purchase forecast is
 * computed once per distinct (x, tx, T), which most customers share.
 */
export function customerLifetimeValues(input: ClvBatchInput): Float64Array {
  const r = resolve(input);
  const data = { x: input.x, tx: input.tx, T: input.T };
  const n = validateRfm(data);
  if (input.m == null || input.m.length !== n) throw badInput(`x has ${n} rows but m has ${input.m == null ? 0 : input.m.length}`, { field: 'm' });
  const spend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    try {
      spend[i] = conditionalExpectedAverageSpend(r.sp, input.x[i], input.m[i]);
    } catch (e) {
      throw badInput(`row ${i}: ${(e as Error).message.replace(/^customer: /, '')}`, { field: 'm' });
    }
  }
  const purchases = discountedPurchasesForRows(r.tp, data, r.horizon, r.discount, r.month);
  for (let i = 0; i < n; i++) purchases[i] *= spend[i];
  return purchases;
}

/**
 * Σ_i (E[Y(i·f)] − E[Y((i−1)·f)]) / (1 + d)^i per customer — CLV per unit of spend, for callers that have
 * their own spend estimate. Computed once per distinct (x, tx, T).
 */
export function discountedExpectedPurchases(
  transactionModel: BgNbdModel | BgNbdParams,
  data: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number> },
  opts: Omit<ClvOptions, 'timeUnit'> & { timeUnit?: TimeUnit } = {},
): Float64Array {
  const r = resolve({ transactionModel, spendModel: { p: 1, q: 2, v: 1 }, ...opts });
  validateRfm(data);
  return discountedPurchasesForRows(r.tp, data, r.horizon, r.discount, r.month);
}

function discountedPurchasesForRows(tp: BgNbdParams, data: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number> }, horizon: number, discount: number, month: number): Float64Array {
  const agg = aggregateRfm(data);
  const perRow = new Float64Array(agg.rows);
  for (let k = 0; k < agg.rows; k++) {
    perRow[k] = discountedPurchases(tp, agg.xs[agg.xi[k]], agg.txs[agg.txi[k]], agg.Ts[agg.Ti[k]], horizon, discount, month);
  }
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) out[i] = perRow[agg.rowOfInput[i]];
  return out;
}
