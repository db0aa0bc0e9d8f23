import { badInput } from '../shared/errors';
import { noProgress, type ProgressFn } from '../shared/progress';
import { createRandom, deriveSeed } from '../shared/random';
import { KMeansModel, type KMeansEngine } from './kmeans';
import { GaussianMixture } from './gmm';
import { adjustedRandIndex } from './ari';
import { inertiaOf, type ClusterModel, type ClusteringAlgorithm } from './cluster-model';
import { toFlat, validateMatrix, type Matrix } from './matrix';
import { SilhouetteSample } from './silhouette';
import { kCriteria } from './k-criteria';
import { Math } from '../shared/math';

/**
 * Choosing the number of clusters.
 *
 * For each k in kMin..kMax: k-means (nInit restarts) on a seeded subsample of at most `searchSampleSize` rows,
 * then its inertia and silhouette (on one fixed seeded sample of `sampleSize` points, the same for every k so
 * the scores compare; their pairwise distances are computed once). The chosen k has the highest silhouette among the
 * non-degenerate, seed-stable results (ties: the smaller k; none stable: among the non-degenerate). Seed-stable: a
 * second k-means fitted with another seed on the criteria rows labels them like the first (ARI ≥ `minSeedStability`,
 * default 0.9). Without it, a k whose restarts land in two different partitions won the silhouette with one seed and
 * lost it with another, and the chosen k itself changed between retrains.
 *
 * Degenerate = not an actionable segmentation:
 *  - one cluster holds ≥ `degenerateShare` (default 90%) of the points (one segment plus crumbs), or
 *  - some cluster holds < `minClusterShare` (default 0.5%) of the points (an outlier cluster too small to act on), or
 *  - the silhouette is undefined (the scored sample holds a single cluster).
 * When every k is degenerate the best silhouette is still chosen and the result says so (`allDegenerate`).
 *
 * Every point of the curve also records the criteria of k-criteria.ts (half-sample stability, gap statistic, BIC
 * of a diagonal Gaussian mixture), computed on `sampleSize` rows of the search sample. They are reported, not
 * used: on the seeded store's two customer mixes, the lowest BIC among stable k over-splits (k = 8, ARI vs the
 * latent types 0.12 where the silhouette's k = 3 gets 0.58), so the silhouette rule stays until a rule does better
 * on both mixes.
 *
 * Retrains with another seed must agree, so the seed reaches only the fits' own starts:
 *  - The rows that only estimate a criterion (the search subsample, the silhouette's points, the criteria rows) are
 *    drawn with fixed salts, a function of the data alone. Drawn from the seed, their sampling noise (≈ 0.01 in a
 *    silhouette of 3,000 points) exceeded the gap between close k (k = 2 and 4 on the 20,000-customer demo store:
 *    0.300 against 0.306), and the chosen k changed with the seed.
 *  - Each k takes the best of `nInit` (default 8) k-means restarts. With 3, a k with two nearly equal optima (k = 6
 *    on the balanced mix: inertia 10,921 against 11,209) reached the better one with some seeds only; with the
 *    other, its silhouette fell and the stability guard turned it down, and the seeds chose k = 5 and 6 (ARI 0.883
 *    between them). Eight restarts reach the same optimum from every seed tried (ARI 0.992–0.995 over seeds 1–4, on
 *    both mixes and the demo store); the search takes twice as long (4.4–4.5 s against 2.2 s on a 50k-row sample).
 *
 * The chosen k is then refitted on all rows with `finalNInit` restarts (more than the search uses: the search
 * only ranks k, the final fit is the model that is kept). Passing `k` skips the search (fixed-k path).
 *
 * With algorithm 'gmm' every k is a full-covariance Gaussian mixture (gmm.ts, `nInit` starts from k-means
 * partitions, covariance floor `regCovar`) and the rule is the ICL with a stability guard:
 *  - ICL (integrated completed likelihood, Biernacki, Celeux & Govaert 2000) = the mixture's BIC + 2 × the
 *    entropy of its responsibilities. The BIC alone rewards any extra component that fits the density better,
 *    even one that cuts a skewed type in two (on the seeded mixes it picked k = 8–10 at ARI 0.3–0.5); the
 *    entropy term charges for components that overlap, which is what a segment must not do.
 *  - stability guard: a second mixture fitted with another seed on the criteria rows must label them like the
 *    first (ARI ≥ `minSeedStability`, default 0.9); a k whose partition depends on the seed is not a finding.
 * The chosen k has the lowest ICL among the non-degenerate, seed-stable k (none stable: among the
 * non-degenerate; none: all). A mixture's cost grows with k, and once components stop paying for themselves the ICL
 * keeps rising: the scan stops after `iclPatience` (default 2) consecutive k that do not improve the best eligible
 * ICL so far, and the curve ends there (on the seeded stores it chose 3–6 and stopped by 8: a third to half of the
 * search's cost was in k = 7–10). Every point records its log-likelihood, BIC, ICL and seed stability, and the
 * silhouette of its partition, so the two rules can be compared on the same curve.
 */
