import { KMeansModel, kmeansPlusPlus } from '../../src/segmentation/kmeans';
import { BLOCK_ROWS } from '../../src/segmentation/kmeans-kernel';
import { createRandom } from '../../src/shared/random';

/** Gaussian blobs around the given centres (seeded). */
function blobs(centres: number[][], perBlob: number, sd: number, seed: number): { X: number[][]; truth: number[] } {
  const r = createRandom(seed);
  const X: number[][] = [];
  const truth: number[] = [];
  centres.forEach((c, b) => {
    for (let i = 0; i < perBlob; i++) {
      X.push(c.map((m) => m + r.normal(0, sd)));
      truth.push(b);
    }
  });
  return { X, truth };
}

const sqDist = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return s;
};

describe('KMeansModel', () => {
  it('finds the exact centroids and inertia of a tiny 1-D fixture', () => {
    // {0, 1, 2} and {10, 11, 12}: centroids 1 and 11, inertia = 2 × (1 + 0 + 1) = 4
    const X = [[0], [1], [2], [10], [11], [12]];
    const m = new KMeansModel({ k: 2, seed: 1, nInit: 3 }).fit(X);
    const cs = m.centroids.map((c) => c[0]).sort((a, b) => a - b);
    expect(cs).toEqual([1, 11]);
    expect(m.inertia).toBe(4);
    const l = Array.from(m.labels);
    expect(new Set(l.slice(0, 3)).size).toBe(1);
    expect(new Set(l.slice(3)).size).toBe(1);
    expect(l[0]).not.toBe(l[3]);
    expect(m.sizes).toEqual([3, 3]);
    expect(m.converged).toBe(true);
    expect(m.predict([[4], [8]])).toEqual([l[0], l[3]]);
  });

  it('computes inertia as the sum of squared distances to the assigned centroids and keeps the best restart', () => {
    const { X } = blobs([[0, 0, 0], [4, 0, 0], [0, 4, 0], [2, 2, 3]], 60, 1.2, 3);
    const m = new KMeansModel({ k: 4, seed: 9, nInit: 6 }).fit(X);
    const cs = m.centroids;
    let inertia = 0;
    X.forEach((x, i) => {
      const own = sqDist(x, cs[m.labels[i]]);
      for (const c of cs) expect(own).toBeLessThanOrEqual(sqDist(x, c) + 1e-12); // labels are nearest centroids
      inertia += own;
    });
    expect(m.inertia).toBeCloseTo(inertia, 9);
    expect(m.runs).toHaveLength(6);
    expect(new Set(m.runs.map((r) => r.seed)).size).toBe(6);
    expect(m.inertia).toBe(Math.min(...m.runs.map((r) => r.inertia)));
    // Same seed → identical model; the fit is reproducible.
    const again = new KMeansModel({ k: 4, seed: 9, nInit: 6 }).fit(X);
    expect(again.centroids).toEqual(cs);
    expect(Array.from(again.labels)).toEqual(Array.from(m.labels));
  });

  it('native Lloyd reproduces ml-kmeans exactly from the same starting centroids', () => {
    const r = createRandom(21);
    const X = Array.from({ length: 400 }, () => [r.normal(), r.normal() * 2, r.next() * 3]);
    const init = [X[3], X[50], X[100], X[300], X[399]];
    const native = new KMeansModel({ k: 5, seed: 0, initialCentroids: init, tolerance: 0, engine: 'native' }).fit(X);
    const ml = new KMeansModel({ k: 5, seed: 0, initialCentroids: init, tolerance: 0, engine: 'ml-kmeans' }).fit(X);
    expect(native.centroids).toEqual(ml.centroids);
    expect(Array.from(native.labels)).toEqual(Array.from(ml.labels));
    expect(native.inertia).toBe(ml.inertia);
    expect(native.iterations).toBe(ml.iterations);
    expect(native.iterations).toBeGreaterThan(3); // a real trajectory, not a one-step fixture
    expect(native.converged).toBe(true);
  });

  it.each([11, 12, 13])('pruned (Hamerly) iterations keep plain Lloyd trajectories on overlapping data (seed %i)', (seed) => {
    // Overlapping clusters and k = 7 make the bounds prune most points while some keep switching.
    const r = createRandom(seed);
    const X = Array.from({ length: 1500 }, (_, i) => [r.normal() + (i % 3), r.normal(), r.normal() * 0.5 + (i % 5) * 0.4]);
    const init = [0, 100, 200, 300, 400, 500, 600].map((i) => X[i]);
    const native = new KMeansModel({ k: 7, seed: 0, initialCentroids: init, tolerance: 0, engine: 'native' }).fit(X);
    const ml = new KMeansModel({ k: 7, seed: 0, initialCentroids: init, tolerance: 0, engine: 'ml-kmeans' }).fit(X);
    expect(native.iterations).toBe(ml.iterations);
    expect(native.centroids).toEqual(ml.centroids);
    expect(Array.from(native.labels)).toEqual(Array.from(ml.labels));
  });

  it('both engines recover well-separated blobs with the same inertia', () => {
    const { X, truth } = blobs([[0, 0], [10, 0], [0, 10]], 50, 0.5, 4);
    const a = new KMeansModel({ k: 3, seed: 2, nInit: 3, engine: 'native' }).fit(X);
    const b = new KMeansModel({ k: 3, seed: 2, nInit: 3, engine: 'ml-kmeans' }).fit(X);
    expect(a.inertia).toBeCloseTo(b.inertia, 8);
    // Every blob maps to one cluster.
    for (const m of [a, b]) for (let blob = 0; blob < 3; blob++) expect(new Set(truth.flatMap((t, i) => (t === blob ? [m.labels[i]] : []))).size).toBe(1);
  });

  it.each(['native', 'ml-kmeans'] as const)('re-seeds an empty cluster with the farthest point (%s)', (engine) => {
    // The third starting centroid is far from every point: Lloyd would leave it empty.
    const X = [[0], [1], [2], [10], [11], [30]];
    const m = new KMeansModel({ k: 3, seed: 1, engine, initialCentroids: [[0], [10], [1000]] }).fit(X);
    expect(m.sizes.every((s) => s > 0)).toBe(true);
    expect(m.runs[0].reseeded).toBeGreaterThanOrEqual(1);
    // Optimal 3-partition here: {0,1,2}, {10,11}, {30} → inertia 2 + 0.5 + 0.
    expect(m.inertia).toBeCloseTo(2.5, 12);
  });

  it('k-means++ seeding picks one point per tight blob and is reproducible', () => {
    const { X } = blobs([[0, 0], [50, 0], [0, 50]], 30, 0.1, 8);
    const flat = Float64Array.from(X.flat());
    const c1 = kmeansPlusPlus(flat, X.length, 2, 3, createRandom(5));
    const c2 = kmeansPlusPlus(flat, X.length, 2, 3, createRandom(5));
    expect(Array.from(c1)).toEqual(Array.from(c2));
    const blobOf = (x: number, y: number): number => (x > 25 ? 1 : y > 25 ? 2 : 0);
    expect(new Set([blobOf(c1[0], c1[1]), blobOf(c1[2], c1[3]), blobOf(c1[4], c1[5])]).size).toBe(3);
  });

  it('assignBatch matches predict and streams into a reused buffer', () => {
    const { X } = blobs([[0, 0], [5, 5]], 40, 1, 6);
    const m = new KMeansModel({ k: 2, seed: 3 }).fit(X);
    const flat = Float64Array.from(X.flat());
    const out = new Int32Array(X.length);
    const dist = new Float64Array(X.length);
    expect(m.assignBatch(flat, 2, out, dist)).toBe(out);
    expect(Array.from(out)).toEqual(m.predict(X));
    expect(Array.from(out)).toEqual(Array.from(m.labels));
    const total = dist.reduce((s, d) => s + d, 0);
    expect(total).toBeCloseTo(m.inertia, 9);
  });

  it('validates inputs with precise messages and refuses to predict unfitted', () => {
    const m = new KMeansModel({ k: 2, seed: 1 });
    expect(() => m.predict([[1, 2]])).toThrow('KMeansModel is not fitted: call fit(X) first');
    expect(() => m.fit([[1, 2], [3, NaN], [4, 5]])).toThrow('X[1][1] is NaN');
    expect(() => m.fit([[1, 2]])).toThrow('X has 1 rows, fewer than k = 2 clusters');
    expect(() => new KMeansModel({ k: 0, seed: 1 })).toThrow('k must be a positive integer, got 0');
    expect(() => new KMeansModel({ k: 2, seed: undefined as unknown as number })).toThrow('seed must be an integer, got undefined');
    expect(() => new KMeansModel({ k: 2, seed: 1, threads: 0 })).toThrow('threads must be a positive integer, got 0');
    m.fit([[0, 0], [0, 1], [9, 9], [9, 8]]);
    expect(() => m.predict([[1, 2, 3]])).toThrow('X[0] has 3 columns, expected 2');
    expect(() => m.assignBatch(new Float64Array([0, 0, 1, NaN]), 2)).toThrow('rows[1][1] is NaN');
    expect(() => m.assignBatch(new Float64Array([0, 0, 1]), 2)).toThrow('rows has 3 values, not a multiple of dim 2');
    expect(() => m.assignBatch(new Float64Array([0, 0, 1]), 3)).toThrow('rows have 3 columns, the model has 2');
  });

  it('round-trips through JSON', () => {
    const { X } = blobs([[0, 0], [5, 5], [0, 5]], 20, 1, 2);
    const m = new KMeansModel({ k: 3, seed: 4, nInit: 2 }).fit(X);
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    expect(json).toMatchObject({ model: 'kmeans', version: 1, k: 3, dim: 2, seed: 4, nInit: 2, nSamples: 60 });
    const r = KMeansModel.fromJSON(json);
    expect(r.predict(X)).toEqual(m.predict(X));
    expect(r.inertia).toBe(m.inertia);
    expect(() => r.labels).toThrow(/labels are only kept/);
    expect(() => KMeansModel.fromJSON({ ...json, version: 99 })).toThrow('kmeans version 99 is not supported (expected 1)');
  });
});

