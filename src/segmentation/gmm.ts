import { badInput } from '../shared/errors';
import { createRandom, deriveSeed } from '../shared/random';
import { KMeansModel, kmeansPlusPlus } from './kmeans';
import { validateMatrix, toFlat, type Matrix } from './matrix';
import { Math } from '../shared/math';

/**
 * Gaussian mixture with full covariance matrices, fitted by expectation–maximisation, as scikit-learn's
 * GaussianMixture(covariance_type='full') does it:
 *  - each of `nInit` starts takes its responsibilities from a hard partition, either one k-means fit
 *    (init 'kmeans', scikit-learn's default) or the nearest of k-means++ seeds (init 'kmeans++'); the start
 *    with the highest final mean log-likelihood is kept;
 *  - `regCovar` is added to every covariance diagonal, so a component on a flat patch of the data (one-time
 *    buyers have no spread in gap or tenure) keeps a positive-definite covariance;
 *  - EM stops when the mean log-likelihood per sample changes by less than `tolerance`, or after
 *    `maxIterations`; a final E step makes the labels agree with the returned parameters.
 * A component can be elongated and tilted, which k-means cannot express: customer types differ in how their
 * features vary together (spend grows with frequency for regulars, not for one-off big spenders), not only in
 * where their centres lie.
 */
export const GMM_MODEL = 'gmm';
export const GMM_VERSION = 1;

export type GmmInit = 'kmeans' | 'kmeans++';

export interface GaussianMixtureOptions {
  k: number;
  /** Seed of start r is deriveSeed(seed, r). Required: fits are reproducible. */
  seed: number;
  /** Starts; the one with the highest mean log-likelihood is kept. Default 4. */
  nInit?: number;
  /** EM iterations per start. Default 100 (scikit-learn's). */
  maxIterations?: number;
  /** Converged when the mean log-likelihood per sample moves by less than this. Default 1e-3 (scikit-learn's). */
  tolerance?: number;
  /** Added to the diagonal of every covariance (data units²). Default 1e-6 (scikit-learn's). */
  regCovar?: number;
  /** How a start's responsibilities are made. Default 'kmeans'. */
  init?: GmmInit;
}

export interface GmmRun {
  seed: number;
  /** Mean log-likelihood per sample at the end of this start. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

export interface GaussianMixtureJSON {
  model: typeof GMM_MODEL;
  version: number;
  k: number;
  dim: number;
  seed: number;
  nInit: number;
  maxIterations: number;
  tolerance: number;
  regCovar: number;
  init: GmmInit;
  weights: number[];
  means: number[][];
  /** k × dim × dim. */
  covariances: number[][][];
  /** Points of the training rows per component (by their most likely component). */
  sizes: number[];
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  nSamples: number;
  runs: GmmRun[];
}

interface Params {
  weights: Float64Array;
  means: Float64Array;
  covs: Float64Array;
  /** Lower Cholesky factor of each covariance, k × d × d. */
  chol: Float64Array;
  /** log det of each covariance. */
  logDet: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** scikit-learn adds 10 × machine epsilon to each component's weight so an empty component divides by > 0. */
const WEIGHT_EPS = 10 * Number.EPSILON;

/** Lower Cholesky factor of the d × d block at `a[o..]` into `l[o..]`; false when it is not positive definite. */
function cholesky(a: Float64Array, l: Float64Array, o: number, d: number): boolean {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[o + i * d + j];
      for (let p = 0; p < j; p++) s -= l[o + i * d + p] * l[o + j * d + p];
      if (i === j) {
        if (!(s > 0)) return false;
        l[o + i * d + i] = Math.sqrt(s);
      } else l[o + i * d + j] = s / l[o + j * d + j];
    }
    for (let j = i + 1; j < d; j++) l[o + i * d + j] = 0;
  }
  return true;
}