export interface KSearchOptions {
  seed: number;
  /** Clustering engine. Default 'kmeans'. */
  algorithm?: ClusteringAlgorithm;
  /** 'gmm': covariance floor in scaled units² (default 1e-2: values within a tenth of a standard deviation are one value). */
  regCovar?: number;
  /** 'gmm': the scan stops after this many consecutive k that do not improve the best eligible ICL (default 2). */
  iclPatience?: number;
  /** Seed stability a k needs to be chosen (default 0.9). */
  minSeedStability?: number;
  kMin?: number;
  kMax?: number;
  /** Fixed k: no search, one final fit (its curve point is still reported). */
  k?: number;
  /** Restarts per k during the search (k-means; a mixture's starts). Default 8. */
  nInit?: number;
  /** Restarts of the final fit of the chosen k. Default 8. */
  finalNInit?: number;
  /** Rows the search fits use (seeded subsample). Default 20,000. */
  searchSampleSize?: number;
  /** Points the silhouette is computed on (O(m²) time, m²/2 doubles of memory). Default 3,000. */
  sampleSize?: number;
  degenerateShare?: number;
  minClusterShare?: number;
  maxIterations?: number;
  tolerance?: number;
  engine?: KMeansEngine;
  progress?: ProgressFn;
}

export interface KCurvePoint {
  k: number;
  /** On the rows the fit used (the search subsample, or all rows for a fixed k). */
  inertia: number;
  silhouette: number | null;
  largestClusterShare: number;
  smallestClusterShare: number;
  degenerate: boolean;
  degenerateReason: string | null;
  iterations: number;
  converged: boolean;
  /** Mean ARI between fits on seeded half-samples (k-criteria.ts); null on a fixed-k fit. */
  stability?: number | null;
  /** Gap statistic and its standard error; null on a fixed-k fit. */
  gap?: number | null;
  gapSe?: number | null;
  /** BIC of a diagonal Gaussian mixture started from this fit (lower is better); null on a fixed-k fit. With 'gmm': the full mixture's BIC. */
  bic?: number | null;
  /** 'gmm': mean log-likelihood per row of the search rows. */
  logLikelihood?: number | null;
  /** 'gmm': BIC + 2 × entropy of the responsibilities (lower is better). */
  icl?: number | null;
  /** ARI between this fit and one fitted with another seed, on the criteria rows (null on a fixed-k fit). */
  seedStability?: number | null;
}

export interface KSearchResult {
  k: number;
  chosenBy: 'silhouette' | 'icl' | 'fixed';
  algorithm: ClusteringAlgorithm;
  /** True when every k of the search was degenerate (the best silhouette was taken anyway). */
  allDegenerate: boolean;
  curve: KCurvePoint[];
  /** The final model, fitted on all rows. */
  model: ClusterModel;
  /** Degeneracy of the final model on all rows. */
  final: { largestClusterShare: number; smallestClusterShare: number; degenerate: boolean; degenerateReason: string | null };
  reason: string;
}

/** Seeds of the criterion samples (fixed: the same rows for the same data, whatever the training seed). */
const SILHOUETTE_SALT = 0x5111;
const SUBSAMPLE_SALT = 0x5b5;
const FINAL_SALT = 0xf1a1;
const CRITERIA_SALT = 0xc417;
const SEED_STABILITY_SALT = 0x9a55;

function shares(labels: Int32Array, k: number): { largest: number; smallest: number } {
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  return { largest: Math.max(...sizes) / labels.length, smallest: Math.min(...sizes) / labels.length };
}

