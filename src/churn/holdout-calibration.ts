import { BgNbdModel, fitBgNbd, fitMbgNbd, type TransactionModelKind } from './bgnbd';
import { Math, exp, log, log1p, max, min } from '../shared/math';
import { calibrationOf, rocAuc } from './metrics';
import { sigmoid } from './special-functions';
import { SeededRandom } from '../shared/random';

/**
 * Holdout calibration of churnProbability = P(no purchase within the horizon), learned on the store's own history.
 *
 * The churn model is fitted as of a split one calibration horizon h before as-of, on the purchases before it; what
 * happened in the following h the store has already seen. The model's P(no purchase within t) is
 * 1 − P(alive) · (1 − S(t)), S(t) = P(silent for t | alive) = ((α + T)/(α + T + t))^(r + x). The map recalibrates
 * P(alive) only — logit P'(alive) = w · [1, logit P(alive), log(1 + recency weeks), log(1 + x), spend] — fitted by
 * maximum likelihood to the silence observed in h, and keeps the model's S(t). Dropout is what silence identifies
 * badly (a → 0 fits, one-time buyers), and P(alive) does not depend on the horizon, so a map learned over h carries
 * to the product's horizon: when the history before as-of is shorter than two horizons, h is half of it. Four terms
 * and a ridge keep it low-dimensional and smooth; the identity (0, 1, 0, 0, 0) returns the model's own probability.
 *
 * The spend term: the BG/NBD family assumes spend independent of buying and dropping out, which a store's own
 * history may contradict (its big spenders staying longer, or shorter). It is the customer's log mean order
 * value, standardised on the split and clipped to ±3 (a missing or non-positive value counts as the split's
 * mean), so its weight is whatever the split's outcomes support and stays near 0 where spend says nothing.
 *
 * Learned only when the split has enough customers of both outcomes (otherwise null, with the reason), on a seeded
 * sample of at most CALIBRATION_SAMPLE of them: five weights need far fewer, and a million-customer store then pays
 * for a sample's refit and map rather than the store's. Fisher scoring starts from the identity and only accepts
 * steps that lower the penalised log loss on the sample.
 */
export const MIN_CALIBRATION_CUSTOMERS = 500;
/** Shortest calibration horizon worth learning from (days). */
export const MIN_CALIBRATION_HORIZON_DAYS = 14;

/**
 * The calibration horizon h for a store with `historyDays` of purchases before as-of: the product's horizon when
 * the history holds two of them (one to fit on, one to observe), else half the history, so the split keeps as
 * much history to fit on as it has future to observe; null when that is under MIN_CALIBRATION_HORIZON_DAYS.
 */
export function calibrationHorizonDays(historyDays: number, horizonDays: number): number | null {
  const h = historyDays >= 2 * horizonDays ? horizonDays : Math.floor(historyDays / 2);
  return h >= MIN_CALIBRATION_HORIZON_DAYS ? h : null;
}
export const MIN_CALIBRATION_OUTCOMES = 50;
/** Customers of the split the map is learned on at most (a seeded uniform sample beyond that). */
export const CALIBRATION_SAMPLE = 50_000;
const SPEND_CLIP = 3;
const RIDGE = 1e-3;
const P_CLIP = 1e-9;

export interface HoldoutState {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  /** 1 when the customer bought within the horizon after the split. */
  boughtAfter: ArrayLike<number>;
  /** Mean order value before the split (NaN when unknown). */
  aov: ArrayLike<number>;
}

export interface HoldoutMetrics {
  auc: number;
  ece: number;
  brier: number;
}

export interface ChurnCalibration {
  method: 'alive-logistic';
  features: string[];
  coefficients: number[];
  horizonDays: number;
  /** Customers on the split, and the share of them silent in the following horizon. */
  customers: number;
  silentShare: number;
  /** Customers the model was refitted and the map learned on (all of the split up to CALIBRATION_SAMPLE, seeded). */
  sampleSize: number;
  /** The spend term's standardisation: (ln mean order value − centre) / scale, clipped to ±3. */
  spend: SpendScale;
  /** The model as fitted on the sample, and its metrics there before and after the map (in-sample for the map). */
  splitFit: { kind: TransactionModelKind; r: number; alpha: number; a: number; b: number };
  before: HoldoutMetrics;
  after: HoldoutMetrics;
}

export type CalibrationResult = { calibration: ChurnCalibration; reason: string } | { calibration: null; reason: string };

export interface SpendScale {
  centre: number;
  scale: number;
}

const FEATURES = ['intercept', 'logit P(alive)', 'log(1 + recency weeks)', 'log(1 + repeat purchase days)', 'standardised log mean order value'];
const D = FEATURES.length;

