import { createRandom, deriveSeed } from '../shared/random';
import { adjustedRandIndex } from './ari';
import { KMeansModel } from './kmeans';
import { Math } from '../shared/math';

/**
 * Criteria for the number of clusters besides the silhouette, each computed on the k search's rows (already
 * scaled). The silhouette favours few, well separated clusters and collapses to k = 2 on a population where one
 * type dominates; these look at other things:
 *  - stability: fit k-means on two seeded half-samples and compare their labellings of every row (ARI, mean of
 *    `pairs` pairs). A k that splits a real type arbitrarily is unstable; a k that matches real structure is not.
 *  - gap statistic (Tibshirani, Walther & Hastie 2001): log W of uniform reference data in the rows' bounding
 *    box minus log W of the rows (W = inertia), with its standard error over `references` reference sets.
 *  - BIC of a Gaussian mixture with diagonal covariances, started from the k-means labels (EM, `emIterations`
 *    steps): −2 log-likelihood + (k − 1 + 2kd) ln n. Lower is better.
 * All are deterministic given the seed.
 */
export interface KCriteriaOptions {
  seed: number;
  /** Half-sample pairs for stability. Default 2. */
  pairs?: number;
  /** Reference data sets for the gap statistic. Default 3. */
  references?: number;
  /** EM iterations of the diagonal mixture. Default 30. */
  emIterations?: number;
}

export interface KCriteria {
  stability: number;
  gap: number;
  gapSe: number;
  bic: number;
}

const STABILITY_SALT = 0x57ab;
const GAP_SALT = 0x6a9;

function subset(data: Float64Array, dim: number, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length * dim);
  idx.forEach((r, i) => out.set(data.subarray(r * dim, r * dim + dim), i * dim));
  return out;
}

export function bootstrapStability(data: Float64Array, dim: number, k: number, seed: number, pairs = 2): number {
  const n = data.length / dim;
  const half = Math.max(k + 1, n >> 1);
  let sum = 0;
  for (let p = 0; p < pairs; p++) {
    const rng = createRandom(deriveSeed(seed, STABILITY_SALT, k, p));
    const labelsOf = (side: number): Int32Array => {
      const rows = subset(data, dim, rng.sampleIndices(n, half));
      const m = new KMeansModel({ k, seed: deriveSeed(seed, STABILITY_SALT, k, p, side), nInit: 2 }).fitFlat(rows, dim);
      return m.assignBatch(data, dim);
    };
    sum += adjustedRandIndex(labelsOf(0), labelsOf(1));
  }
  return sum / pairs;
}

export function gapStatistic(data: Float64Array, dim: number, k: number, inertia: number, seed: number, references = 3): { gap: number; se: number } {
  const n = data.length / dim;
  const lo = new Float64Array(dim).fill(Infinity);
  const hi = new Float64Array(dim).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const logs: number[] = [];
  for (let b = 0; b < references; b++) {
    // The same reference sets for every k (seeded by b only), so the gaps compare like with like.
    const rng = createRandom(deriveSeed(seed, GAP_SALT, b));
    const ref = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) ref[i * dim + j] = lo[j] + rng.next() * (hi[j] - lo[j]);
    const m = new KMeansModel({ k, seed: deriveSeed(seed, GAP_SALT, b, k), nInit: 1 }).fitFlat(ref, dim);
    logs.push(Math.log(Math.max(m.inertia, Number.MIN_VALUE)));
  }
  const mean = logs.reduce((a, b) => a + b, 0) / references;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / references);
  return { gap: mean - Math.log(Math.max(inertia, Number.MIN_VALUE)), se: sd * Math.sqrt(1 + 1 / references) };
}

/** Variance floor of a mixture component (scaled units): keeps a component on a few identical points finite. */
const VAR_FLOOR = 1e-3;

export function diagonalGmmBic(data: Float64Array, dim: number, k: number, labels: Int32Array, emIterations = 30): number {
  const n = data.length / dim;
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + labels[i]] = 1;
  const w = new Float64Array(k);
  const mu = new Float64Array(k * dim);
  const vr = new Float64Array(k * dim);
  const logp = new Float64Array(k);
  let ll = -Infinity;
  for (let it = 0; it <= emIterations; it++) {
    // M step from the current responsibilities.
    w.fill(0);
    mu.fill(0);
    vr.fill(0);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c];
        if (r === 0) continue;
        w[c] += r;
        for (let j = 0; j < dim; j++) mu[c * dim + j] += r * data[i * dim + j];
      }
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) mu[c * dim + j] /= Math.max(w[c], Number.MIN_VALUE);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c];
        if (r === 0) continue;
        for (let j = 0; j < dim; j++) vr[c * dim + j] += r * (data[i * dim + j] - mu[c * dim + j]) ** 2;
      }
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) vr[c * dim + j] = Math.max(vr[c * dim + j] / Math.max(w[c], Number.MIN_VALUE), VAR_FLOOR);
    // E step: responsibilities and the log-likelihood under these parameters.
    const logNorm = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = Math.log(Math.max(w[c] / n, Number.MIN_VALUE));
      for (let j = 0; j < dim; j++) s -= 0.5 * Math.log(2 * Math.PI * vr[c * dim + j]);
      logNorm[c] = s;
    }
    ll = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let q = logNorm[c];
        for (let j = 0; j < dim; j++) q -= (0.5 * (data[i * dim + j] - mu[c * dim + j]) ** 2) / vr[c * dim + j];
        logp[c] = q;
        if (q > max) max = q;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(logp[c] - max);
      const lse = max + Math.log(sum);
      ll += lse;
      for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(logp[c] - lse);
    }
  }
  const params = k - 1 + 2 * k * dim;
  return -2 * ll + params * Math.log(n);
}

/** Every criterion of one k, on rows already clustered by `model` (rows: at most a few thousand). */
export function kCriteria(data: Float64Array, dim: number, model: KMeansModel, labels: Int32Array, o: KCriteriaOptions): KCriteria {
  const k = model.k;
  const { gap, se } = gapStatistic(data, dim, k, model.inertia, o.seed, o.references ?? 3);
  return {
    stability: bootstrapStability(data, dim, k, o.seed, o.pairs ?? 2),
    gap,
    gapSe: se,
    bic: diagonalGmmBic(data, dim, k, labels, o.emIterations ?? 30),
  };
}
