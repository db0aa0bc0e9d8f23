import type { DataSource } from 'typeorm';
import { BgNbdModel } from '../../churn/bgnbd';
import { fallbackEstimates } from '../../churn/churn-fallback';
import { fitEmpiricalRepeat } from '../../churn/empirical-repeat';
import { decideFit } from '../../churn/fit-rules';
import { calibrationHorizonDays } from '../../churn/holdout-calibration';
import type { CalibrationSplit } from '../../churn/churn-fit';
import { rocAuc } from '../../churn/metrics';
import { withClient } from '../../db/data-source';
import type { ChurnEstimates, ChurnInputs, ChurnModelInfo } from './churn.step';
import { fitChurnOffThread, type ChurnFitOptions } from './churn.thread';

/** Fewer customers than this on the time split: not even the empirical table is worth serving (RFM tiers then). */
export const MIN_SPLIT_CUSTOMERS = 100;

export interface SplitState {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  recencyDays: Float64Array;
  purchaseDays: Float64Array;
  boughtAfter: Uint8Array;
  /**
   * Mean value of the purchases before the split (NaN when none is valued): the calibration's spend term, which is
   * applied to customer_features.avg_order_value. That one also nets return-only orders (transaction logs only,
   * rare); the split leaves them out, a difference the map's log scale and ±3 SD clip keep small.
   */
  aov: Float64Array;
}

/**
 * Every customer as they stood one horizon before as-of (purchases before the split only), and whether they
 * bought between the split and as-of: the time split both the holdout check and the fallback table learn from.
 */
export async function loadSplitState(ds: DataSource, asOf: Date, horizonDays: number): Promise<SplitState> {
  const split = new Date(asOf.getTime() - horizonDays * 86_400_000);
  const res = await withClient(ds, (c) =>
    c.query<unknown[]>({
      text: `SELECT max(purchase_day_no) FILTER (WHERE purchased_at < $1) AS days,
                    min(d) FILTER (WHERE purchased_at < $1) AS first, max(d) FILTER (WHERE purchased_at < $1) AS last,
                    bool_or(purchased_at >= $1) AS bought,
                    avg(value::float8) FILTER (WHERE purchased_at < $1) AS aov
               FROM (SELECT customer_id, purchase_day_no, purchased_at, value, ((purchased_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') AS d
                       FROM order_fact WHERE is_purchase AND purchased_at < $2) o
              GROUP BY customer_id HAVING bool_or(purchased_at < $1)`,
      values: [split, asOf],
      rowMode: 'array',
    }),
  );
  const n = res.rows.length;
  const s: SplitState = {
    x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n),
    recencyDays: new Float64Array(n), purchaseDays: new Float64Array(n), boughtAfter: new Uint8Array(n),
    aov: new Float64Array(n),
  };
  // T and recency are measured to the last day before the split (the as-of convention, src/shared/as-of.ts).
  const splitDay = Math.ceil(split.getTime() / 86_400_000) - 1;
  res.rows.forEach((r, i) => {
    const days = Number(r[0]);
    const first = Number(r[1]);
    const last = Number(r[2]);
    s.purchaseDays[i] = days;
    s.x[i] = days - 1;
    s.tx[i] = (last - first) / 7;
    s.T[i] = Math.max(splitDay - first, 1) / 7;
    s.recencyDays[i] = Math.max(splitDay - last, 0);
    s.boughtAfter[i] = r[3] ? 1 : 0;
    s.aov[i] = r[4] === null ? NaN : Number(r[4]);
  });
  return s;
}

/**
 * The churn step: fit the BG/NBD family, judge the fit by the rules of src/churn/fit-rules.ts (repeat customers,
 * convergence, parameter bounds, a holdout check on the time split), and serve either the fit or the empirical
 * repeat estimate. The decision and its measured reasons are stored with the model version (churn_model.decision).
 */
