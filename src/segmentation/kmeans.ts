import { badInput } from '../shared/errors';
import { createRandom, deriveSeed, type SeededRandom } from '../shared/random';
import { allocateState, MODE_ASSIGN_BOUNDS, MODE_BOUNDS, MODE_FULL, MODE_SUMS, type LloydState } from './kmeans-kernel';
import { availableParallelism } from 'node:os';
import { BlockRunner, threadsAvailable } from './kmeans-threads';
import { validateMatrix, toFlat, type Matrix } from './matrix';
import { Math } from '../shared/math';

/**
 * K-means with explicit seeds, restarts and our own inertia.
 *
 * Two engines run the same algorithm (Lloyd iterations: assign every point to its nearest centroid, move each
 * centroid to the mean of its points, stop when no centroid moves more than the tolerance):
 *  - 'native' (default): greedy k-means++ seeding (scikit-learn's, 2 + ⌊ln k⌋ local trials, on a sample of at most
 *    INIT_SAMPLE_ROWS rows) and Lloyd on one flat Float64Array, with Hamerly's bounds to skip points that cannot
 *    change cluster, in blocks of rows that helper threads share when `threads` asks for them (kmeans-kernel.ts,
 *    kmeans-threads.ts). The
 *    centroids are block sums added in block order, so a fit is bit-identical on any number of threads (tested).
 *    From the same starting centroids (and tolerance 0) it produces ml-kmeans's labels and iteration count, and
 *    exactly its centroids when all rows fit in one block (BLOCK_ROWS; beyond, the block sums round differently
 *    in the last bits); it is several times faster, which is what keeps a k-search over k = 2..10 with restarts
 *    within seconds.
 *  - 'ml-kmeans': ml-kmeans 7 end to end (its seeded k-means++ and its Lloyd loop), kept as the reference
 *    implementation the native engine is tested against.
 * Both: `nInit` restarts with seeds derived from `seed`, the lowest inertia (Σ squared distance of each point to
 * the centroid it is finally assigned to, computed here) wins; an empty cluster is re-seeded with the point
 * farthest from its centroid (as scikit-learn does) and the iterations continue.
 * The tolerance is relative (× the mean feature variance of X), so the same setting works on raw or standardised
 * data: the native engine stops when the centroids' total squared move is within it (scikit-learn's rule),
 * ml-kmeans when each centroid's squared move is; with tolerance 0 both run until no point changes cluster.
 */
type MlKmeans = typeof import('ml-kmeans');
let mlKmeansModule: MlKmeans | null = null;
/**
 * ml-kmeans is ESM-only: Node 20 can require() it but prints an ExperimentalWarning, so it is loaded only when
 * the 'ml-kmeans' engine is actually used, not by every command that imports this module.
 */
function mlKmeans(...args: Parameters<MlKmeans['kmeans']>): ReturnType<MlKmeans['kmeans']> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  mlKmeansModule ??= require('ml-kmeans') as MlKmeans;
  return mlKmeansModule.kmeans(...args);
}

export const KMEANS_MODEL = 'kmeans';
export const KMEANS_VERSION = 1;
/** Rows from which a fit without a `threads` option shares its Lloyd passes with helper threads. */
export const AUTO_THREAD_ROWS = 100_000;

export type KMeansEngine = 'native' | 'ml-kmeans';

export interface KMeansOptions {
  k: number;
  /** Seed of restart r is deriveSeed(seed, r). Required: fits are reproducible. */
  seed: number;
  /** Restarts; the fit with the lowest inertia is kept. Default 4. */
  nInit?: number;
  /** Lloyd iterations per restart. Default 100. */
  maxIterations?: number;
  /**
   * Relative tolerance: converged when the centroids' total squared move in one iteration is ≤ tolerance × the
   * mean feature variance of X (scikit-learn's rule). Default 1e-4. 0 = run until no point changes cluster.
   */
  tolerance?: number;
  engine?: KMeansEngine;
  /** Start every restart from these centroids instead of k-means++ (then nInit is 1). */
  initialCentroids?: number[][];
  /**
   * Threads (this one included) sharing the native engine's Lloyd passes. Default: from AUTO_THREAD_ROWS rows, the
   * cores the machine runs at once (at most 4), else 1. The fit is bit-identical whatever the count.
   */
  threads?: number;
}