function checkFlat(rows: Float64Array, dim: number, name: string): number {
  if (!(rows instanceof Float64Array)) throw badInput(`${name} must be a Float64Array of row-major values`, { argument: name });
  if (!Number.isInteger(dim) || dim <= 0) throw badInput(`dim must be a positive integer, got ${String(dim)}`, { argument: 'dim' });
  if (rows.length % dim !== 0) throw badInput(`${name} has ${rows.length} values, not a multiple of dim ${dim}`, { argument: name });
  for (let o = 0; o < rows.length; o++) {
    if (!Number.isFinite(rows[o])) throw badInput(`${name}[${Math.floor(o / dim)}][${o % dim}] is ${rows[o]}`, { argument: name, row: Math.floor(o / dim), column: o % dim });
  }
  return rows.length / dim;
}

/**
 * Responsibilities below this add nothing measurable to a component's sums (a point 20+ standard deviations
 * away) and are skipped: the covariance sums are the costly part of an iteration.
 */
const NEGLIGIBLE = 1e-12;

/** M step: weights, means and regularized covariances from responsibilities (n × k). */
function mStep(data: Float64Array, n: number, d: number, k: number, resp: Float64Array, regCovar: number, p: Params): void {
  const { weights, means, covs } = p;
  weights.fill(WEIGHT_EPS);
  means.fill(0);
  covs.fill(0);
  for (let i = 0; i < n; i++) {
    const io = i * d;
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c];
      if (r < NEGLIGIBLE) continue;
      weights[c] += r;
      const mo = c * d;
      for (let j = 0; j < d; j++) means[mo + j] += r * data[io + j];
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] /= weights[c];
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const io = i * d;
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c];
      if (r < NEGLIGIBLE) continue;
      const mo = c * d;
      const co = c * d * d;
      for (let j = 0; j < d; j++) diff[j] = data[io + j] - means[mo + j];
      for (let a = 0; a < d; a++) {
        const ra = r * diff[a];
        for (let b = 0; b <= a; b++) covs[co + a * d + b] += ra * diff[b];
      }
    }
  }
  for (let c = 0; c < k; c++) {
    const co = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = covs[co + a * d + b] / weights[c];
        covs[co + a * d + b] = v;
        covs[co + b * d + a] = v;
      }
      covs[co + a * d + a] += regCovar;
    }
  }
  let total = 0;
  for (let c = 0; c < k; c++) total += weights[c];
  for (let c = 0; c < k; c++) weights[c] /= total;
  factor(p, k, d);
}

function factor(p: Params, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    if (!cholesky(p.covs, p.chol, o, d)) {
      throw badInput(`component ${c} has an ill-defined covariance (not positive definite): fewer distinct points than features, or constant features; raise regCovar or lower k`, { argument: 'regCovar', component: c });
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.log(p.chol[o + j * d + j]);
    p.logDet[c] = 2 * s;
  }
}

/**
 * log(weight_c · N(x_i | mean_c, cov_c)) for every component of row i into `out`; returns their log-sum-exp
 * (the row's log-likelihood).
 */
function logJoint(data: Float64Array, io: number, d: number, k: number, p: Params, y: Float64Array, out: Float64Array): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    const mo = c * d;
    const lo = c * d * d;
    // Mahalanobis distance by forward substitution: L y = x − mean, distance = |y|².
    let maha = 0;
    for (let a = 0; a < d; a++) {
      let s = data[io + a] - p.means[mo + a];
      for (let b = 0; b < a; b++) s -= p.chol[lo + a * d + b] * y[b];
      const v = s / p.chol[lo + a * d + a];
      y[a] = v;
      maha += v * v;
    }
    const q = Math.log(p.weights[c]) - 0.5 * (d * LOG_2PI + p.logDet[c] + maha);
    out[c] = q;
    if (q > max) max = q;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(out[c] - max);
  return max + Math.log(sum);
}

/** E step: responsibilities into `resp`; returns the mean log-likelihood per row. */
function eStep(data: Float64Array, n: number, d: number, k: number, p: Params, resp: Float64Array): number {
  const y = new Float64Array(d);
  const lj = new Float64Array(k);
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const lse = logJoint(data, i * d, d, k, p, y, lj);
    ll += lse;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(lj[c] - lse);
  }
  return ll / n;
}

function newParams(k: number, d: number): Params {
  return { weights: new Float64Array(k), means: new Float64Array(k * d), covs: new Float64Array(k * d * d), chol: new Float64Array(k * d * d), logDet: new Float64Array(k) };
}