export async function estimateChurn(
  ds: DataSource,
  asOf: Date,
  inputs: ChurnInputs,
  o: ChurnFitOptions,
): Promise<{ churn: { info: ChurnModelInfo; estimates: ChurnEstimates } | null; churnError: string | null }> {
  let fitted: { info: ChurnModelInfo; estimates: ChurnEstimates } | null = null;
  let fitError: string | null = null;
  const split = await loadSplitState(ds, asOf, o.horizonDays);
  const calibrationSplit = await loadCalibrationSplit(ds, asOf, o.horizonDays, split);
  try {
    fitted = await fitChurnOffThread(inputs, o, calibrationSplit);
  } catch (e) {
    fitError = (e as Error).message;
  }
  let holdoutAuc: number | null = null;
  if (fitted && split.x.length > 0) {
    const silent = Array.from(split.boughtAfter, (b) => 1 - b);
    const both = silent.some((v) => v === 1) && silent.some((v) => v === 0);
    if (both) {
      try {
        const m = BgNbdModel.fromJSON(fitted.info.transaction);
        holdoutAuc = rocAuc(m.probNoPurchaseWithinMany(o.horizonDays / 7, { x: split.x, tx: split.tx, T: split.T }), silent);
      } catch {
        holdoutAuc = null;
      }
    }
  }
  const repeatCustomers = inputs.x.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
  const decision = decideFit({ customers: inputs.x.length, repeatCustomers, transaction: fitted?.info.transaction ?? null, holdoutAuc, fitError });
  if (decision.use === 'model' && fitted) {
    // The calibration's verdict joins the reason, which the API serves as activeModel.churnModel.decision.
    const cal = fitted.info.calibration;
    const served = cal ? { ...decision, reason: `${decision.reason}; churn probability ${cal.reason}` } : decision;
    return { churn: { info: { ...fitted.info, source: 'bg_nbd', decision: { ...served, holdoutAuc } }, estimates: fitted.estimates }, churnError: null };
  }
  if (split.x.length < MIN_SPLIT_CUSTOMERS) {
    return { churn: null, churnError: `${decision.reason}; and only ${split.x.length} customers bought before the time split (< ${MIN_SPLIT_CUSTOMERS}), so risk comes from RFM tiers` };
  }
  const table = fitEmpiricalRepeat(split, o.horizonDays);
  const estimates = fallbackEstimates(inputs, table, o.clvHorizonMonths);
  const info: ChurnModelInfo = {
    model: o.model,
    timeUnit: 'week',
    // The rejected fit stays on record (null when it failed outright); it is not what the estimates come from.
    transaction: fitted?.info.transaction ?? null,
    alternative: fitted?.info.alternative ?? null,
    spend: null,
    spendFallback: 'value if retained from historical order values (empirical repeat estimate in use)',
    retainedRate: null,
    horizonDays: o.horizonDays,
    clvHorizonMonths: o.clvHorizonMonths,
    monthlyDiscount: o.monthlyDiscount,
    repeatCustomers,
    source: 'empirical_repeat',
    decision: { ...decision, holdoutAuc },
    empirical: table,
  };
  return { churn: { info, estimates }, churnError: null };
}

/**
 * The split the churn probability is calibrated on (src/churn/holdout-calibration.ts): one calibration horizon
 * before as-of, that horizon being the product's when the store's history holds two of them and half the history
 * otherwise. The time split of the holdout check is reused when the horizons agree.
 */
async function loadCalibrationSplit(ds: DataSource, asOf: Date, horizonDays: number, split: SplitState): Promise<CalibrationSplit> {
  const [row] = await withClient(ds, (c) =>
    c.query<{ days: number | null }>({
      text: `SELECT (EXTRACT(EPOCH FROM ($1::timestamptz - min(purchased_at))) / 86400)::float8 AS days FROM order_fact WHERE is_purchase AND purchased_at < $1`,
      values: [asOf],
    }),
  ).then((r) => r.rows);
  const historyDays = row?.days ?? 0;
  const h = calibrationHorizonDays(historyDays, horizonDays);
  if (h === null) return { state: null, reason: `not calibrated: ${Math.floor(historyDays)} days of history before as-of are too few for a calibration horizon` };
  return { state: h === horizonDays ? split : await loadSplitState(ds, asOf, h), horizonDays: h };
}
