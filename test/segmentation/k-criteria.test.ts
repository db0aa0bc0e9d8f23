import { bootstrapStability, diagonalGmmBic, gapStatistic, kCriteria } from '../../src/segmentation/k-criteria';
import { KMeansModel } from '../../src/segmentation/kmeans';
import { createRandom } from '../../src/shared/random';

/** Three round, well separated blobs of unequal size in 3-d (flat, row-major). */
function blobs(seed: number): Float64Array {
  const r = createRandom(seed);
  const centres = [[0, 0, 0], [6, 0, 0], [0, 6, 3]];
  const sizes = [400, 250, 150];
  const out: number[] = [];
  centres.forEach((c, b) => {
    for (let i = 0; i < sizes[b]; i++) out.push(...c.map((m) => m + r.normal(0, 1)));
  });
  return Float64Array.from(out);
}

describe('k criteria', () => {
  const X = blobs(3);
  const fit = (k: number) => new KMeansModel({ k, seed: 9, nInit: 3 }).fitFlat(X, 3);

  it('stability is ~1 at the true k and lower when a blob must be split arbitrarily', () => {
    const s3 = bootstrapStability(X, 3, 3, 1);
    const s5 = bootstrapStability(X, 3, 5, 1);
    expect(s3).toBeGreaterThan(0.98);
    expect(s5).toBeLessThan(s3 - 0.05);
  });

  it('the gap statistic rises to the true k and Tibshirani\'s rule stops there', () => {
    const g = [2, 3, 4].map((k) => gapStatistic(X, 3, k, fit(k).inertia, 1));
    expect(g[1].gap).toBeGreaterThan(g[0].gap);
    // Smallest k with gap(k) ≥ gap(k+1) − se(k+1): k = 3.
    expect(g[0].gap).toBeLessThan(g[1].gap - g[1].se);
    expect(g[1].gap).toBeGreaterThanOrEqual(g[2].gap - g[2].se);
  });

  it('the diagonal mixture BIC is lowest at the true k', () => {
    const bics = [2, 3, 4, 5, 6].map((k) => {
      const m = fit(k);
      return diagonalGmmBic(X, 3, k, m.labels);
    });
    expect(bics.indexOf(Math.min(...bics))).toBe(1);
  });

  it('is deterministic for a seed', () => {
    const m = fit(4);
    expect(kCriteria(X, 3, m, m.labels, { seed: 7 })).toEqual(kCriteria(X, 3, m, m.labels, { seed: 7 }));
  });
});
