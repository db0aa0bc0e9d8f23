import { Math } from '../shared/math';

/**
 * The fallback churn estimate for thin repeat data: the empirical probability of buying again within the
 * horizon, by recency × frequency, learned on a time split (customers as they stood one horizon before as-of,
 * and whether they bought in the horizon that followed), then applied to everyone as of as-of.
 *
 * Cells: recency in days since the last purchase (RECENCY_EDGES) × purchase days (1, 2, 3+). Each cell's rate is
 * shrunk towards its recency row's, and the row's towards the overall rate, with PRIOR_WEIGHT pseudo-customers,
 * so a cell with few customers says what its neighbours say rather than 0 or 1. P(no purchase) = 1 − rate.
 */
export const RECENCY_EDGES = [30, 90, 180, 365, 730];
export const FREQUENCY_CAP = 3;
export const PRIOR_WEIGHT = 20;

export interface EmpiricalRepeatTable {
  horizonDays: number;
  recencyEdges: number[];
  /** rate[row][frequency − 1]: P(buy again within the horizon). */
  rate: number[][];
  /** Customers and buyers per cell on the split (rows × frequencies). */
  customers: number[][];
  buyers: number[][];
  overallRate: number;
  splitCustomers: number;
}

const rowOf = (recencyDays: number): number => {
  let r = 0;
  while (r < RECENCY_EDGES.length && recencyDays >= RECENCY_EDGES[r]) r++;
  return r;
};
const colOf = (purchaseDays: number): number => Math.min(FREQUENCY_CAP, Math.max(1, purchaseDays)) - 1;

export function fitEmpiricalRepeat(
  split: { recencyDays: ArrayLike<number>; purchaseDays: ArrayLike<number>; boughtAfter: ArrayLike<number> },
  horizonDays: number,
): EmpiricalRepeatTable {
  const rows = RECENCY_EDGES.length + 1;
  const customers = Array.from({ length: rows }, () => new Array<number>(FREQUENCY_CAP).fill(0));
  const buyers = Array.from({ length: rows }, () => new Array<number>(FREQUENCY_CAP).fill(0));
  const n = split.recencyDays.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = rowOf(split.recencyDays[i]);
    const c = colOf(split.purchaseDays[i]);
    customers[r][c]++;
    if (split.boughtAfter[i]) (buyers[r][c]++, total++);
  }
  // Half a buyer keeps the overall rate off exactly 0 when the split saw no repeat purchase at all.
  const overallRate = (total + 0.5) / (n + 1);
  const rate = customers.map((row, r) => {
    const rn = row.reduce((a, b) => a + b, 0);
    const rb = buyers[r].reduce((a, b) => a + b, 0);
    const rowRate = (rb + PRIOR_WEIGHT * overallRate) / (rn + PRIOR_WEIGHT);
    return row.map((cn, c) => (buyers[r][c] + PRIOR_WEIGHT * rowRate) / (cn + PRIOR_WEIGHT));
  });
  return { horizonDays, recencyEdges: [...RECENCY_EDGES], rate, customers, buyers, overallRate, splitCustomers: n };
}

/** P(no purchase within the horizon) for each customer as of as-of. */
export function empiricalNoPurchase(t: EmpiricalRepeatTable, recencyDays: ArrayLike<number>, purchaseDays: ArrayLike<number>): Float64Array {
  const out = new Float64Array(recencyDays.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 - t.rate[rowOf(recencyDays[i])][colOf(purchaseDays[i])];
  return out;
}