export interface KMeansRun {
  seed: number;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Empty clusters re-seeded during this run. */
  reseeded: number;
}

export interface KMeansJSON {
  model: typeof KMEANS_MODEL;
  version: number;
  k: number;
  dim: number;
  seed: number;
  nInit: number;
  maxIterations: number;
  tolerance: number;
  engine: KMeansEngine;
  centroids: number[][];
  sizes: number[];
  inertia: number;
  iterations: number;
  converged: boolean;
  nSamples: number;
  runs: KMeansRun[];
}

interface RunResult {
  centers: Float64Array;
  iterations: number;
  converged: boolean;
  reseeded: number;
}

/** Nearest centre of row `i` (first minimum on ties, as ml-nearest-vector): label and squared distance. */
function nearest(data: Float64Array, off: number, centers: Float64Array, k: number, d: number, labels: Int32Array, dist: Float64Array, i: number): void {
  let best = -1;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    const co = c * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const diff = data[off + j] - centers[co + j];
      s += diff * diff;
      // Adding non-negative terms can only grow s: once it is not below the best, this centre cannot win.
      if (s >= bestD) break;
    }
    if (s < bestD) {
      bestD = s;
      best = c;
    }
  }
  labels[i] = best;
  dist[i] = bestD;
}

/** Assigns every row; returns the inertia. */
function assignAll(data: Float64Array, n: number, d: number, centers: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    nearest(data, i * d, centers, k, d, labels, dist, i);
    inertia += dist[i];
  }
  return inertia;
}

/**
 * Moves the point farthest from its centroid (taken from a cluster that keeps ≥ 1 point) into each empty cluster.
 * Mutates labels/dist/counts; returns how many clusters were re-seeded.
 */
function reseedEmpty(n: number, k: number, labels: Int32Array, dist: Float64Array, counts: Int32Array): number {
  let reseeded = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) continue;
    let far = -1;
    let farD = -1;
    for (let i = 0; i < n; i++) {
      if (counts[labels[i]] > 1 && dist[i] > farD) {
        farD = dist[i];
        far = i;
      }
    }
    if (far < 0) break; // fewer distinct points than clusters: nothing left to move
    counts[labels[far]]--;
    labels[far] = c;
    counts[c] = 1;
    dist[far] = 0;
    reseeded++;
  }
  return reseeded;
}

function centresFromLabels(data: Float64Array, n: number, d: number, k: number, labels: Int32Array, prev: Float64Array, counts: Int32Array): Float64Array {
  const next = new Float64Array(k * d);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    const co = c * d;
    const off = i * d;
    for (let j = 0; j < d; j++) next[co + j] += data[off + j];
  }
  for (let c = 0; c < k; c++) {
    const co = c * d;
    for (let j = 0; j < d; j++) next[co + j] = counts[c] ? next[co + j] / counts[c] : prev[co + j];
  }
  return next;
}

/**
 * Lloyd's algorithm with Hamerly's bounds (2010), pass by pass over blocks of rows (kmeans-kernel.ts), possibly on
 * several threads (kmeans-threads.ts). Assignments are the same as plain Lloyd's; centroids are the block sums
 * added in block order and divided by the counts, recomputed from scratch each iteration so their rounding depends
 * neither on the pruning nor on the thread count.
 */
