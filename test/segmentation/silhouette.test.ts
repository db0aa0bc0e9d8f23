import { silhouette, silhouetteScore, silhouetteScoreFlat } from '../../src/segmentation/silhouette';
import { createRandom } from '../../src/shared/random';

describe('silhouetteScore', () => {
  it('matches a hand computation in 1-D', () => {
    // Clusters A = {0, 2}, B = {6, 10}.
    //  x=0:  a = |0−2| = 2,  b = (6 + 10)/2 = 8  → s = (8 − 2)/8 = 3/4
    //  x=2:  a = 2,          b = (4 + 8)/2  = 6  → s = (6 − 2)/6 = 2/3
    //  x=6:  a = |6−10| = 4, b = (6 + 4)/2  = 5  → s = (5 − 4)/5 = 1/5
    //  x=10: a = 4,          b = (10 + 8)/2 = 9  → s = (9 − 4)/9 = 5/9
    //  mean = (3/4 + 2/3 + 1/5 + 5/9)/4 = (135 + 120 + 36 + 100)/180/4 = 391/720
    expect(silhouetteScore([[0], [2], [6], [10]], [0, 0, 1, 1])).toBeCloseTo(391 / 720, 14);
  });

  it('scores a singleton as 0 (scikit-learn convention)', () => {
    // {0, 2} and {5}: x=0: a=2, b=5 → 3/5; x=2: a=2, b=3 → 1/3; x=5 alone → 0. Mean = (3/5 + 1/3)/3 = 14/45.
    expect(silhouetteScore([[0], [2], [5]], ['a', 'a', 'b'])).toBeCloseTo(14 / 45, 14);
  });

  it('matches a hand computation in 2-D (rectangle 4 × 3)', () => {
    // (0,0),(0,3) vs (4,0),(4,3): for every point a = 3, b = (4 + 5)/2 = 4.5 → s = 1.5/4.5 = 1/3.
    const r = silhouette(
      [
        [0, 0],
        [0, 3],
        [4, 0],
        [4, 3],
      ],
      ['left', 'left', 'right', 'right'],
    );
    expect(r.score).toBeCloseTo(1 / 3, 14);
    expect(r.perCluster.map((c) => [c.label, c.size])).toEqual([
      ['left', 2],
      ['right', 2],
    ]);
  });

  it('samples reproducibly with a seed and the flat variant agrees', () => {
    const rng = createRandom(1);
    const X = Array.from({ length: 900 }, (_, i) => [rng.normal() + (i % 3) * 3, rng.normal()]);
    const labels = X.map((_, i) => i % 3);
    const full = silhouetteScore(X, labels, { sampleSize: 900 });
    const s1 = silhouetteScore(X, labels, { sampleSize: 300, seed: 4 });
    const s2 = silhouetteScore(X, labels, { sampleSize: 300, seed: 4 });
    expect(s1).toBe(s2);
    expect(Math.abs(s1 - full)).toBeLessThan(0.05);
    const flat = Float64Array.from(X.flat());
    expect(silhouetteScoreFlat(flat, 2, Int32Array.from(labels), 3, 900, 0)).toBeCloseTo(full, 12);
    expect(() => silhouetteScore(X, labels, { sampleSize: 300 })).toThrow('seed is required to sample 300 of 900 rows');
  });

  it('rejects undefined cases and bad input', () => {
    expect(() => silhouetteScore([[0], [1]], [0, 0])).toThrow(/needs 2 to n − 1 clusters; the data of 2 points has 1/);
    expect(() => silhouetteScore([[0], [1], [2]], [0, 1])).toThrow('labels has 2 entries, expected 3 (one per row)');
    expect(() => silhouetteScore([[0], [NaN], [2]], [0, 1, 1])).toThrow('X[1][0] is NaN');
    expect(silhouetteScoreFlat(new Float64Array([0, 1, 2]), 1, new Int32Array([0, 0, 0]), 1, 10, 0)).toBeNull();
  });
});