/**
 * Plain Lloyd, written out without bounds: every row to its first nearest centre, empty clusters re-seeded with the
 * farthest point of a cluster that keeps one, centroids summed block by block (BLOCK_ROWS rows, row order) and the
 * blocks added in order, then one last assignment to the final centroids. The native engine must follow it bit for
 * bit: its bounds may only skip distance computations whose outcome is already certain.
 */
function plainLloyd(data: Float64Array, d: number, init: Float64Array, maxIterations: number) {
  const n = data.length / d;
  const k = init.length / d;
  const sq = (i: number, centers: Float64Array, c: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - centers[c * d + j];
      s += t * t;
    }
    return s;
  };
  const assign = (centers: Float64Array, labels: Int32Array, dist: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const s = sq(i, centers, c);
        if (s < bestD) (bestD = s), (best = c);
      }
      labels[i] = best;
      dist[i] = bestD;
    }
  };
  let centers = init.slice();
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  let reseeded = 0;
  while (!converged && iterations < maxIterations) {
    iterations++;
    assign(centers, labels, dist);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    let moved = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) continue;
      let far = -1;
      for (let i = 0; i < n; i++) if (counts[labels[i]] > 1 && (far < 0 || dist[i] > dist[far])) far = i;
      if (far < 0) break;
      counts[labels[far]]--;
      labels[far] = c;
      counts[c] = 1;
      dist[far] = 0;
      moved++;
    }
    reseeded += moved;
    const next = new Float64Array(k * d);
    for (let from = 0; from < n; from += BLOCK_ROWS) {
      const block = new Float64Array(k * d);
      for (let i = from; i < Math.min(n, from + BLOCK_ROWS); i++) for (let j = 0; j < d; j++) block[labels[i] * d + j] += data[i * d + j];
      for (let o = 0; o < k * d; o++) next[o] += block[o];
    }
    let shift = 0;
    for (let o = 0; o < k * d; o++) {
      const c = Math.floor(o / d);
      next[o] = counts[c] ? next[o] / counts[c] : centers[o];
      shift += (next[o] - centers[o]) ** 2;
    }
    converged = moved === 0 && shift <= 0;
    centers = next;
  }
  assign(centers, labels, dist);
  let inertia = 0;
  for (let from = 0; from < n; from += BLOCK_ROWS) {
    let block = 0;
    for (let i = from; i < Math.min(n, from + BLOCK_ROWS); i++) block += dist[i];
    inertia += block;
  }
  return { centers, labels, iterations, converged, reseeded, inertia };
}