function lloydNative(runner: BlockRunner, init: Float64Array, maxIterations: number, tolAbs: number): RunResult {
  const s = runner.state;
  const { n, d, k, nBlocks, labels, upper, lower, params, sums } = s;
  const kd = k * d;
  let centers = init;
  const counts = new Int32Array(k);
  const moved = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  let reseeded = 0;
  params.set(centers, 0);

  while (!converged && iterations < maxIterations) {
    iterations++;
    runner.run(iterations === 1 ? MODE_FULL : MODE_BOUNDS);
    reduceCounts(s, counts);
    let movedPoints = 0;
    if (counts.includes(0)) {
      // Rare: exact distances for the farthest-point choice, bounds that force a rescan of moved points, new sums.
      const dist = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let sq = 0;
        const off = i * d;
        const co = labels[i] * d;
        for (let j = 0; j < d; j++) {
          const diff = s.data[off + j] - centers[co + j];
          sq += diff * diff;
        }
        dist[i] = sq;
      }
      const before = labels.slice();
      movedPoints = reseedEmpty(n, k, labels, dist, counts);
      for (let i = 0; i < n; i++) if (labels[i] !== before[i]) (upper[i] = Infinity), (lower[i] = 0);
      reseeded += movedPoints;
      runner.run(MODE_SUMS);
      reduceCounts(s, counts);
    }
    const next = new Float64Array(kd);
    for (let b = 0; b < nBlocks; b++) {
      const so = b * s.sumsStride;
      for (let o = 0; o < kd; o++) next[o] += sums[so + o];
    }
    for (let c = 0; c < k; c++) {
      const co = c * d;
      for (let j = 0; j < d; j++) next[co + j] = counts[c] ? next[co + j] / counts[c] : centers[co + j];
    }
    let shift = 0;
    let maxP = 0;
    let maxC = -1;
    let secondP = 0;
    for (let c = 0; c < k; c++) {
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const diff = next[c * d + j] - centers[c * d + j];
        sq += diff * diff;
      }
      shift += sq;
      const p = Math.sqrt(sq);
      moved[c] = p;
      if (p > maxP) {
        secondP = maxP;
        maxP = p;
        maxC = c;
      } else if (p > secondP) secondP = p;
    }
    converged = movedPoints === 0 && shift <= tolAbs;
    centers = next;
    // The next pass moves every row's bounds by these moves and compares them with half the centre separations.
    params.set(centers, 0);
    for (let c = 0; c < k; c++) {
      let m = Infinity;
      for (let c2 = 0; c2 < k; c2++) {
        if (c2 === c) continue;
        let sq = 0;
        for (let j = 0; j < d; j++) {
          const diff = centers[c * d + j] - centers[c2 * d + j];
          sq += diff * diff;
        }
        if (sq < m) m = sq;
      }
      params[kd + c] = Math.sqrt(m) / 2;
      params[kd + k + c] = moved[c];
    }
    params[kd + 2 * k] = maxC;
    params[kd + 2 * k + 1] = maxP;
    params[kd + 2 * k + 2] = secondP;
  }
  return { centers, iterations, converged, reseeded };
}

function reduceCounts(s: LloydState, counts: Int32Array): void {
  counts.fill(0);
  for (let b = 0; b < s.nBlocks; b++) for (let c = 0; c < s.k; c++) counts[c] += s.counts[b * s.countsStride + c];
}

/**
 * Labels every row with its nearest centre after lloydNative (whose last update left the centres, their moves and
 * separations in the runner's params); returns the inertia, summed in block order.
 */
function assignBlocks(runner: BlockRunner): number {
  const s = runner.state;
  runner.run(MODE_ASSIGN_BOUNDS);
  let inertia = 0;
  for (let b = 0; b < s.nBlocks; b++) inertia += s.inertia[b];
  return inertia;
}

