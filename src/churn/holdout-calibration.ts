import { BgNbdModel, fitBgNbd, fitMbgNbd, type TransactionModelKind } from './bgnbd';
import { exp, log, log1p, max, min } from './math';
import { calibrationOf, rocAuc } from './metrics';
import { sigmoid } from './special-functions';

/**
 * Holdout calibration of churnProbability = P(no purchase within the horizon), learned on the store's own history.
 *
 * The churn model is fitted as of (as-of − horizon) on the purchases before that split; its P(no purchase) is then
 * compared with what happened in the following horizon, which the store has already seen. A logistic map on
 * [1, logit p, log(1 + recency), log(1 + x)] is fitted to those outcomes (recency = T − t_x in weeks, x = repeat
 * purchase days) and applied to the model fitted at as-of, whose customers stand in the same relation to their
 * next horizon. Three terms and a ridge keep it low-dimensional and smooth, so it cannot fit noise; with the
 * identity (0, 1, 0, 0) it returns the model's own probability. It corrects what the model gets systematically
 * wrong on this store (e.g. a dropout process that silence identifies badly), and nothing is tuned to one data set.
 *
 * Learned only when the split has enough customers of both outcomes (otherwise null, with the reason). Newton's
 * method starts from the identity, so the map's penalised log loss on the split is never above the model's own.
 * Not yet applied by the train pipeline.
 */
export const MIN_CALIBRATION_CUSTOMERS = 500;
export const MIN_CALIBRATION_OUTCOMES = 50;
const RIDGE = 1e-3;
const P_CLIP = 1e-9;

export interface HoldoutState {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  /** 1 when the customer bought within the horizon after the split. */
  boughtAfter: ArrayLike<number>;
}

export interface HoldoutMetrics {
  auc: number;
  ece: number;
  brier: number;
}

export interface ChurnCalibration {
  method: 'logistic';
  features: string[];
  coefficients: number[];
  horizonDays: number;
  /** Customers on the split, and the share of them silent in the following horizon. */
  customers: number;
  silentShare: number;
  /** The model as fitted on the split, and its metrics there before and after the map (in-sample for the map). */
  splitFit: { kind: TransactionModelKind; r: number; alpha: number; a: number; b: number };
  before: HoldoutMetrics;
  after: HoldoutMetrics;
}

export type CalibrationResult = { calibration: ChurnCalibration; reason: string } | { calibration: null; reason: string };

const FEATURES = ['intercept', 'logit P(no purchase)', 'log(1 + recency weeks)', 'log(1 + repeat purchase days)'];

function features(p: number, x: number, tx: number, T: number): [number, number, number, number] {
  const q = min(max(p, P_CLIP), 1 - P_CLIP);
  return [1, log(q) - log1p(-q), log1p(max(T - tx, 0)), log1p(x)];
}

/** The calibrated probability for each customer: the map applied to the model's P(no purchase). */
export function applyCalibration(cal: Pick<ChurnCalibration, 'coefficients'>, p: ArrayLike<number>, data: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number> }): Float64Array {
  const out = new Float64Array(p.length);
  const w = cal.coefficients;
  for (let i = 0; i < p.length; i++) {
    const f = features(p[i], data.x[i], data.tx[i], data.T[i]);
    out[i] = sigmoid(w[0] * f[0] + w[1] * f[1] + w[2] * f[2] + w[3] * f[3]);
  }
  return out;
}

