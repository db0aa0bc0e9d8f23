import { badInput } from '../shared/errors';
import { Math, abs, floor, min } from '../shared/math';

/** Evaluation metrics for churn scores and purchase/value forecasts. Inputs are validated up front. */

type Labels = ArrayLike<number | boolean>;

function toNumbers(values: ArrayLike<number | boolean>, name: string, n?: number): Float64Array {
  if (values == null || typeof values.length !== 'number') throw badInput(`${name} must be an array`, { field: name });
  if (n !== undefined && values.length !== n) throw badInput(`${name} has ${values.length} rows, expected ${n}`, { field: name });
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const num = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (typeof num !== 'number' || !Number.isFinite(num)) throw badInput(`${name}[${i}] (${String(v)}) is not a finite number`, { field: name, index: i });
    out[i] = num;
  }
  return out;
}

function binaryLabels(labels: Labels, n: number): Uint8Array {
  const v = toNumbers(labels, 'labels', n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (v[i] !== 0 && v[i] !== 1) throw badInput(`labels[${i}] (${v[i]}) must be 0/1 or a boolean`, { field: 'labels', index: i });
    out[i] = v[i];
  }
  return out;
}

/** Indices sorted by value (ascending), ties in input order. */
function order(values: Float64Array): Uint32Array {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((i, j) => values[i] - values[j] || i - j);
}

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative) + ½ P(tie): the
 * Mann–Whitney U statistic with average ranks for tied scores. Needs at least one positive and one negative.
 */
export function rocAuc(scores: ArrayLike<number>, labels: Labels): number {
  const s = toNumbers(scores, 'scores');
  const y = binaryLabels(labels, s.length);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) throw badInput(`ROC AUC needs both classes (got ${pos} positive, ${neg} negative)`, { field: 'labels' });
  const idx = order(s);
  let rankSumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && s[idx[j + 1]] === s[idx[i]]) j++;
    const avgRank = (i + j + 2) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) if (y[idx[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Lift of the top `fraction` (default 10%) of customers by score: mean of `actual` among them divided by the mean
 * over everyone (for 0/1 labels: their positive rate over the base rate). A tie group straddling the cut-off
 * counts in proportion to the part of it inside, so the result does not depend on the input order.
 */
export function topDecileLift(scores: ArrayLike<number>, actual: Labels, fraction = 0.1): number {
  const s = toNumbers(scores, 'scores');
  const a = toNumbers(actual, 'actual', s.length);
  if (s.length === 0) throw badInput('topDecileLift needs at least one row', { field: 'scores' });
  if (!(fraction > 0 && fraction <= 1)) throw badInput(`fraction (${fraction}) must be in (0, 1]`, { field: 'fraction' });
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i];
  const overall = total / a.length;
  if (overall === 0) throw badInput('topDecileLift is undefined when every actual value is 0', { field: 'actual' });
  const idx = order(s).reverse(); // descending by score; tie groups stay contiguous
  const k = fraction * s.length;
  let taken = 0;
  let sum = 0;
  for (let i = 0; i < idx.length && taken < k; ) {
    let j = i;
    let groupSum = 0;
    while (j < idx.length && s[idx[j]] === s[idx[i]]) groupSum += a[idx[j++]];
    const size = j - i;
    const share = min(size, k - taken);
    sum += (groupSum / size) * share;
    taken += share;
    i = j;
  }
  return sum / k / overall;
}

export interface CalibrationBin {
  /** 1 = lowest predictions. */
  bin: number;
  count: number;
  meanPredicted: number;
  meanActual: number;
  minPredicted: number;
  maxPredicted: number;
}

/**
 * Calibration table: rows sorted by prediction, cut into `bins` (default 10) groups of equal size (±1), each with
 * its mean prediction and mean actual outcome.
 */
export function calibrationTable(predicted: ArrayLike<number>, actual: Labels, bins = 10): CalibrationBin[] {
  const p = toNumbers(predicted, 'predicted');
  const a = toNumbers(actual, 'actual', p.length);
  if (!Number.isInteger(bins) || bins < 1) throw badInput(`bins (${bins}) must be a positive integer`, { field: 'bins' });
  const n = p.length;
  if (n < bins) throw badInput(`calibrationTable needs at least ${bins} rows, got ${n}`, { field: 'predicted' });
  const idx = order(p);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = floor((b * n) / bins);
    const hi = floor(((b + 1) * n) / bins);
    let sp = 0;
    let sa = 0;
    for (let i = lo; i < hi; i++) {
      sp += p[idx[i]];
      sa += a[idx[i]];
    }
    const count = hi - lo;
    out.push({ bin: b + 1, count, meanPredicted: sp / count, meanActual: sa / count, minPredicted: p[idx[lo]], maxPredicted: p[idx[hi - 1]] });
  }
  return out;
}

/** Mean |predicted − actual|. */
export function meanAbsoluteError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  const p = toNumbers(predicted, 'predicted');
  const a = toNumbers(actual, 'actual', p.length);
  if (p.length === 0) throw badInput('meanAbsoluteError needs at least one row', { field: 'predicted' });
  let s = 0;
  for (let i = 0; i < p.length; i++) s += abs(p[i] - a[i]);
  return s / p.length;
}