function lloydMl(data: Float64Array, n: number, d: number, k: number, init: Float64Array | null, seed: number, maxIterations: number, tolAbs: number): RunResult {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(data.subarray(i * d, (i + 1) * d));
  let initialization: number[][] | 'kmeans++' = init ? toRows(init, d) : 'kmeans++';
  let iterations = 0;
  let reseeded = 0;
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  const counts = new Int32Array(k);
  // ml-kmeans keeps an empty cluster's old centre; re-seed it here and let ml-kmeans continue from there.
  for (;;) {
    const res = mlKmeans(rows, k, { initialization, seed, maxIterations: Math.max(1, maxIterations - iterations), tolerance: tolAbs });
    iterations += res.iterations;
    const centers = Float64Array.from(res.centroids.flat());
    assignAll(data, n, d, centers, k, labels, dist);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const moved = reseedEmpty(n, k, labels, dist, counts);
    if (moved === 0 || iterations >= maxIterations) return { centers, iterations, converged: res.converged && moved === 0, reseeded: reseeded + moved };
    reseeded += moved;
    initialization = toRows(centresFromLabels(data, n, d, k, labels, centers, counts), d);
  }
}

function toRows(flat: Float64Array, d: number): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < flat.length; o += d) out.push(Array.from(flat.subarray(o, o + d)));
  return out;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ candidates per step: the
 * candidate that most lowers the potential is kept).
 */
export function kmeansPlusPlus(data: Float64Array, n: number, d: number, k: number, rng: SeededRandom): Float64Array {
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centers.set(data.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const diff = data[i * d + j] - centers[j];
      s += diff * diff;
    }
    closest[i] = s;
  }
  const cum = new Float64Array(n);
  const candDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cum[i] = acc;
    }
    let bestIdx = -1;
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let cand: number;
      if (acc > 0) {
        // Sample ∝ squared distance to the nearest chosen centre (binary search on the cumulative sum).
        const r = rng.next() * acc;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cum[mid] <= r) lo = mid + 1;
          else hi = mid;
        }
        cand = lo;
      } else cand = rng.int(n);
      let p = 0;
      const co = cand * d;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const diff = data[i * d + j] - data[co + j];
          s += diff * diff;
        }
        const m = s < closest[i] ? s : closest[i];
        candDist[i] = m;
        p += m;
      }
      if (p < bestPot) {
        bestPot = p;
        bestIdx = cand;
        bestDist.set(candDist);
      }
    }
    centers.set(data.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestDist);
  }
  return centers;
}

/**
 * Rows k-means++ seeds from. It only has to place k seeds in dense regions, which a seeded sample of this many
 * rows does as well as the full data (a cluster holding 1% of the rows still has ~200 of them), while its cost,
 * (k − 1)·(2 + ln k) passes over the rows, stops growing with n. Lloyd then runs on every row.
 */
export const INIT_SAMPLE_ROWS = 20_000;


/** Greedy k-means++ seeding on a seeded sample of at most INIT_SAMPLE_ROWS rows (all rows when n is smaller). */
export function initialCentres(data: Float64Array, n: number, d: number, k: number, rng: SeededRandom): Float64Array {
  if (n <= INIT_SAMPLE_ROWS) return kmeansPlusPlus(data, n, d, k, rng);
  // Selection sampling (Knuth's algorithm S): each row is kept with probability (wanted left) / (rows left),
  // which draws exactly m rows, uniformly, in row order.
  const m = INIT_SAMPLE_ROWS;
  const sample = new Float64Array(m * d);
  let taken = 0;
  for (let i = 0; i < n && taken < m; i++) {
    if ((n - i) * rng.next() < m - taken) {
      sample.set(data.subarray(i * d, i * d + d), taken * d);
      taken++;
    }
  }
  return kmeansPlusPlus(sample, m, d, k, rng);
}

function meanVariance(data: Float64Array, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * d + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const diff = data[i * d + j] - m;
      v += diff * diff;
    }
    total += v / n;
  }
  return total / d;
}

function checkFlat(rows: Float64Array, dim: number, name: string): number {
  if (!(rows instanceof Float64Array)) throw badInput(`${name} must be a Float64Array of row-major values`, { argument: name });
  if (!Number.isInteger(dim) || dim <= 0) throw badInput(`dim must be a positive integer, got ${dim}`, { argument: 'dim' });
  if (rows.length % dim !== 0) throw badInput(`${name} has ${rows.length} values, not a multiple of dim ${dim}`, { argument: name });
  return rows.length / dim;
}