function degeneracy(largest: number, smallest: number, silhouette: number | null, o: { degenerateShare: number; minClusterShare: number }): string | null {
  if (largest >= o.degenerateShare) return `largest cluster holds ${(largest * 100).toFixed(1)}% of points (≥ ${(o.degenerateShare * 100).toFixed(1)}%)`;
  if (smallest < o.minClusterShare) return `smallest cluster holds ${(smallest * 100).toFixed(2)}% of points (< ${(o.minClusterShare * 100).toFixed(2)}%)`;
  if (silhouette === null) return 'silhouette undefined: the scored sample holds a single cluster';
  return null;
}

function positiveInt(v: number | undefined, dflt: number, name: string, min = 1): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw badInput(`${name} must be an integer ≥ ${min}, got ${String(v)}`, { argument: name });
  return x;
}

function shareOption(v: number | undefined, dflt: number, name: string): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x > 0 && x <= 1)) throw badInput(`${name} must be in (0, 1], got ${String(v)}`, { argument: name });
  return x;
}

/** Searches k (or fits a fixed k) on X (rows × features, already scaled). */
export function searchK(X: Matrix, options: KSearchOptions): KSearchResult {
  const { cols } = validateMatrix(X, 'X');
  return searchKFlat(toFlat(X, cols), cols, options);
}

