import { Pca2, pca2, symmetricEigen } from '../../src/segmentation/pca';
import { createRandom } from '../../src/shared/random';

describe('symmetricEigen', () => {
  it('solves [[2,1],[1,2]] exactly: eigenvalues 3 and 1, vectors (1,1)/√2 and (1,−1)/√2', () => {
    const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(vectors[0][0]).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0][1]).toBeCloseTo(Math.SQRT1_2, 14);
    expect(Math.abs(vectors[1][0])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[1][0] * vectors[1][1]).toBeCloseTo(-0.5, 14);
  });

  it('satisfies A·v = λ·v with orthonormal vectors on a random symmetric 6 × 6', () => {
    const r = createRandom(2);
    const d = 6;
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) A[i * d + j] = A[j * d + i] = r.normal();
    const { values, vectors } = symmetricEigen(A, d);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += A[i * d + j] * vectors[k][j];
        expect(av).toBeCloseTo(values[k] * vectors[k][i], 10);
      }
      for (let l = 0; l < d; l++) expect(vectors[k].reduce((s, x, j) => s + x * vectors[l][j], 0)).toBeCloseTo(k === l ? 1 : 0, 10);
      if (k > 0) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    }
  });
});

describe('pca2', () => {
  it('finds the direction of perfectly correlated columns', () => {
    // y = 2x + 1: standardised columns are identical, so all variance lies on (1, 1)/√2.
    const X = [0, 1, 2, 3, 4].map((x) => [x, 2 * x + 1]);
    const p = pca2(X);
    expect(p.explainedVarianceRatio[0]).toBeCloseTo(1, 12);
    expect(p.explainedVarianceRatio[1]).toBeCloseTo(0, 12);
    expect(p.components[0][0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(p.components[0][1]).toBeCloseTo(Math.SQRT1_2, 12);
    // x = 4: z = (4 − 2)/√2 for both columns → first coordinate = 2·z/√2 = 2.
    const [[a, b]] = p.project([[4, 9]]);
    expect(a).toBeCloseTo(2, 12);
    expect(b).toBeCloseTo(0, 12);
  });

  it('orders components by variance, samples reproducibly and round-trips through JSON', () => {
    const r = createRandom(9);
    // Latent 2-D structure in 4 columns plus small noise.
    const X = Array.from({ length: 3000 }, () => {
      const u = r.normal() * 3;
      const v = r.normal();
      return [u + 0.1 * r.normal(), u + v + 0.1 * r.normal(), v + 0.1 * r.normal(), 0.1 * r.normal()];
    });
    const p = pca2(X, { sampleSize: 1000, seed: 4 });
    expect(p.nSamples).toBe(1000);
    expect(p.explainedVariance[0]).toBeGreaterThan(p.explainedVariance[1]);
    expect(p.explainedVarianceRatio[0] + p.explainedVarianceRatio[1]).toBeGreaterThan(0.7);
    expect(pca2(X, { sampleSize: 1000, seed: 4 }).components).toEqual(p.components);
    const q = Pca2.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(q.project(X.slice(0, 5))).toEqual(p.project(X.slice(0, 5)));
    expect(() => pca2(X, { sampleSize: 1000 })).toThrow('seed is required to sample 1000 of 3000 rows');
    expect(() => pca2([[1], [2]])).toThrow('X has 1 column; a 2-D projection needs at least 2');
    expect(() => p.project([[1, 2, 3]])).toThrow('X[0] has 3 columns, expected 4');
  });
});