function spendTerm(aov: number, s: SpendScale): number {
  if (!(aov > 0) || !Number.isFinite(aov)) return 0;
  return min(max((log(aov) - s.centre) / s.scale, -SPEND_CLIP), SPEND_CLIP);
}

function features(out: Float64Array, at: number, p: number, x: number, tx: number, T: number, spend: number): void {
  const q = min(max(p, P_CLIP), 1 - P_CLIP);
  out[at] = 1;
  out[at + 1] = log(q) - log1p(-q);
  out[at + 2] = log1p(max(T - tx, 0));
  out[at + 3] = log1p(x);
  out[at + 4] = spend;
}

/** Mean and standard deviation of ln(mean order value) over the customers with a positive one (0 and 1 if none). */
export function spendScaleOf(aov: ArrayLike<number>): SpendScale {
  let n = 0;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < aov.length; i++) {
    const v = aov[i];
    if (!(v > 0) || !Number.isFinite(v)) continue;
    const l = log(v);
    n++;
    s += l;
    ss += l * l;
  }
  if (n === 0) return { centre: 0, scale: 1 };
  const centre = s / n;
  const sd = Math.sqrt(max(ss / n - centre * centre, 0));
  return { centre, scale: sd > 1e-9 ? sd : 1 };
}

/**
 * The calibrated P(no purchase within t) = 1 − P'(alive) · (1 − S(t)) for each customer, from the model's P(alive)
 * and S(t) (see survivalIfAlive).
 */
export function applyCalibration(
  cal: Pick<ChurnCalibration, 'coefficients' | 'spend'>,
  pAlive: ArrayLike<number>,
  silentIfAlive: ArrayLike<number>,
  data: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number>; aov: ArrayLike<number> },
): Float64Array {
  const out = new Float64Array(pAlive.length);
  const w = cal.coefficients;
  const f = new Float64Array(D);
  for (let i = 0; i < pAlive.length; i++) {
    features(f, 0, pAlive[i], data.x[i], data.tx[i], data.T[i], spendTerm(data.aov[i], cal.spend));
    out[i] = 1 - sigmoid(w[0] * f[0] + w[1] * f[1] + w[2] * f[2] + w[3] * f[3] + w[4] * f[4]) * (1 - silentIfAlive[i]);
  }
  return out;
}

/** S(t) = P(no purchase in t | alive at T) = ((α + T)/(α + T + t))^(r + x) (λ's Gamma posterior). */
export function survivalIfAlive(p: { r: number; alpha: number }, t: number, data: { x: ArrayLike<number>; T: ArrayLike<number> }): Float64Array {
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) out[i] = exp(-(p.r + data.x[i]) * log1p(t / (p.alpha + data.T[i])));
  return out;
}

/**
 * Ridge-penalised maximum likelihood of P(buy) = σ(w·f) · (1 − S) by Fisher scoring (the intercept is not
 * penalised); with S = 0 it is logistic regression. Steps are halved until the penalised loss does not rise.
 * X is row-major, one row of `start.length` features per customer; the linear predictor is kept in a typed array
 * so each pass over the customers is one multiply-add per feature.
 */
export function fitAliveMap(X: Float64Array, silent: ArrayLike<number>, S: ArrayLike<number>, start: number[]): number[] {
  const d = start.length;
  const n = S.length;
  const eta = new Float64Array(n);
  const setEta = (v: number[]) => {
    for (let i = 0, o = 0; i < n; i++, o += d) {
      let z = 0;
      for (let j = 0; j < d; j++) z += v[j] * X[o + j];
      eta[i] = z;
    }
  };
  const loss = (v: number[]) => {
    setEta(v);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const q = min(max(sigmoid(eta[i]) * (1 - S[i]), 1e-15), 1 - 1e-15);
      s -= silent[i] ? log1p(-q) : log(q);
    }
    for (let j = 1; j < d; j++) s += 0.5 * RIDGE * n * (v[j] - start[j]) ** 2;
    return s;
  };
  let w = start.slice();
  let current = loss(w);
  const g = new Float64Array(d);
  const H = new Float64Array(d * d);
  for (let iter = 0; iter < 50; iter++) {
    // eta holds w's linear predictor: loss(w) was the last evaluation.
    g.fill(0);
    H.fill(0);
    for (let i = 0, o = 0; i < n; i++, o += d) {
      const sg = sigmoid(eta[i]);
      const q = min(max(sg * (1 - S[i]), 1e-15), 1 - 1e-15);
      const dq = sg * (1 - sg) * (1 - S[i]);
      const b = silent[i] ? 0 : 1;
      const r = -((b - q) / (q * (1 - q))) * dq;
      const h = (dq * dq) / (q * (1 - q));
      for (let j = 0; j < d; j++) {
        const xj = X[o + j];
        g[j] += r * xj;
        const hx = h * xj;
        for (let k = 0; k <= j; k++) H[j * d + k] += hx * X[o + k];
      }
    }
    const gv: number[] = Array.from(g);
    const Hm: number[][] = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (k <= j ? H[j * d + k] : H[k * d + j])));
    for (let j = 1; j < d; j++) {
      gv[j] += RIDGE * n * (w[j] - start[j]);
      Hm[j][j] += RIDGE * n;
    }
    const step = solve(Hm, gv);
    if (!step) break;
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