/** searchK on a flat row-major matrix (validated: finite values). */
export function searchKFlat(data: Float64Array, dim: number, options: KSearchOptions): KSearchResult {
  if (!Number.isSafeInteger(options.seed)) throw badInput(`seed must be an integer, got ${String(options.seed)}`, { argument: 'seed' });
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0) throw badInput(`data length ${data.length} is not a multiple of dim ${dim}`, { argument: 'dim' });
  for (let o = 0; o < data.length; o++) {
    if (!Number.isFinite(data[o])) throw badInput(`X[${Math.floor(o / dim)}][${o % dim}] is ${data[o]}`, { argument: 'X', row: Math.floor(o / dim), column: o % dim });
  }
  const n = data.length / dim;
  const seed = options.seed;
  const nInit = positiveInt(options.nInit, 8, 'nInit');
  const finalNInit = positiveInt(options.finalNInit, 8, 'finalNInit');
  const searchSampleSize = positiveInt(options.searchSampleSize, 20_000, 'searchSampleSize', 2);
  const sampleSize = positiveInt(options.sampleSize, 3000, 'sampleSize', 2);
  const degenerateShare = shareOption(options.degenerateShare, 0.9, 'degenerateShare');
  const minClusterShare = options.minClusterShare ?? 0.005;
  if (!(minClusterShare >= 0 && minClusterShare < 1)) throw badInput(`minClusterShare must be in [0, 1), got ${String(options.minClusterShare)}`, { argument: 'minClusterShare' });
  const limits = { degenerateShare, minClusterShare };
  const algorithm = options.algorithm ?? 'kmeans';
  if (algorithm !== 'kmeans' && algorithm !== 'gmm') throw badInput(`algorithm must be 'kmeans' or 'gmm', got ${String(options.algorithm)}`, { argument: 'algorithm' });
  const regCovar = options.regCovar ?? 1e-2;
  const minSeedStability = options.minSeedStability ?? 0.9;
  const iclPatience = positiveInt(options.iclPatience, 2, 'iclPatience');
  const fitOpts = { maxIterations: options.maxIterations, tolerance: options.tolerance, engine: options.engine };
  const progress = options.progress ?? noProgress;
  const silhouetteSeed = SILHOUETTE_SALT;

  const gmmFit = (k: number, s: number, starts: number, rows: Float64Array): GaussianMixture =>
    new GaussianMixture({ k, seed: s, nInit: starts, regCovar, maxIterations: options.maxIterations, init: 'kmeans' }).fitFlat(rows, dim);
  const finalFit = (k: number): ClusterModel =>
    algorithm === 'gmm'
      ? gmmFit(k, deriveSeed(seed, FINAL_SALT, k), finalNInit, data)
      : new KMeansModel({ k, seed: deriveSeed(seed, FINAL_SALT, k), nInit: finalNInit, ...fitOpts }).fitFlat(data, dim);
  // One sample of points (and its distance matrix) for every k, so the silhouettes compare like with like.
  const silhouetteOf = (rows: Float64Array): SilhouetteSample => {
    const m = rows.length / dim;
    return new SilhouetteSample(rows, dim, m > sampleSize ? createRandom(silhouetteSeed).sampleIndices(m, sampleSize) : null);
  };
  const pointOf = (k: number, model: ClusterModel, sil: number | null, rows: Float64Array): KCurvePoint => {
    const { largest, smallest } = shares(model.labels, k);
    const reason = degeneracy(largest, smallest, sil, limits);
    const inertia = model instanceof KMeansModel ? model.inertia : inertiaOf(rows, dim, model.centroids, model.labels);
    return { k, inertia, silhouette: sil, largestClusterShare: largest, smallestClusterShare: smallest, degenerate: reason !== null, degenerateReason: reason, iterations: model.iterations, converged: model.converged };
  };
  const finalInfo = (model: ClusterModel, point: KCurvePoint | null): KSearchResult['final'] => {
    const { largest, smallest } = shares(model.labels, model.k);
    const reason = degeneracy(largest, smallest, point ? point.silhouette : 0, limits);
    return { largestClusterShare: largest, smallestClusterShare: smallest, degenerate: reason !== null, degenerateReason: reason };
  };

  if (options.k !== undefined) {
    const k = options.k;
    if (!Number.isInteger(k) || k < 2 || k > n - 1) throw badInput(`k must be an integer from 2 to ${n - 1} (rows − 1), got ${String(k)}`, { argument: 'k' });
    progress({ step: 'kmeans', done: 0, total: 1 });
    const model = finalFit(k);
    const point = pointOf(k, model, silhouetteOf(data).score(model.labels, k), data);
    progress({ step: 'kmeans', done: 1, total: 1 });
    return { k, chosenBy: 'fixed', algorithm, allDegenerate: point.degenerate, curve: [point], model, final: finalInfo(model, point), reason: `k = ${k} was fixed${point.degenerate ? ` (degenerate: ${point.degenerateReason})` : ''}` };
  }

  const kMin = positiveInt(options.kMin, 2, 'kMin', 2);
  const kMax = positiveInt(options.kMax, 10, 'kMax', 2);
  if (kMax < kMin) throw badInput(`kMax (${kMax}) must be ≥ kMin (${kMin})`, { argument: 'kMax' });
  const m = Math.min(n, searchSampleSize);
  if (kMax > m - 1) throw badInput(`kMax = ${kMax} needs more rows: the search has ${m} (at least kMax + 1 are needed)`, { argument: 'kMax' });

  let rows = data;
  if (n > searchSampleSize) {
    const idx = createRandom(SUBSAMPLE_SALT).sampleIndices(n, searchSampleSize);
    rows = new Float64Array(idx.length * dim);
    idx.forEach((r, i) => rows.set(data.subarray(r * dim, r * dim + dim), i * dim));
  }

  const silSample = silhouetteOf(rows);
  // The other criteria run on the silhouette's sample size of rows (they refit k-means several times per k).
  const mRows = rows.length / dim;
  let critRows = rows;
  if (mRows > sampleSize) {
    const idx = createRandom(CRITERIA_SALT).sampleIndices(mRows, sampleSize);
    critRows = new Float64Array(idx.length * dim);
    idx.forEach((r, i) => critRows.set(rows.subarray(r * dim, r * dim + dim), i * dim));
  }
  const curve: KCurvePoint[] = [];
  const total = kMax - kMin + 2;
  // 'gmm': the best ICL so far among eligible k, and how many k in a row have been above it.
  let bestIcl = Infinity;
  let worse = 0;
  for (let k = kMin; k <= kMax; k++) {
    if (algorithm === 'gmm' && worse >= iclPatience) break;
    progress({ step: 'k-search', done: k - kMin, total });
    if (algorithm === 'gmm') {
      // The final fit of the same k uses a different seed path, so its starts are fresh starts, not repeats.
      const model = gmmFit(k, deriveSeed(seed, k), nInit, rows);
      const resp = model.probaBatch(rows, dim);
      let entropy = 0;
      for (const r of resp) if (r > 0) entropy -= r * Math.log(r);
      const bic = model.bic();
      const other = gmmFit(k, deriveSeed(seed, SEED_STABILITY_SALT, k), nInit, critRows);
      const seedStability = adjustedRandIndex(model.assignBatch(critRows, dim), other.labels);
      const point: KCurvePoint = { ...pointOf(k, model, silSample.score(model.labels, k), rows), bic, icl: bic + 2 * entropy, logLikelihood: model.logLikelihood, seedStability, stability: null, gap: null, gapSe: null };
      curve.push(point);
      if (!point.degenerate && seedStability >= minSeedStability && point.icl! < bestIcl) {
        bestIcl = point.icl!;
        worse = 0;
      } else if (bestIcl < Infinity) worse++;
      continue;
    }
    // The final fit of the same k uses a different seed path, so its restarts are fresh starts, not repeats.
    const model = new KMeansModel({ k, seed: deriveSeed(seed, k), nInit, ...fitOpts }).fitFlat(rows, dim);
    const critLabels = model.assignBatch(critRows, dim);
    const c = kCriteria(critRows, dim, model, critLabels, { seed });
    const other = new KMeansModel({ k, seed: deriveSeed(seed, SEED_STABILITY_SALT, k), nInit, ...fitOpts }).fitFlat(critRows, dim);
    const seedStability = adjustedRandIndex(critLabels, other.labels);
    curve.push({ ...pointOf(k, model, silSample.score(model.labels, k), rows), stability: c.stability, gap: c.gap, gapSe: c.gapSe, bic: c.bic, seedStability });
  }
  const better = (a: KCurvePoint, b: KCurvePoint): boolean =>
    algorithm === 'gmm' ? (a.icl ?? Infinity) < (b.icl ?? Infinity) : (a.silhouette ?? -Infinity) > (b.silhouette ?? -Infinity);
  const pick = (points: KCurvePoint[]): KCurvePoint | null => points.reduce<KCurvePoint | null>((best, p) => (!best || better(p, best) ? p : best), null);
  const healthy = curve.filter((p) => !p.degenerate);
  const allDegenerate = healthy.length === 0;
  const stable = healthy.filter((p) => (p.seedStability ?? 0) >= minSeedStability);
  const chosen = (allDegenerate ? pick(curve) : stable.length ? pick(stable) : pick(healthy))!;
  progress({ step: 'k-search', done: total - 1, total });
  const model = finalFit(chosen.k);
  progress({ step: 'k-search', done: total, total });
  const sil = chosen.silhouette === null ? 'undefined' : chosen.silhouette.toFixed(3);
  if (algorithm === 'gmm') {
    const icl = chosen.icl!.toFixed(0);
    const last = curve[curve.length - 1].k;
    const stopped = last < kMax ? `; the scan stopped at k = ${last} (${iclPatience} k in a row without a better ICL)` : '';
    const reason = allDegenerate
      ? `every k in ${kMin}..${kMax} is degenerate; k = ${chosen.k} has the lowest ICL (${icl}) but ${chosen.degenerateReason}`
      : stable.length
        ? `k = ${chosen.k} has the lowest ICL (${icl}) among ${stable.length} non-degenerate k in ${kMin}..${kMax} whose seed stability is ≥ ${minSeedStability}`
        : `no k in ${kMin}..${kMax} has seed stability ≥ ${minSeedStability}; k = ${chosen.k} has the lowest ICL (${icl}) among ${healthy.length} non-degenerate k`;
    return { k: chosen.k, chosenBy: 'icl', algorithm, allDegenerate, curve, model, final: finalInfo(model, chosen), reason: reason + stopped };
  }
  const reason = allDegenerate
    ? `every k in ${kMin}..${kMax} is degenerate; k = ${chosen.k} has the best silhouette (${sil}) but ${chosen.degenerateReason}`
    : stable.length
      ? `k = ${chosen.k} has the highest silhouette (${sil}) among ${stable.length} non-degenerate k in ${kMin}..${kMax} whose seed stability is ≥ ${minSeedStability}`
      : `no k in ${kMin}..${kMax} has seed stability ≥ ${minSeedStability}; k = ${chosen.k} has the highest silhouette (${sil}) among ${healthy.length} non-degenerate k`;
  return { k: chosen.k, chosenBy: 'silhouette', algorithm, allDegenerate, curve, model, final: finalInfo(model, chosen), reason };
}