/** Ridge-penalised logistic regression by Newton's method (4 coefficients; the intercept is not penalised). */
export function fitLogistic(X: number[][], y: ArrayLike<number>, start: number[]): number[] {
  const d = start.length;
  let w = start.slice();
  const n = X.length;
  const loss = (v: number[]) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += v[j] * X[i][j];
      // −log σ(z) for y = 1, −log σ(−z) for y = 0.
      s += y[i] ? log1p(exp(-z)) : log1p(exp(z));
    }
    for (let j = 1; j < d; j++) s += 0.5 * RIDGE * n * v[j] * v[j];
    return s;
  };
  let current = loss(w);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array(d).fill(0);
    const H = Array.from({ length: d }, () => new Array(d).fill(0));
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += w[j] * X[i][j];
      const pi = sigmoid(z);
      const r = pi - (y[i] ? 1 : 0);
      const h = max(pi * (1 - pi), 1e-12);
      for (let j = 0; j < d; j++) {
        g[j] += r * X[i][j];
        for (let k = 0; k <= j; k++) H[j][k] += h * X[i][j] * X[i][k];
      }
    }
    for (let j = 1; j < d; j++) {
      g[j] += RIDGE * n * w[j];
      H[j][j] += RIDGE * n;
    }
    for (let j = 0; j < d; j++) for (let k = j + 1; k < d; k++) H[j][k] = H[k][j];
    const step = solve(H, g);
    if (!step) break;
    // Damped Newton: halve the step until the penalised loss does not increase.
    let t = 1;
    let next = w;
    let nextLoss = Infinity;
    for (let k = 0; k < 30; k++) {
      next = w.map((v, j) => v - t * step[j]);
      nextLoss = loss(next);
      if (nextLoss <= current) break;
      t /= 2;
    }
    if (!(nextLoss <= current)) break;
    const done = current - nextLoss < 1e-10 * max(1, current);
    w = next;
    current = nextLoss;
    if (done) break;
  }
  return w;
}

function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (Math.abs(M[piv][c]) < 1e-300) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const out = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * out[k];
    out[r] = s / M[r][r];
  }
  return out;
}

function metricsOf(p: ArrayLike<number>, silent: number[]): HoldoutMetrics {
  const c = calibrationOf(p, silent);
  return { auc: rocAuc(p, silent), ece: c.ece, brier: c.brier };
}

/**
 * Learn the map on the split: fit the transaction model to the split's (x, t_x, T), score P(no purchase within
 * the horizon), and regress the observed silence on it. Returns null (with the reason) when the split is too thin.
 */
export function fitHoldoutCalibration(split: HoldoutState, o: { model: TransactionModelKind; horizonDays: number }): CalibrationResult {
  const n = split.x.length;
  const silent: number[] = Array.from(split.boughtAfter, (b) => (b ? 0 : 1));
  const nSilent = silent.reduce((a, v) => a + v, 0);
  const repeat = Array.from(split.x).filter((v) => v > 0).length;
  if (n < MIN_CALIBRATION_CUSTOMERS || nSilent < MIN_CALIBRATION_OUTCOMES || n - nSilent < MIN_CALIBRATION_OUTCOMES || repeat === 0) {
    return {
      calibration: null,
      reason: `not calibrated: the history one horizon before as-of has ${n} customers (${nSilent} silent, ${n - nSilent} buying; at least ${MIN_CALIBRATION_CUSTOMERS} customers and ${MIN_CALIBRATION_OUTCOMES} of each are needed${repeat === 0 ? ', and a repeat buyer' : ''})`,
    };
  }
  const data = { x: Float64Array.from(split.x), tx: Float64Array.from(split.tx), T: Float64Array.from(split.T) };
  let model: BgNbdModel;
  try {
    model = o.model === 'mbg-nbd' ? fitMbgNbd(data) : fitBgNbd(data);
  } catch (e) {
    return { calibration: null, reason: `not calibrated: the model could not be fitted one horizon before as-of (${(e as Error).message})` };
  }
  const p = model.probNoPurchaseWithinMany(o.horizonDays / 7, data);
  if (!p.every(Number.isFinite)) return { calibration: null, reason: 'not calibrated: the split fit gives non-finite probabilities' };
  const X = Array.from(p, (v, i) => features(v, data.x[i], data.tx[i], data.T[i]));
  const identity = [0, 1, 0, 0];
  const coefficients = fitLogistic(X, silent, identity);
  const cal: ChurnCalibration = {
    method: 'logistic',
    features: FEATURES,
    coefficients,
    horizonDays: o.horizonDays,
    customers: n,
    silentShare: nSilent / n,
    splitFit: { kind: model.params.kind, r: model.params.r, alpha: model.params.alpha, a: model.params.a, b: model.params.b },
    before: metricsOf(p, silent),
    after: metricsOf(applyCalibration({ coefficients }, p, data), silent),
  };
  return {
    calibration: cal,
    reason: `calibrated on the ${n} customers one horizon before as-of: ECE ${cal.before.ece.toFixed(3)} → ${cal.after.ece.toFixed(3)}, AUC ${cal.before.auc.toFixed(3)} → ${cal.after.auc.toFixed(3)} (in-sample)`,
  };
}