function metricsOf(p: ArrayLike<number>, silent: Uint8Array): HoldoutMetrics {
  const c = calibrationOf(p, silent);
  return { auc: rocAuc(p, silent), ece: c.ece, brier: c.brier };
}

/**
 * Learn the map on the split: fit the transaction model to the split's (x, t_x, T), score P(no purchase within
 * the horizon), and regress the observed silence on it. Returns null (with the reason) when the split is too thin.
 */
export function fitHoldoutCalibration(split: HoldoutState, o: { model: TransactionModelKind; horizonDays: number; seed?: number }): CalibrationResult {
  const n = split.x.length;
  let nSilent = 0;
  let repeat = 0;
  for (let i = 0; i < n; i++) {
    if (!split.boughtAfter[i]) nSilent++;
    if (split.x[i] > 0) repeat++;
  }
  if (n < MIN_CALIBRATION_CUSTOMERS || nSilent < MIN_CALIBRATION_OUTCOMES || n - nSilent < MIN_CALIBRATION_OUTCOMES || repeat === 0) {
    return {
      calibration: null,
      reason: `not calibrated: the history one horizon before as-of has ${n} customers (${nSilent} silent, ${n - nSilent} buying; at least ${MIN_CALIBRATION_CUSTOMERS} customers and ${MIN_CALIBRATION_OUTCOMES} of each are needed${repeat === 0 ? ', and a repeat buyer' : ''})`,
    };
  }
  const idx = n > CALIBRATION_SAMPLE ? new SeededRandom(o.seed ?? 1).sampleIndices(n, CALIBRATION_SAMPLE) : null;
  const m = idx ? idx.length : n;
  const pick = (v: ArrayLike<number>) => (idx ? Float64Array.from(idx, (i) => v[i]) : Float64Array.from(v));
  const data = { x: pick(split.x), tx: pick(split.tx), T: pick(split.T), aov: pick(split.aov) };
  const silent = Uint8Array.from(pick(split.boughtAfter), (b) => (b ? 0 : 1));
  if (!data.x.some((v) => v > 0)) return { calibration: null, reason: 'not calibrated: the sample of the split has no repeat buyer' };
  let model: BgNbdModel;
  try {
    model = o.model === 'mbg-nbd' ? fitMbgNbd(data) : fitBgNbd(data);
  } catch (e) {
    return { calibration: null, reason: `not calibrated: the model could not be fitted one horizon before as-of (${(e as Error).message})` };
  }
  const pAlive = model.pAliveMany(data);
  const S = survivalIfAlive(model.params, o.horizonDays / 7, data);
  const p = Float64Array.from(pAlive, (a, i) => 1 - a * (1 - S[i]));
  if (!p.every(Number.isFinite)) return { calibration: null, reason: 'not calibrated: the split fit gives non-finite probabilities' };
  const spend = spendScaleOf(data.aov);
  const X = new Float64Array(m * D);
  for (let i = 0; i < m; i++) features(X, i * D, pAlive[i], data.x[i], data.tx[i], data.T[i], spendTerm(data.aov[i], spend));
  const coefficients = fitAliveMap(X, silent, S, [0, 1, 0, 0, 0]);
  const cal: ChurnCalibration = {
    method: 'alive-logistic',
    features: FEATURES,
    coefficients,
    horizonDays: o.horizonDays,
    customers: n,
    silentShare: nSilent / n,
    sampleSize: m,
    spend,
    splitFit: { kind: model.params.kind, r: model.params.r, alpha: model.params.alpha, a: model.params.a, b: model.params.b },
    before: metricsOf(p, silent),
    after: metricsOf(applyCalibration({ coefficients, spend }, pAlive, S, data), silent),
  };
  const on = m < n ? `a seeded sample of ${m} of the ${n} customers before the split` : `the ${n} customers before the split`;
  return {
    calibration: cal,
    reason: `calibrated over ${o.horizonDays} days on ${on}: ECE ${cal.before.ece.toFixed(3)} → ${cal.after.ece.toFixed(3)}, AUC ${cal.before.auc.toFixed(3)} → ${cal.after.auc.toFixed(3)} (in-sample)`,
  };
}
