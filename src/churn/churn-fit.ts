import { BgNbdModel, fitBgNbd, fitMbgNbd, type BgNbdModelJson, type TransactionModelKind } from './bgnbd';
import { discountedExpectedPurchases, MONTH_LENGTH } from './clv';
import type { EmpiricalRepeatTable } from './empirical-repeat';
import type { FitDecision } from './fit-rules';
import { fitGammaGamma, type GammaGammaModel, type GammaGammaModelJson } from './gamma-gamma';
import { fitRateDropout, retainedRates, type RateDropoutModel } from './rate-dropout';
import { applyCalibration, fitHoldoutCalibration, survivalIfAlive, type ChurnCalibration, type HoldoutState } from './holdout-calibration';
import { Math } from '../shared/math';

/**
 * Churn and value per customer from a feature snapshot (weeks as the time unit):
 *   x = distinct purchase days − 1, t_x = last − first purchase day, T = as_of − first purchase day.
 * The transaction model that scores churn is MBG/NBD by default: the plain BG/NBD gives P(alive) = 1 to every
 * one-time buyer (it only lets customers drop out after a repeat purchase), which says nothing on data where
 * most customers buy once. Both are fitted and reported; the backtest compares them.
 */
export interface ChurnInputs {
  customerIds: Int32Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Mean value of repeat purchase days (NaN when none). */
  m: Float64Array;
  /** Mean order value (NaN when unknown): the spend fallback when no spend model fits. */
  aov: Float64Array;
}

export interface ChurnEstimates {
  pAlive: Float64Array;
  /** P(no purchase within horizonDays): dead, or alive and silent. Stays informative where 1 − P(alive) collapses (a → 0). */
  churnProbability: Float64Array;
  /** Expected spend over the CLV horizon if the customer stays: E[λ | x, t_x, T] × discounted months × spend if retained. */
  valueIfRetained: Float64Array;
  expectedPurchases: Float64Array;
  expectedAvgSpend: Float64Array;
  clv: Float64Array;
}

export interface ChurnModelInfo {
  model: TransactionModelKind;
  timeUnit: 'week';
  /** The fitted transaction model; with source 'empirical_repeat' the rejected fit, kept on record (null if it failed). */
  transaction: BgNbdModelJson | null;
  /** The other transaction model's fit, for comparison (null when it failed). */
  alternative: BgNbdModelJson | null;
  spend: GammaGammaModelJson | null;
  spendFallback: string | null;
  /** The joint rate–dropout grid whose E[λ | x, t_x, T] is the purchase rate if retained (see rate-dropout.ts). */
  retainedRate: RateDropoutModel | null;
  horizonDays: number;
  clvHorizonMonths: number;
  monthlyDiscount: number;
  repeatCustomers: number;
  /** Which estimate the churn probabilities come from (set by the churn step's decision). */
  source?: 'bg_nbd' | 'empirical_repeat';
  /** The measured rules that chose the source, and why (src/churn/fit-rules.ts). */
  decision?: FitDecision & { holdoutAuc: number | null };
  /** The fallback's recency × frequency table, when it is in use. */
  empirical?: EmpiricalRepeatTable;
  /**
   * The holdout calibration of churnProbability (src/churn/holdout-calibration.ts): applied or not, and why, with
   * its map and metrics on the split. Absent when no split was given.
   */
  calibration?: { applied: boolean; reason: string; map: ChurnCalibration | null };
}

/** The store's history one calibration horizon before as-of for the holdout calibration, or why there is none. */
export type CalibrationSplit = { state: HoldoutState; horizonDays: number } | { state: null; reason: string };