function firstNonFinite(rows: Float64Array, dim: number, from = 0): { row: number; col: number; value: number } | null {
  for (let o = from * dim; o < rows.length; o++) if (!Number.isFinite(rows[o])) return { row: Math.floor(o / dim), col: o % dim, value: rows[o] };
  return null;
}

export class KMeansModel {
  readonly k: number;
  readonly seed: number;
  readonly nInit: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly engine: KMeansEngine;
  /** Threads of the native engine's Lloyd passes (undefined = decided per fit); results do not depend on it. */
  readonly threads: number | undefined;
  private readonly initial: Float64Array | null;

  private centersFlat: Float64Array | null = null;
  private dim = 0;
  private labelsV: Int32Array | null = null;
  private sizesV: number[] = [];
  private inertiaV = NaN;
  private iterationsV = 0;
  private convergedV = false;
  private nSamplesV = 0;
  private runsV: KMeansRun[] = [];

  constructor(options: KMeansOptions) {
    const { k, seed } = options;
    if (!Number.isInteger(k) || k < 1) throw badInput(`k must be a positive integer, got ${String(k)}`, { argument: 'k' });
    if (!Number.isSafeInteger(seed)) throw badInput(`seed must be an integer, got ${String(seed)}`, { argument: 'seed' });
    this.k = k;
    this.seed = seed;
    this.nInit = options.nInit ?? 4;
    this.maxIterations = options.maxIterations ?? 100;
    this.tolerance = options.tolerance ?? 1e-4;
    this.engine = options.engine ?? 'native';
    this.threads = options.threads;
    if (this.threads !== undefined && (!Number.isInteger(this.threads) || this.threads < 1)) throw badInput(`threads must be a positive integer, got ${String(options.threads)}`, { argument: 'threads' });
    if (!Number.isInteger(this.nInit) || this.nInit < 1) throw badInput(`nInit must be a positive integer, got ${String(options.nInit)}`, { argument: 'nInit' });
    if (!Number.isInteger(this.maxIterations) || this.maxIterations < 1) throw badInput(`maxIterations must be a positive integer, got ${String(options.maxIterations)}`, { argument: 'maxIterations' });
    if (!(this.tolerance >= 0) || !Number.isFinite(this.tolerance)) throw badInput(`tolerance must be a finite number ≥ 0, got ${String(options.tolerance)}`, { argument: 'tolerance' });
    if (this.engine !== 'native' && this.engine !== 'ml-kmeans') throw badInput(`engine must be 'native' or 'ml-kmeans', got ${String(options.engine)}`, { argument: 'engine' });
    if (options.initialCentroids) {
      const { cols } = validateMatrix(options.initialCentroids, 'initialCentroids');
      if (options.initialCentroids.length !== k) throw badInput(`initialCentroids has ${options.initialCentroids.length} rows, expected k = ${k}`, { argument: 'initialCentroids' });
      this.initial = toFlat(options.initialCentroids, cols);
      this.dim = cols;
    } else this.initial = null;
  }

  get fitted(): boolean {
    return this.centersFlat !== null;
  }

  private need(): Float64Array {
    if (!this.centersFlat) throw new Error('KMeansModel is not fitted: call fit(X) first');
    return this.centersFlat;
  }