/** Σ predicted / Σ actual (1 = unbiased in aggregate); Infinity or NaN when the actuals sum to 0. */
export function sumRatio(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  const p = toNumbers(predicted, 'predicted');
  const a = toNumbers(actual, 'actual', p.length);
  let sp = 0;
  let sa = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sa += a[i];
  }
  return sp / sa;
}

/** Average ranks (1-based; ties share their mean rank). */
function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's rank correlation (Pearson on average ranks, so ties are handled); NaN when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`spearman: ${a.length} vs ${b.length} values`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = ra.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += ra[i]), (mb += rb[i]);
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - ma;
    const db = rb[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export interface ReliabilityBin {
  /** Predicted probabilities in [lower, upper) (the last bin includes 1). */
  lower: number;
  upper: number;
  count: number;
  /** null when the bin is empty. */
  meanPredicted: number | null;
  observedRate: number | null;
}

export interface Calibration {
  reliability: ReliabilityBin[];
  /** Mean (p − y)². */
  brier: number;
  /** Expected calibration error: Σ_bins (count / n) × |mean predicted − observed rate| over the reliability bins. */
  ece: number;
}

/**
 * Calibration of predicted probabilities against 0/1 outcomes: a reliability curve over `bins` equal-width bins
 * of the probability (10 by default), the Brier score and the expected calibration error on those bins.
 */
export function calibrationOf(predicted: ArrayLike<number>, actual: Labels, bins = 10): Calibration {
  const p = toNumbers(predicted, 'predicted');
  const a = toNumbers(actual, 'actual', p.length);
  if (!Number.isInteger(bins) || bins < 1) throw badInput(`bins (${bins}) must be a positive integer`, { field: 'bins' });
  const n = p.length;
  if (n === 0) throw badInput('calibrationOf needs at least one row', { field: 'predicted' });
  const count = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sa = new Float64Array(bins);
  let brier = 0;
  for (let i = 0; i < n; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) throw badInput(`row ${i}: predicted probability ${p[i]} is outside [0, 1]`, { field: 'predicted' });
    const b = Math.min(bins - 1, floor(p[i] * bins));
    count[b]++;
    sp[b] += p[i];
    sa[b] += a[i];
    brier += (p[i] - a[i]) ** 2;
  }
  let ece = 0;
  const reliability: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b];
    if (c > 0) ece += (c / n) * Math.abs(sp[b] / c - sa[b] / c);
    reliability.push({ lower: b / bins, upper: (b + 1) / bins, count: c, meanPredicted: c ? sp[b] / c : null, observedRate: c ? sa[b] / c : null });
  }
  return { reliability, brier: brier / n, ece };
}
