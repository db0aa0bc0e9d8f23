import { searchK } from '../../src/segmentation/k-search';
import { adjustedRandIndex } from '../../src/segmentation/ari';
import { createRandom } from '../../src/shared/random';

function blobs(centres: number[][], sizes: number[], sd: number, seed: number): { X: number[][]; truth: number[] } {
  const r = createRandom(seed);
  const X: number[][] = [];
  const truth: number[] = [];
  centres.forEach((c, b) => {
    for (let i = 0; i < sizes[b]; i++) {
      X.push(c.map((m) => m + r.normal(0, sd)));
      truth.push(b);
    }
  });
  return { X, truth };
}

describe('searchK', () => {
  const { X, truth } = blobs([[0, 0], [8, 0], [0, 8], [8, 8]], [120, 100, 90, 90], 1, 1);

  it('picks the k of well-separated blobs by silhouette and recovers them', () => {
    const events: number[] = [];
    const r = searchK(X, { seed: 5, kMin: 2, kMax: 8, progress: (e) => events.push(e.done) });
    expect(r.k).toBe(4);
    expect(r.chosenBy).toBe('silhouette');
    // Every criterion is recorded on every point of the curve.
    for (const p of r.curve) for (const c of [p.stability, p.gap, p.gapSe, p.bic]) expect(Number.isFinite(c)).toBe(true);
    expect(r.curve.find((p) => p.k === 4)!.stability!).toBeGreaterThan(0.95);
    expect(r.allDegenerate).toBe(false);
    expect(r.curve.map((p) => p.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const best = r.curve.find((p) => p.k === 4)!;
    for (const p of r.curve) expect(p.silhouette!).toBeLessThanOrEqual(best.silhouette!);
    // Inertia falls with k (each k keeps its best of nInit restarts).
    for (let i = 1; i < r.curve.length; i++) expect(r.curve[i].inertia).toBeLessThan(r.curve[i - 1].inertia);
    expect(r.model.k).toBe(4);
    expect(r.model.nSamples).toBe(400);
    expect(r.model.runs).toHaveLength(8);
    expect(adjustedRandIndex(truth, r.model.labels)).toBeGreaterThan(0.98);
    expect(r.reason).toMatch(/^k = 4 has the highest silhouette/);
    expect(events[events.length - 1]).toBe(8);
  });

  it('is reproducible for a seed', () => {
    const a = searchK(X, { seed: 3, kMax: 5 });
    const b = searchK(X, { seed: 3, kMax: 5 });
    expect(a.curve).toEqual(b.curve);
    expect(a.model.centroids).toEqual(b.model.centroids);
  });

  it('flags degenerate results and, when all are, still picks the best silhouette', () => {
    // With degenerateShare 0.2, every k ≤ 4 has a cluster of ≥ 20% of the points.
    const r = searchK(X, { seed: 2, kMin: 2, kMax: 4, degenerateShare: 0.2 });
    expect(r.curve.every((p) => p.degenerate)).toBe(true);
    expect(r.allDegenerate).toBe(true);
    expect(r.k).toBe(4);
    expect(r.curve[0].degenerateReason).toMatch(/^largest cluster holds \d+\.\d% of points \(≥ 20\.0%\)/);
    expect(r.reason).toMatch(/every k in 2\.\.4 is degenerate; k = 4 has the best silhouette/);
  });

  it('treats a cluster under minClusterShare as degenerate', () => {
    // Three blobs plus 2 far outliers (0.5% of 402): at k = 4 the outliers form their own tiny cluster.
    const b = blobs([[0, 0], [6, 0], [0, 6]], [134, 133, 133], 0.6, 4);
    const Y = [...b.X, [80, 80], [81, 80]];
    const r = searchK(Y, { seed: 1, kMin: 2, kMax: 4, minClusterShare: 0.01 });
    const p4 = r.curve.find((p) => p.k === 4)!;
    expect(p4.smallestClusterShare).toBeCloseTo(2 / 402, 10);
    expect(p4.degenerate).toBe(true);
    expect(p4.degenerateReason).toMatch(/^smallest cluster holds 0\.50% of points \(< 1\.00%\)/);
    expect(r.k).not.toBe(4);
  });

  it('fits a fixed k without searching', () => {
    const r = searchK(X, { seed: 1, k: 3 });
    expect(r.chosenBy).toBe('fixed');
    expect(r.k).toBe(3);
    expect(r.curve).toHaveLength(1);
    expect(r.curve[0].k).toBe(3);
    expect(r.model.k).toBe(3);
  });

  it('searches on a subsample but fits the final model on every row', () => {
    const r = searchK(X, { seed: 1, kMax: 5, searchSampleSize: 150, sampleSize: 100 });
    expect(r.k).toBe(4);
    expect(r.model.nSamples).toBe(400);
    expect(r.model.labels).toHaveLength(400);
  });

  it('scores every seed on the same rows, so seeds that find the same partitions get the same curve', () => {
    // Subsampled search (150 of 400 rows) and silhouette (100 points): with well-separated blobs every seed finds
    // the same partition at k = 4, and the criterion rows are drawn from the data, not the seed, so its silhouette
    // is the same number from every seed.
    const fits = [1, 2, 3].map((seed) => searchK(X, { seed, kMin: 3, kMax: 5, searchSampleSize: 150, sampleSize: 100 }));
    for (const r of fits) expect(r.k).toBe(4);
    const at4 = fits.map((r) => r.curve.find((p) => p.k === 4)!);
    expect(at4[1].silhouette).toBe(at4[0].silhouette);
    expect(at4[2].silhouette).toBe(at4[0].silhouette);
    expect(at4[1].inertia).toBeCloseTo(at4[0].inertia, 9);
    expect(adjustedRandIndex(fits[0].model.labels, fits[1].model.labels)).toBe(1);
  });

  it('validates its options', () => {
    expect(() => searchK(X, { seed: 1, kMin: 5, kMax: 3 })).toThrow('kMax (3) must be ≥ kMin (5)');
    expect(() => searchK(X.slice(0, 5), { seed: 1, kMax: 10 })).toThrow('kMax = 10 needs more rows: the search has 5 (at least kMax + 1 are needed)');
    expect(() => searchK(X, { seed: 1, k: 1 })).toThrow('k must be an integer from 2 to 399 (rows − 1), got 1');
    expect(() => searchK(X, { seed: 1, degenerateShare: 1.5 })).toThrow('degenerateShare must be in (0, 1], got 1.5');
    expect(() => searchK([[0, 1], [NaN, 2]], { seed: 1 })).toThrow('X[1][0] is NaN');
  });
});

describe('searchK with the Gaussian mixture engine', () => {
  /** Three tilted, elongated clouds (each a different shape), 200 points each. */
  function tilted(seed: number): { X: number[][]; truth: number[] } {
    const r = createRandom(seed);
    const shapes = [
      { c: [0, 0], a: 0.5, long: 3, short: 0.3 },
      { c: [6, 6], a: -0.7, long: 2.5, short: 0.4 },
      { c: [-5, 7], a: 1.2, long: 1, short: 0.8 },
    ];
    const X: number[][] = [];
    const truth: number[] = [];
    shapes.forEach((s, t) => {
      for (let i = 0; i < 200; i++) {
        const u = r.normal(0, s.long);
        const v = r.normal(0, s.short);
        X.push([s.c[0] + u * Math.cos(s.a) - v * Math.sin(s.a), s.c[1] + u * Math.sin(s.a) + v * Math.cos(s.a)]);
        truth.push(t);
      }
    });
    return { X, truth };
  }

  it('chooses k by the lowest ICL among seed-stable k, records every criterion, and recovers the clouds', () => {
    const { X, truth } = tilted(4);
    const r = searchK(X, { seed: 7, algorithm: 'gmm', kMin: 2, kMax: 6, nInit: 3, finalNInit: 2 });
    expect(r.algorithm).toBe('gmm');
    expect(r.chosenBy).toBe('icl');
    expect(r.k).toBe(3);
    expect(r.reason).toMatch(/^k = 3 has the lowest ICL \(-?\d+\) among \d non-degenerate k in 2\.\.6 whose seed stability is ≥ 0\.9(; the scan stopped at k = [45] \(2 k in a row without a better ICL\))?$/);
    for (const p of r.curve) {
      for (const f of ['bic', 'icl', 'logLikelihood', 'seedStability'] as const) expect(Number.isFinite(p[f])).toBe(true);
      expect(p.icl!).toBeGreaterThanOrEqual(p.bic!);
    }
    const chosen = r.curve.find((p) => p.k === 3)!;
    const eligible = r.curve.filter((p) => !p.degenerate && p.seedStability! >= 0.9);
    expect(Math.min(...eligible.map((p) => p.icl!))).toBe(chosen.icl);
    expect(adjustedRandIndex(truth, r.model.labels)).toBeGreaterThan(0.95);
    expect(() => searchK(X, { seed: 1, algorithm: 'dbscan' as never })).toThrow("algorithm must be 'kmeans' or 'gmm', got dbscan");
  });
});