function positiveInteger(v: number | undefined, dflt: number, name: string): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw badInput(`${name} must be a positive integer, got ${String(v)}`, { argument: name });
  return x;
}

export class GaussianMixture {
  readonly k: number;
  readonly seed: number;
  readonly nInit: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly regCovar: number;
  readonly init: GmmInit;

  private p: Params | null = null;
  private dim = 0;
  private labelsV: Int32Array | null = null;
  private sizesV: number[] = [];
  private llV = NaN;
  private iterationsV = 0;
  private convergedV = false;
  private nSamplesV = 0;
  private runsV: GmmRun[] = [];

  constructor(options: GaussianMixtureOptions) {
    const { k, seed } = options;
    if (!Number.isInteger(k) || k < 1) throw badInput(`k must be a positive integer, got ${String(k)}`, { argument: 'k' });
    if (!Number.isSafeInteger(seed)) throw badInput(`seed must be an integer, got ${String(seed)}`, { argument: 'seed' });
    this.k = k;
    this.seed = seed;
    this.nInit = positiveInteger(options.nInit, 4, 'nInit');
    this.maxIterations = positiveInteger(options.maxIterations, 100, 'maxIterations');
    this.tolerance = options.tolerance ?? 1e-3;
    this.regCovar = options.regCovar ?? 1e-6;
    this.init = options.init ?? 'kmeans';
    if (!(this.tolerance >= 0) || !Number.isFinite(this.tolerance)) throw badInput(`tolerance must be a finite number ≥ 0, got ${String(options.tolerance)}`, { argument: 'tolerance' });
    if (!(this.regCovar >= 0) || !Number.isFinite(this.regCovar)) throw badInput(`regCovar must be a finite number ≥ 0, got ${String(options.regCovar)}`, { argument: 'regCovar' });
    if (this.init !== 'kmeans' && this.init !== 'kmeans++') throw badInput(`init must be 'kmeans' or 'kmeans++', got ${String(options.init)}`, { argument: 'init' });
  }

  get fitted(): boolean {
    return this.p !== null;
  }

  private need(): Params {
    if (!this.p) throw new Error('GaussianMixture is not fitted: call fit(X) first');
    return this.p;
  }

  get nFeatures(): number {
    this.need();
    return this.dim;
  }
  get weights(): number[] {
    return Array.from(this.need().weights);
  }
  /** Component means: the centroids of the segments. */
  get means(): number[][] {
    const m = this.need().means;
    return Array.from({ length: this.k }, (_, c) => Array.from(m.subarray(c * this.dim, (c + 1) * this.dim)));
  }
  get centroids(): number[][] {
    return this.means;
  }
  get covariances(): number[][][] {
    const cv = this.need().covs;
    const d = this.dim;
    return Array.from({ length: this.k }, (_, c) => Array.from({ length: d }, (_, a) => Array.from(cv.subarray(c * d * d + a * d, c * d * d + a * d + d))));
  }
  /** Most likely component of each training row (only on the model returned by fit, not after fromJSON). */
  get labels(): Int32Array {
    this.need();
    if (!this.labelsV) throw new Error('labels are only kept on a model fitted in this process (not restored by fromJSON)');
    return this.labelsV;
  }
  get sizes(): number[] {
    this.need();
    return [...this.sizesV];
  }
  /** Mean log-likelihood per training row under the fitted parameters. */
  get logLikelihood(): number {
    this.need();
    return this.llV;
  }
  get iterations(): number {
    this.need();
    return this.iterationsV;
  }
  get converged(): boolean {
    this.need();
    return this.convergedV;
  }
  get nSamples(): number {
    return this.nSamplesV;
  }
  get runs(): GmmRun[] {
    return this.runsV.map((r) => ({ ...r }));
  }
  /** Free parameters: k − 1 weights, k·d means, k·d(d+1)/2 covariance entries. */
  get nParameters(): number {
    const d = this.nFeatures;
    return this.k - 1 + this.k * d + (this.k * d * (d + 1)) / 2;
  }

  /** Bayesian information criterion on the training rows: −2 log L + parameters · ln n (lower is better). */
  bic(): number {
    return -2 * this.logLikelihood * this.nSamplesV + this.nParameters * Math.log(this.nSamplesV);
  }

