import type { ChurnEstimates, ChurnInputs } from './churn-fit';
import { empiricalNoPurchase, type EmpiricalRepeatTable } from './empirical-repeat';
import { Math } from '../shared/math';

/**
 * Churn and value estimates from the empirical repeat table, for stores whose repeat data cannot carry a
 * BG/NBD family fit (see fit-rules.ts). churnProbability = the table's P(no purchase within the horizon) at
 * the customer's recency and purchase days. Value if retained comes from historical order values: a retained
 * customer keeps buying at their own past pace, and at least once more over the CLV horizon —
 *   value if retained = mean order value × max(1, purchase days × CLV horizon / max(tenure, CLV horizon)),
 * with the store's mean order value for customers whose order values are unknown. P(alive), expected
 * purchases and CLV need the parametric model and are left empty.
 */
export function fallbackEstimates(inp: ChurnInputs, table: EmpiricalRepeatTable, clvHorizonMonths: number): ChurnEstimates {
  const n = inp.x.length;
  const recencyDays = new Float64Array(n);
  const purchaseDays = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    recencyDays[i] = Math.round((inp.T[i] - inp.tx[i]) * 7);
    purchaseDays[i] = inp.x[i] + 1;
  }
  const churnProbability = empiricalNoPurchase(table, recencyDays, purchaseDays);
  let s = 0;
  let c = 0;
  for (const v of inp.aov) if (Number.isFinite(v)) (s += v), c++;
  const popAov = c ? s / c : 0;
  const clvDays = clvHorizonMonths * 30.4375;
  const valueIfRetained = new Float64Array(n);
  const expectedAvgSpend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const aov = Number.isFinite(inp.aov[i]) ? inp.aov[i] : popAov;
    expectedAvgSpend[i] = aov;
    const tenureDays = inp.T[i] * 7;
    valueIfRetained[i] = aov * Math.max(1, (purchaseDays[i] * clvDays) / Math.max(tenureDays, clvDays));
  }
  const empty = () => new Float64Array(n).fill(NaN);
  return { pAlive: empty(), churnProbability, valueIfRetained, expectedPurchases: empty(), expectedAvgSpend, clv: empty() };
}
