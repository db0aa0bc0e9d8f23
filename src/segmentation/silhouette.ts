import { badInput } from '../shared/errors';
import { createRandom } from '../shared/random';
import { encodeLabels, toFlat, validateLabels, validateMatrix, type Matrix } from './matrix';
import { Math } from '../shared/math';

/**
 * Silhouette (Rousseeuw 1987), exact on a seeded sample: for point i with a(i) = mean Euclidean distance to
 * the other members of its cluster and b(i) = the lowest mean distance to the members of another cluster,
 * s(i) = (b − a) / max(a, b); s = 0 for a point alone in its cluster (scikit-learn's convention). The score is
 * the mean of s over the sample. O(m²·d) in the sample size m, so m stays at a few thousand.
 */
export interface SilhouetteOptions {
  /** Points to score (default 4,000). Larger inputs are sampled without replacement with `seed`. */
  sampleSize?: number;
  /** Required when X has more rows than sampleSize. */
  seed?: number;
}

export interface SilhouetteResult {
  score: number;
  /** Mean s(i) per cluster label present in the sample, in order of first appearance. */
  perCluster: { label: unknown; score: number; size: number }[];
  sampleSize: number;
}

/** s(i) for every row of a flat matrix with integer cluster codes 0..m-1. */
export function silhouetteSamplesFlat(data: Float64Array, d: number, codes: Int32Array, nClusters: number): Float64Array {
  const n = codes.length;
  const sums = new Float64Array(n * nClusters);
  const sizes = new Int32Array(nClusters);
  for (let i = 0; i < n; i++) sizes[codes[i]]++;
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    const ci = codes[i];
    const rowI = i * nClusters;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = data[oi + t] - data[oj + t];
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[rowI + codes[j]] += dist;
      sums[j * nClusters + ci] += dist;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ci = codes[i];
    if (sizes[ci] <= 1) {
      out[i] = 0;
      continue;
    }
    const a = sums[i * nClusters + ci] / (sizes[ci] - 1);
    let b = Infinity;
    for (let c = 0; c < nClusters; c++) {
      if (c === ci || sizes[c] === 0) continue;
      const m = sums[i * nClusters + c] / sizes[c];
      if (m < b) b = m;
    }
    const den = Math.max(a, b);
    out[i] = den > 0 ? (b - a) / den : 0;
  }
  return out;
}

/**
 * A fixed sample of rows whose pairwise distances are computed once (m(m−1)/2 doubles: 36 MB for m = 3,000),
 * then reused to score several labelings of the same rows, e.g. one per k in a k-search. Scoring a labeling
 * is then one pass over the stored distances.
 */
export class SilhouetteSample {
  private readonly dist: Float64Array;
  private readonly m: number;