  fit(X: Matrix): this {
    const { cols } = validateMatrix(X, 'X');
    return this.fitValidated(toFlat(X, cols), cols);
  }

  fitFlat(data: Float64Array, dim: number): this {
    checkFlat(data, dim, 'X');
    return this.fitValidated(data, dim);
  }

  private fitValidated(data: Float64Array, d: number): this {
    const n = data.length / d;
    const k = this.k;
    if (n < k) throw badInput(`X has ${n} rows, fewer than k = ${k} components`, { argument: 'X' });
    const resp = new Float64Array(n * k);
    let best: { p: Params; ll: number; run: GmmRun } | null = null;
    const runs: GmmRun[] = [];
    for (let r = 0; r < this.nInit; r++) {
      const seed = deriveSeed(this.seed, r);
      resp.fill(0);
      const start = this.startLabels(data, n, d, seed);
      for (let i = 0; i < n; i++) resp[i * k + start[i]] = 1;
      const p = newParams(k, d);
      mStep(data, n, d, k, resp, this.regCovar, p);
      let ll = -Infinity;
      let converged = false;
      let iterations = 0;
      while (iterations < this.maxIterations) {
        iterations++;
        const prev = ll;
        ll = eStep(data, n, d, k, p, resp);
        mStep(data, n, d, k, resp, this.regCovar, p);
        if (Math.abs(ll - prev) < this.tolerance) {
          converged = true;
          break;
        }
      }
      // The likelihood of the parameters actually returned (the loop's last M step moved them).
      ll = eStep(data, n, d, k, p, resp);
      const run = { seed, logLikelihood: ll, iterations, converged };
      runs.push(run);
      if (!best || ll > best.ll) best = { p, ll, run };
    }
    if (!best) throw new Error('unreachable: no start');
    this.p = best.p;
    this.dim = d;
    this.llV = best.ll;
    this.iterationsV = best.run.iterations;
    this.convergedV = best.run.converged;
    this.nSamplesV = n;
    this.runsV = runs;
    this.labelsV = this.assignBatch(data, d);
    const sizes = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) sizes[this.labelsV[i]]++;
    this.sizesV = sizes;
    return this;
  }

  private startLabels(data: Float64Array, n: number, d: number, seed: number): Int32Array {
    if (this.init === 'kmeans') return new KMeansModel({ k: this.k, seed, nInit: 1 }).fitFlat(data, d).labels;
    const centers = kmeansPlusPlus(data, n, d, this.k, createRandom(seed));
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < this.k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[i * d + j] - centers[c * d + j]) ** 2;
        if (s < bestD) {
          bestD = s;
          bestC = c;
        }
      }
      labels[i] = bestC;
    }
    return labels;
  }

  private checkRows(rows: Float64Array, dim: number): number {
    this.need();
    const n = checkFlat(rows, dim, 'rows');
    if (dim !== this.dim) throw badInput(`rows have ${dim} columns, the model has ${this.dim}`, { argument: 'dim' });
    return n;
  }

  /** Most likely component of each row of a flat row-major batch (rows × dim). */
  assignBatch(rows: Float64Array, dim: number, out?: Int32Array): Int32Array {
    const n = this.checkRows(rows, dim);
    const p = this.need();
    const labels = out ?? new Int32Array(n);
    if (labels.length < n) throw badInput(`out has room for ${labels.length} labels, the batch has ${n} rows`, { argument: 'out' });
    const y = new Float64Array(dim);
    const lj = new Float64Array(this.k);
    for (let i = 0; i < n; i++) {
      logJoint(rows, i * dim, dim, this.k, p, y, lj);
      let bestC = 0;
      for (let c = 1; c < this.k; c++) if (lj[c] > lj[bestC]) bestC = c;
      labels[i] = bestC;
    }
    return labels;
  }

  /** Posterior probability of each component for each row of a flat batch (rows × k, row-major). */
  probaBatch(rows: Float64Array, dim: number): Float64Array {
    const n = this.checkRows(rows, dim);
    const out = new Float64Array(n * this.k);
    eStep(rows, n, dim, this.k, this.need(), out);
    return out;
  }

  /** Log-likelihood of each row of a flat batch under the mixture. */
  scoreSamplesBatch(rows: Float64Array, dim: number): Float64Array {
    const n = this.checkRows(rows, dim);
    const p = this.need();
    const y = new Float64Array(dim);
    const lj = new Float64Array(this.k);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = logJoint(rows, i * dim, dim, this.k, p, y, lj);
    return out;
  }

  predict(X: Matrix): number[] {
    this.need();
    validateMatrix(X, 'X', { cols: this.dim });
    return Array.from(this.assignBatch(toFlat(X, this.dim), this.dim));
  }

  predictProba(X: Matrix): number[][] {
    this.need();
    validateMatrix(X, 'X', { cols: this.dim });
    const flat = this.probaBatch(toFlat(X, this.dim), this.dim);
    return Array.from({ length: X.length }, (_, i) => Array.from(flat.subarray(i * this.k, (i + 1) * this.k)));
  }

  /** Mean log-likelihood per row of X (scikit-learn's score). */
  score(X: Matrix): number {
    this.need();
    validateMatrix(X, 'X', { cols: this.dim });
    const s = this.scoreSamplesBatch(toFlat(X, this.dim), this.dim);
    let t = 0;
    for (const v of s) t += v;
    return t / s.length;
  }

  toJSON(): GaussianMixtureJSON {
    const p = this.need();
    return {
      model: GMM_MODEL,
      version: GMM_VERSION,
      k: this.k,
      dim: this.dim,
      seed: this.seed,
      nInit: this.nInit,
      maxIterations: this.maxIterations,
      tolerance: this.tolerance,
      regCovar: this.regCovar,
      init: this.init,
      weights: Array.from(p.weights),
      means: this.means,
      covariances: this.covariances,
      sizes: [...this.sizesV],
      logLikelihood: this.llV,
      iterations: this.iterationsV,
      converged: this.convergedV,
      nSamples: this.nSamplesV,
      runs: this.runs,
    };
  }

  static fromJSON(json: GaussianMixtureJSON): GaussianMixture {
    if (!json || json.model !== GMM_MODEL) throw badInput(`not a ${GMM_MODEL} model: model is ${JSON.stringify(json?.model)}`, { argument: 'json' });
    if (json.version !== GMM_VERSION) throw badInput(`${GMM_MODEL} version ${json.version} is not supported (expected ${GMM_VERSION})`, { argument: 'json' });
    const { k, dim: d } = json;
    validateMatrix(json.means, 'json.means', { cols: d });
    if (json.means.length !== k) throw badInput(`json.means has ${json.means.length} rows, expected k = ${k}`, { argument: 'json' });
    if (!Array.isArray(json.weights) || json.weights.length !== k || json.weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
      throw badInput(`json.weights must hold k = ${k} positive numbers`, { argument: 'json' });
    }
    if (!Array.isArray(json.covariances) || json.covariances.length !== k) throw badInput(`json.covariances has ${json.covariances?.length} matrices, expected k = ${k}`, { argument: 'json' });
    json.covariances.forEach((c, i) => {
      validateMatrix(c, `json.covariances[${i}]`, { cols: d });
      if (c.length !== d) throw badInput(`json.covariances[${i}] has ${c.length} rows, expected ${d}`, { argument: 'json' });
    });
    const m = new GaussianMixture({ k, seed: json.seed, nInit: json.nInit, maxIterations: json.maxIterations, tolerance: json.tolerance, regCovar: json.regCovar, init: json.init });
    const p = newParams(k, d);
    p.weights.set(json.weights);
    json.means.forEach((row, c) => p.means.set(row, c * d));
    json.covariances.forEach((cv, c) => cv.forEach((row, a) => p.covs.set(row, c * d * d + a * d)));
    factor(p, k, d);
    m.p = p;
    m.dim = d;
    m.sizesV = [...json.sizes];
    m.llV = json.logLikelihood;
    m.iterationsV = json.iterations;
    m.convergedV = json.converged;
    m.nSamplesV = json.nSamples;
    m.runsV = (json.runs ?? []).map((r) => ({ ...r }));
    return m;
  }
}