export function fitChurn(
  inp: ChurnInputs,
  o: { model: TransactionModelKind; horizonDays: number; clvHorizonMonths: number; monthlyDiscount: number },
  /** The split to calibrate churnProbability on; null when the history is too short (recorded as such). */
  split?: CalibrationSplit | null,
): { info: ChurnModelInfo; estimates: ChurnEstimates } {
  const data = { x: inp.x, tx: inp.tx, T: inp.T };
  const repeat = inp.x.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
  if (repeat === 0) throw new Error('no customer has a repeat purchase: the churn models cannot be fitted');
  const primary = o.model === 'mbg-nbd' ? fitMbgNbd(data) : fitBgNbd(data);
  let alternative: BgNbdModel | null = null;
  try {
    alternative = o.model === 'mbg-nbd' ? fitBgNbd(data) : fitMbgNbd(data);
  } catch {
    alternative = null;
  }

  // Gamma-Gamma on repeat customers with a positive repeat spend.
  const gx: number[] = [];
  const gm: number[] = [];
  for (let i = 0; i < inp.x.length; i++) {
    if (inp.x[i] > 0 && inp.m[i] > 0) {
      gx.push(inp.x[i]);
      gm.push(inp.m[i]);
    }
  }
  let spend: GammaGammaModel | null = null;
  let spendFallback: string | null = null;
  try {
    spend = fitGammaGamma({ frequency: gx, monetaryValue: gm });
    if (!(spend.params.q > 1)) throw new Error(`q = ${spend.params.q.toFixed(3)} ≤ 1: the mean spend is undefined`);
  } catch (e) {
    spend = null;
    spendFallback = `Gamma-Gamma not usable (${(e as Error).message}); expected spend = the customer's mean order value`;
  }

  const n = inp.x.length;
  const pAlive = primary.pAliveMany(data);
  let churnProbability = primary.probNoPurchaseWithinMany(o.horizonDays / 7, data);
  let calibration: ChurnModelInfo['calibration'];
  if (split) {
    const res = split.state === null ? { calibration: null, reason: split.reason } : fitHoldoutCalibration(split.state, { model: o.model, horizonDays: split.horizonDays });
    if (res.calibration) {
      const calibrated = applyCalibration(res.calibration, pAlive, survivalIfAlive(primary.params, o.horizonDays / 7, data), { ...data, aov: inp.aov });
      const applied = calibrated.every(Number.isFinite);
      if (applied) churnProbability = calibrated;
      calibration = { applied, reason: applied ? res.reason : `${res.reason}, but not applied: non-finite on this fit`, map: res.calibration };
    } else {
      calibration = { applied: false, reason: `${res.reason}; churnProbability is the model's own`, map: null };
    }
  }
  const expectedPurchases = primary.conditionalExpectedPurchasesMany(o.horizonDays / 7, data);
  const expectedAvgSpend = new Float64Array(n);
  const popAov = mean(inp.aov);
  for (let i = 0; i < n; i++) {
    if (spend) {
      // Repeat customers with a positive repeat spend get Gamma-Gamma's conditional mean, the rest its population mean.
      const ok = inp.x[i] > 0 && inp.m[i] > 0;
      expectedAvgSpend[i] = spend.conditionalExpectedAverageSpend(ok ? inp.x[i] : 0, ok ? inp.m[i] : 0);
    } else {
      expectedAvgSpend[i] = Number.isFinite(inp.aov[i]) ? inp.aov[i] : popAov;
    }
  }
  // CLV = Σ_month (E[Y(i months)] − E[Y(i−1 months)]) / (1 + d)^i × expected spend (lifetimes' definition).
  const purchases = discountedExpectedPurchases(primary, data, { horizonMonths: o.clvHorizonMonths, monthlyDiscount: o.monthlyDiscount });
  const clv = purchases.map((p, i) => p * expectedAvgSpend[i]);
  const retainedRate = fitRateDropout(data);
  const valueIfRetained = valueIfRetainedOf(retainedRates(retainedRate, data), spendIfRetained(spend, inp, expectedAvgSpend), o.clvHorizonMonths, o.monthlyDiscount);
  return {
    info: {
      model: o.model,
      timeUnit: 'week',
      transaction: primary.toJSON(),
      alternative: alternative?.toJSON() ?? null,
      spend: spend?.toJSON() ?? null,
      spendFallback,
      retainedRate,
      horizonDays: o.horizonDays,
      clvHorizonMonths: o.clvHorizonMonths,
      monthlyDiscount: o.monthlyDiscount,
      repeatCustomers: repeat,
      ...(calibration ? { calibration } : {}),
    },
    estimates: { pAlive, churnProbability, valueIfRetained, expectedPurchases, expectedAvgSpend, clv },
  };
}

/**
 * Value if retained = E[λ | x, t_x, T] × Σ_{i=1..H} month / (1 + d)^i × spend per purchase, the rate from the joint
 * rate–dropout grid (see rate-dropout.ts). Unlike CLV it does not shrink with P(alive): it is the money that leaves
 * if the customer does.
 */
export function valueIfRetainedOf(ratePerWeek: ArrayLike<number>, spend: ArrayLike<number>, horizonMonths: number, monthlyDiscount: number): Float64Array {
  let weeks = 0;
  for (let i = 1; i <= horizonMonths; i++) weeks += MONTH_LENGTH.week / Math.pow(1 + monthlyDiscount, i);
  const out = new Float64Array(ratePerWeek.length);
  for (let i = 0; i < out.length; i++) out[i] = ratePerWeek[i] * weeks * spend[i];
  return out;
}

/**
 * Spend per purchase if retained: Gamma-Gamma's conditional mean, given the repeat purchases when there are any
 * (lifetimes' convention, as for CLV) and given the one order otherwise. The population mean would value a one-time
 * buyer of a cheap item like everyone else, once their rate is no longer read as near zero; their one order is
 * what the spend model can learn from (it weighs it against the population by the model's own p and q).
 */
function spendIfRetained(spend: GammaGammaModel | null, inp: ChurnInputs, expectedAvgSpend: Float64Array): Float64Array {
  if (!spend) return expectedAvgSpend;
  const out = Float64Array.from(expectedAvgSpend);
  for (let i = 0; i < out.length; i++) {
    if (!(inp.x[i] > 0 && inp.m[i] > 0) && inp.aov[i] > 0 && Number.isFinite(inp.aov[i])) out[i] = spend.conditionalExpectedAverageSpend(1, inp.aov[i]);
  }
  return out;
}

function mean(xs: Float64Array): number {
  let s = 0;
  let n = 0;
  for (const v of xs) if (Number.isFinite(v)) (s += v), n++;
  return n ? s / n : 0;
}