  /** `indices` (ascending rows of `data` to use) or null for every row. */
  constructor(
    data: Float64Array,
    d: number,
    private readonly indices: readonly number[] | null,
  ) {
    const m = indices ? indices.length : data.length / d;
    this.m = m;
    const rows = indices ?? Array.from({ length: m }, (_, i) => i);
    this.dist = new Float64Array((m * (m - 1)) / 2);
    let p = 0;
    for (let i = 0; i < m; i++) {
      const oi = rows[i] * d;
      for (let j = i + 1; j < m; j++) {
        const oj = rows[j] * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = data[oi + t] - data[oj + t];
          s += diff * diff;
        }
        this.dist[p++] = Math.sqrt(s);
      }
    }
  }

  get size(): number {
    return this.m;
  }

  /**
   * Mean silhouette of the sample under `codes` (cluster 0..k−1 of every row of the original data). Null when
   * the sample holds fewer than 2 (or more than m − 1) clusters, where the silhouette is undefined.
   */
  score(codes: Int32Array, k: number): number | null {
    const m = this.m;
    const c = new Int32Array(m);
    for (let i = 0; i < m; i++) c[i] = codes[this.indices ? this.indices[i] : i];
    const sizes = new Int32Array(k);
    for (let i = 0; i < m; i++) sizes[c[i]]++;
    let present = 0;
    for (let j = 0; j < k; j++) if (sizes[j] > 0) present++;
    if (present < 2 || present > m - 1) return null;
    const sums = new Float64Array(m * k);
    let p = 0;
    for (let i = 0; i < m; i++) {
      const ci = c[i];
      const ri = i * k;
      for (let j = i + 1; j < m; j++) {
        const dd = this.dist[p++];
        sums[ri + c[j]] += dd;
        sums[j * k + ci] += dd;
      }
    }
    let total = 0;
    for (let i = 0; i < m; i++) {
      const ci = c[i];
      if (sizes[ci] <= 1) continue; // a point alone in its cluster scores 0
      const a = sums[i * k + ci] / (sizes[ci] - 1);
      let b = Infinity;
      for (let j = 0; j < k; j++) {
        if (j === ci || sizes[j] === 0) continue;
        const mean = sums[i * k + j] / sizes[j];
        if (mean < b) b = mean;
      }
      const den = Math.max(a, b);
      if (den > 0) total += (b - a) / den;
    }
    return total / m;
  }
}

/**
 * Silhouette of a flat row-major matrix with cluster codes 0..k-1, on a seeded sample of `sampleSize` rows.
 * Returns null when the sample holds fewer than 2 (or more than m − 1) clusters, where it is undefined.
 */
export function silhouetteScoreFlat(data: Float64Array, d: number, codes: Int32Array, k: number, sampleSize: number, seed: number): number | null {
  const n = codes.length;
  const idx = n > sampleSize ? createRandom(seed).sampleIndices(n, sampleSize) : null;
  return new SilhouetteSample(data, d, idx).score(codes, k);
}

/** Silhouette score with per-cluster means; labels may be of any primitive type. */
export function silhouette(X: Matrix, labels: ArrayLike<unknown>, options: SilhouetteOptions = {}): SilhouetteResult {
  const { rows, cols } = validateMatrix(X, 'X');
  validateLabels(labels, rows);
  const sampleSize = options.sampleSize ?? 4000;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) throw badInput(`sampleSize must be an integer ≥ 2, got ${String(options.sampleSize)}`, { argument: 'sampleSize' });
  let idx: number[] | null = null;
  if (rows > sampleSize) {
    if (options.seed === undefined) throw badInput(`seed is required to sample ${sampleSize} of ${rows} rows`, { argument: 'seed' });
    idx = createRandom(options.seed).sampleIndices(rows, sampleSize);
  }
  const sampleX = idx ? idx.map((i) => X[i]) : X;
  const sampleLabels = idx ? idx.map((i) => labels[i]) : Array.from(labels);
  const { codes, values } = encodeLabels(sampleLabels);
  const m = codes.length;
  if (values.length < 2 || values.length > m - 1) {
    throw badInput(`silhouette needs 2 to n − 1 clusters; the ${idx ? 'sample' : 'data'} of ${m} points has ${values.length}`, { argument: 'labels' });
  }
  const s = silhouetteSamplesFlat(toFlat(sampleX, cols), cols, codes, values.length);
  const sum = new Float64Array(values.length);
  const size = new Int32Array(values.length);
  let total = 0;
  for (let i = 0; i < m; i++) {
    total += s[i];
    sum[codes[i]] += s[i];
    size[codes[i]]++;
  }
  return {
    score: total / m,
    perCluster: values.map((label, c) => ({ label, score: sum[c] / size[c], size: size[c] })),
    sampleSize: m,
  };
}

/** Mean silhouette over (a seeded sample of) the points. */
export function silhouetteScore(X: Matrix, labels: ArrayLike<unknown>, options: SilhouetteOptions = {}): number {
  return silhouette(X, labels, options).score;
}