describe('native Lloyd with bounds against plain Lloyd', () => {
  /** Fits from `init` and checks every output against the plain loop, bit for bit. */
  const same = (data: Float64Array, d: number, init: Float64Array, maxIterations: number): { iterations: number; reseeded: number } => {
    const k = init.length / d;
    const initRows = Array.from({ length: k }, (_, c) => Array.from(init.subarray(c * d, (c + 1) * d)));
    const m = new KMeansModel({ k, seed: 0, initialCentroids: initRows, tolerance: 0, maxIterations }).fitFlat(data, d);
    const ref = plainLloyd(data, d, init, maxIterations);
    expect(m.iterations).toBe(ref.iterations);
    expect(m.converged).toBe(ref.converged);
    expect(m.runs[0].reseeded).toBe(ref.reseeded);
    expect(Float64Array.from(m.centroids.flat())).toEqual(ref.centers);
    expect(m.labels).toEqual(ref.labels);
    expect(m.inertia).toBe(ref.inertia);
    return { iterations: ref.iterations, reseeded: ref.reseeded };
  };

  it.each([1, 2, 3])('follows it on overlapping clusters over several blocks, at every iteration cap (seed %i)', (seed) => {
    const r = createRandom(seed);
    const n = BLOCK_ROWS + 777;
    const d = 5;
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const g = r.int(6);
      for (let j = 0; j < d; j++) data[i * d + j] = r.normal(((g * (j + 1)) % 4) * 0.8, 1 + (g % 2) * 0.5);
    }
    const init = kmeansPlusPlus(data, n, d, 8, createRandom(seed + 100));
    const { iterations } = same(data, d, init, 500);
    expect(iterations).toBeGreaterThan(10); // a long trajectory, where the bounds prune most rows
    for (const cap of [2, 5, Math.floor(iterations / 2)]) same(data, d, init, cap);
  });

  it('breaks exact ties as plain Lloyd does (first nearest centre), on integer data with equidistant points', () => {
    // Small integer coordinates and centres on the grid: many rows are exactly as far from two or more centres.
    const r = createRandom(7);
    const n = 3000;
    const d = 2;
    const data = new Float64Array(n * d);
    for (let o = 0; o < n * d; o++) data[o] = r.int(7);
    const init = Float64Array.from([0, 0, 2, 0, 0, 2, 6, 6, 4, 4]);
    same(data, d, init, 100);
    // Duplicate centres tie on every row from the start.
    same(data, d, Float64Array.from([1, 1, 1, 1, 5, 5]), 100);
  });

  it('re-seeds empty clusters as plain Lloyd does, then follows it on', () => {
    const r = createRandom(9);
    const n = BLOCK_ROWS + 500;
    const d = 3;
    const data = new Float64Array(n * d);
    for (let o = 0; o < n * d; o++) data[o] = r.normal(o % 3, 1);
    // Two centres far from every row start empty.
    const init = Float64Array.from([0, 1, 2, 1, 1, 1, 500, 500, 500, -400, 0, 0, 2, 0, 1]);
    expect(same(data, d, init, 200).reseeded).toBeGreaterThanOrEqual(2);
  });
});