  get centroids(): number[][] {
    return toRows(this.need(), this.dim);
  }
  /** Cluster of each training row (only on the model returned by fit, not after fromJSON). */
  get labels(): Int32Array {
    this.need();
    if (!this.labelsV) throw new Error('labels are only kept on a model fitted in this process (not restored by fromJSON)');
    return this.labelsV;
  }
  get sizes(): number[] {
    this.need();
    return [...this.sizesV];
  }
  get inertia(): number {
    this.need();
    return this.inertiaV;
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
  get nFeatures(): number {
    this.need();
    return this.dim;
  }
  /** Every restart's outcome, in restart order. */
  get runs(): KMeansRun[] {
    return this.runsV.map((r) => ({ ...r }));
  }

  /** Fits on the rows of X (validated: rectangular, finite). Returns this model, fitted. */
  fit(X: Matrix): this {
    const { cols } = validateMatrix(X, 'X', this.initial ? { cols: this.dim } : {});
    return this.fitValidated(toFlat(X, cols), cols);
  }

  /** Fits on a flat row-major matrix (rows × dim), e.g. one already standardised by StandardScaler.transformFlat. */
  fitFlat(data: Float64Array, dim: number): this {
    checkFlat(data, dim, 'X');
    const bad = firstNonFinite(data, dim);
    if (bad) throw badInput(`X[${bad.row}][${bad.col}] is ${bad.value}`, { argument: 'X', row: bad.row, column: bad.col });
    return this.fitValidated(data, dim);
  }

  /**
   * Threads for a fit: the option when given; else, from AUTO_THREAD_ROWS rows up, as many as the machine runs at once
   * (at most 4). Since each block's sums and counts have cache lines of their own, a 200k × 8, k = 8 Lloyd fit takes
   * 425 ms on 2 threads against 666 ms on 1 on a quiet machine (bench/RESULTS.md, KMeans); below that size the
   * hand-off per pass has not been shown to pay, and the training's fit samples (≤ 50,000 rows) stay on one thread.
   * Compiled JavaScript only (helpers load this module's .js).
   */
  private threadsFor(n: number): number {
    if (!threadsAvailable()) return 1;
    if (this.threads !== undefined) return this.threads;
    return n >= AUTO_THREAD_ROWS ? Math.max(1, Math.min(4, availableParallelism())) : 1;
  }

  private fitValidated(data: Float64Array, dim: number): this {
    const n = data.length / dim;
    if (this.initial && dim !== this.dim) throw badInput(`X has ${dim} columns but initialCentroids have ${this.dim}`, { argument: 'X' });
    if (n < this.k) throw badInput(`X has ${n} rows, fewer than k = ${this.k} clusters`, { argument: 'X' });
    const tolAbs = this.tolerance * meanVariance(data, n, dim);
    const nInit = this.initial ? 1 : this.nInit;
    let best: { run: RunResult; inertia: number; labels: Int32Array } | null = null;
    const runs: KMeansRun[] = [];
    if (this.engine === 'native') {
      const threads = this.threadsFor(n);
      const runner = new BlockRunner(allocateState(data, n, dim, this.k, threads > 1), threads);
      try {
        for (let r = 0; r < nInit; r++) {
          const seed = deriveSeed(this.seed, r);
          const init = this.initial ? this.initial.slice() : initialCentres(data, n, dim, this.k, createRandom(seed));
          const run = lloydNative(runner, init, this.maxIterations, tolAbs);
          // Labels follow the final centroids (Lloyd's last step moved them after assigning).
          const inertia = assignBlocks(runner);
          runs.push({ seed, inertia, iterations: run.iterations, converged: run.converged, reseeded: run.reseeded });
          if (!best || inertia < best.inertia) best = { run, inertia, labels: Int32Array.from(runner.state.labels) };
        }
      } finally {
        runner.close();
      }
    } else {
      const labels = new Int32Array(n);
      const dist = new Float64Array(n);
      for (let r = 0; r < nInit; r++) {
        const seed = deriveSeed(this.seed, r);
        const run = lloydMl(data, n, dim, this.k, this.initial, seed, this.maxIterations, tolAbs);
        const inertia = assignAll(data, n, dim, run.centers, this.k, labels, dist);
        runs.push({ seed, inertia, iterations: run.iterations, converged: run.converged, reseeded: run.reseeded });
        if (!best || inertia < best.inertia) best = { run, inertia, labels: labels.slice() };
      }
    }
    if (!best) throw new Error('unreachable: no k-means run');
    this.centersFlat = best.run.centers;
    this.dim = dim;
    this.labelsV = best.labels;
    const sizes = new Array<number>(this.k).fill(0);
    for (let i = 0; i < n; i++) sizes[best.labels[i]]++;
    this.sizesV = sizes;
    this.inertiaV = best.inertia;
    this.iterationsV = best.run.iterations;
    this.convergedV = best.run.converged;
    this.nSamplesV = n;
    this.runsV = runs;
    return this;
  }

  /** Nearest centroid of each row of X. */
  predict(X: Matrix): number[] {
    this.need();
    validateMatrix(X, 'X', { cols: this.dim });
    return Array.from(this.assignBatch(toFlat(X, this.dim), this.dim));
  }

  /**
   * Nearest centroid for each row of a flat row-major batch (rows × dim), for streaming millions of rows
   * without building arrays of arrays. `out` (and `distances`, squared) may be passed to reuse buffers.
   * A non-finite value is reported with its row and column.
   */
  assignBatch(rows: Float64Array, dim: number, out?: Int32Array, distances?: Float64Array): Int32Array {
    const centers = this.need();
    const n = checkFlat(rows, dim, 'rows');
    if (dim !== this.dim) throw badInput(`rows have ${dim} columns, the model has ${this.dim}`, { argument: 'dim' });
    const labels = out ?? new Int32Array(n);
    if (labels.length < n) throw badInput(`out has room for ${labels.length} labels, the batch has ${n} rows`, { argument: 'out' });
    if (distances && distances.length < n) throw badInput(`distances has room for ${distances.length} values, the batch has ${n} rows`, { argument: 'distances' });
    const dist = distances ?? new Float64Array(n);
    const k = this.k;
    for (let i = 0; i < n; i++) {
      nearest(rows, i * dim, centers, k, dim, labels, dist, i);
      // A NaN or infinite value makes every distance NaN/∞, so no centroid wins: report where it is.
      if (labels[i] < 0) {
        const bad = firstNonFinite(rows, dim, i)!;
        throw badInput(`rows[${bad.row}][${bad.col}] is ${bad.value}`, { argument: 'rows', row: bad.row, column: bad.col });
      }
    }
    return labels;
  }

  toJSON(): KMeansJSON {
    const centers = this.need();
    return {
      model: KMEANS_MODEL,
      version: KMEANS_VERSION,
      k: this.k,
      dim: this.dim,
      seed: this.seed,
      nInit: this.nInit,
      maxIterations: this.maxIterations,
      tolerance: this.tolerance,
      engine: this.engine,
      centroids: toRows(centers, this.dim),
      sizes: [...this.sizesV],
      inertia: this.inertiaV,
      iterations: this.iterationsV,
      converged: this.convergedV,
      nSamples: this.nSamplesV,
      runs: this.runs,
    };
  }

  static fromJSON(json: KMeansJSON): KMeansModel {
    if (!json || json.model !== KMEANS_MODEL) throw badInput(`not a ${KMEANS_MODEL} model: model is ${JSON.stringify(json?.model)}`, { argument: 'json' });
    if (json.version !== KMEANS_VERSION) throw badInput(`${KMEANS_MODEL} version ${json.version} is not supported (expected ${KMEANS_VERSION})`, { argument: 'json' });
    validateMatrix(json.centroids, 'json.centroids', { cols: json.dim });
    if (json.centroids.length !== json.k) throw badInput(`json.centroids has ${json.centroids.length} rows, expected k = ${json.k}`, { argument: 'json' });
    const m = new KMeansModel({ k: json.k, seed: json.seed, nInit: json.nInit, maxIterations: json.maxIterations, tolerance: json.tolerance, engine: json.engine });
    m.centersFlat = toFlat(json.centroids, json.dim);
    m.dim = json.dim;
    m.sizesV = [...json.sizes];
    m.inertiaV = json.inertia;
    m.iterationsV = json.iterations;
    m.convergedV = json.converged;
    m.nSamplesV = json.nSamples;
    m.runsV = (json.runs ?? []).map((r) => ({ ...r }));
    return m;
  }
}
