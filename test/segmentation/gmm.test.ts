import { GaussianMixture, type GaussianMixtureJSON } from '../../src/segmentation/gmm';
import { KMeansModel } from '../../src/segmentation/kmeans';
import { adjustedRandIndex } from '../../src/segmentation/ari';
import { createRandom } from '../../src/shared/random';

/**
 * Reference: scikit-learn 1.2.1 (Debian python3-sklearn, /usr/bin/python3), made by
 *   rng = np.random.RandomState(7)
 *   X = round(vstack([rng.multivariate_normal([0, 0], [[4, 3.6], [3.6, 4]], 30),
 *                     rng.multivariate_normal([5, -2], [[1, -0.8], [-0.8, 1]], 30),
 *                     rng.multivariate_normal([-3, 5], [[0.3, 0], [0, 2]], 30)]), 2)
 *   g = GaussianMixture(3, covariance_type='full', n_init=10, tol=1e-10, max_iter=5000, random_state=0).fit(X)
 * and g.score(X), g.bic(X), g.weights_, g.means_, g.covariances_, g.score_samples(P), g.predict_proba(P).
 */
const X: number[][] = [[-3.09, -3.5], [-0.25, 0.12], [1.54, 1.54], [0.79, -0.78], [-2.25, -1.72], [1.3, 1.14], [-0.87, -1.1], [1.12, -0.18], [-1.14, -1.03], [0.15, -1.22], [-3.29, -3.15], [-0.15, 1.66], [0.74, -0.56], [1.81, -0.23], [-1.86, -2.23], [0.97, 1.93], [2.98, 3.46], [4.32, 3.73], [1.69, 3.0], [-3.3, -3.59], [-1.56, -1.72], [-0.77, -1.44], [4.14, 2.52], [-1.75, 0.26], [-0.29, -0.76], [-3.83, -3.62], [-0.31, -0.08], [0.4, 0.12], [2.57, 3.02], [-0.35, 0.72], [4.75, -2.95], [5.63, -1.56], [5.08, -2.65], [5.8, -3.46], [4.91, -2.66], [3.49, -0.67], [5.35, -1.44], [3.51, -0.64], [4.92, -1.45], [4.62, -2.75], [4.66, -1.1], [4.31, -1.9], [5.0, -2.37], [5.69, -1.87], [3.76, -0.34], [4.69, -1.27], [4.99, -2.04], [5.62, -2.66], [3.13, 0.42], [5.18, -2.47], [5.94, -2.7], [4.17, -2.08], [4.36, -1.72], [3.7, -0.6], [3.23, -0.52], [5.37, -2.18], [4.18, -0.82], [6.23, -3.11], [4.84, -2.11], [6.17, -2.06], [-3.46, 4.45], [-2.93, 5.9], [-2.57, 4.89], [-2.8, 5.69], [-2.84, 6.36], [-3.2, 4.13], [-2.89, 4.26], [-4.0, 3.48], [-3.73, 5.12], [-2.8, 2.24], [-2.73, 3.99], [-3.61, 4.25], [-3.28, 3.24], [-3.45, 4.61], [-3.84, 4.6], [-3.98, 5.02], [-2.62, 4.73], [-2.06, 6.54], [-2.58, 2.8], [-2.46, 6.71], [-2.77, 3.69], [-3.82, 7.63], [-2.39, 5.67], [-2.68, 4.01], [-3.44, 3.49], [-2.89, 3.84], [-2.48, 4.87], [-3.07, 3.67], [-2.69, 6.36], [-2.64, 3.13]];
const SK = {
  score: -3.7752031887726103,
  bic: 756.0333383746844,
  weights: [0.3326685165743712, 0.33334862186269304, 0.3339828615629357],
  means: [[4.7782115483614644, -1.795689482854408], [-3.0232748918857077, 4.645465240779057], [-0.010580802592669403, -0.12166649417175046]],
  covariances: [
    [[0.7183530153072323, -0.5984920230877897], [-0.5984920230877897, 0.8493296038852706]],
    [[0.2623989393434179, 0.060003030086543244], [0.060003030086543244, 1.5658783647335583]],
    [[4.283426283303169, 3.7855969083283525], [3.785596908328353, 4.230492060447044]],
  ],
  P: [[0, 0], [5, -2], [-3, 5], [1.5, 2.5]],
  scoreSamples: [-3.607900699080715, -2.283957265680285, -2.527637845984951, -4.802329850130306],
  proba: [
    [5.391669382076935e-10, 8.673009512296615e-12, 0.9999999994521601],
    [0.9999999999975167, 3.7970427860059474e-64, 2.483508875104393e-12],
    [5.90154817088722e-19, 1.0, 1.9477281931059643e-16],
    [0.00022119809220376015, 4.562800057353713e-18, 0.9997788019077966],
  ],
};

function sklearnModel(): GaussianMixture {
  const json: GaussianMixtureJSON = {
    model: 'gmm', version: 1, k: 3, dim: 2, seed: 0, nInit: 1, maxIterations: 100, tolerance: 1e-3, regCovar: 1e-6, init: 'kmeans',
    weights: SK.weights, means: SK.means, covariances: SK.covariances, sizes: [30, 30, 30], logLikelihood: SK.score, iterations: 0, converged: true, nSamples: 90, runs: [],
  };
  return GaussianMixture.fromJSON(json);
}

/** Two long, thin, parallel, tilted clouds close together: nearest-centre clustering cuts across them. */
function stripes(n: number, seed: number): { X: number[][]; truth: number[] } {
  const r = createRandom(seed);
  const out: number[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const along = r.normal(0, 6);
    const across = r.normal(0, 0.3) + (c === 0 ? -2 : 2);
    // Rotate by 30°.
    out.push([along * Math.cos(0.52) - across * Math.sin(0.52), along * Math.sin(0.52) + across * Math.cos(0.52), r.normal(0, 1)]);
    truth.push(c);
  }
  return { X: out, truth };
}

describe('GaussianMixture', () => {
  it("scores rows as scikit-learn does under the same parameters (density, posteriors, BIC's parameter count)", () => {
    const m = sklearnModel();
    const ss = m.scoreSamplesBatch(new Float64Array(SK.P.flat()), 2);
    SK.scoreSamples.forEach((v, i) => expect(ss[i]).toBeCloseTo(v, 10));
    m.predictProba(SK.P).forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(SK.proba[i][c], 10)));
    expect(m.predict(SK.P)).toEqual([2, 0, 1, 2]);
    expect(m.score(X)).toBeCloseTo(SK.score, 10);
    expect(m.nParameters).toBe(17);
  });

  it("fits the maximum likelihood scikit-learn finds (mean log-likelihood and BIC), with the same components", () => {
    const m = new GaussianMixture({ k: 3, seed: 3, nInit: 10, tolerance: 1e-10, maxIterations: 5000 }).fit(X);
    expect(m.logLikelihood).toBeCloseTo(SK.score, 6);
    expect(m.bic()).toBeCloseTo(SK.bic, 3);
    // Components in scikit-learn's order, matched by mean.
    const order = SK.means.map((mu) => m.means.findIndex((c) => Math.hypot(c[0] - mu[0], c[1] - mu[1]) < 1e-3));
    expect([...order].sort()).toEqual([0, 1, 2]);
    order.forEach((c, s) => {
      expect(m.weights[c]).toBeCloseTo(SK.weights[s], 5);
      m.covariances[c].forEach((row, a) => row.forEach((v, b) => expect(v).toBeCloseTo(SK.covariances[s][a][b], 4)));
    });
  });

  it('separates elongated, tilted clouds that k-means cuts across', () => {
    const { X: S, truth } = stripes(1200, 5);
    // Started from k-means's partition EM stays in its cut (a local maximum, mean log-likelihood −6.75); starts
    // from k-means++ seeds reach the separation (−5.52) in some of the starts, and the best start is kept.
    const gmm = new GaussianMixture({ k: 2, seed: 1, nInit: 8, init: 'kmeans++', tolerance: 1e-6, maxIterations: 1000 }).fit(S);
    const fromKMeans = new GaussianMixture({ k: 2, seed: 1, nInit: 2, init: 'kmeans' }).fit(S);
    expect(gmm.logLikelihood).toBeGreaterThan(fromKMeans.logLikelihood + 1);
    const km = new KMeansModel({ k: 2, seed: 1, nInit: 8 }).fit(S);
    expect(adjustedRandIndex(truth, gmm.labels)).toBeGreaterThan(0.95);
    expect(adjustedRandIndex(truth, km.labels)).toBeLessThan(0.2);
    expect(gmm.converged).toBe(true);
    // The most likely component of a row is its label; posteriors sum to one.
    expect(gmm.predict(S.slice(0, 50))).toEqual(Array.from(gmm.labels.subarray(0, 50)));
    for (const row of gmm.predictProba(S.slice(0, 20))) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('is reproducible from its seed and keeps the best of its starts; JSON round-trips', () => {
    const { X: S } = stripes(400, 9);
    const a = new GaussianMixture({ k: 3, seed: 11, nInit: 3, init: 'kmeans++' }).fit(S);
    const b = new GaussianMixture({ k: 3, seed: 11, nInit: 3, init: 'kmeans++' }).fit(S);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(a.runs).toHaveLength(3);
    expect(a.logLikelihood).toBe(Math.max(...a.runs.map((r) => r.logLikelihood)));
    const restored = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.predict(S)).toEqual(Array.from(a.labels));
    expect(restored.toJSON()).toEqual(a.toJSON());
  });

  it('checks its inputs up front, naming the argument, row and column', () => {
    expect(() => new GaussianMixture({ k: 0, seed: 1 })).toThrow('k must be a positive integer, got 0');
    expect(() => new GaussianMixture({ k: 2, seed: 1.5 })).toThrow('seed must be an integer, got 1.5');
    expect(() => new GaussianMixture({ k: 2, seed: 1, regCovar: -1 })).toThrow('regCovar must be a finite number ≥ 0, got -1');
    expect(() => new GaussianMixture({ k: 2, seed: 1, init: 'random' as never })).toThrow("init must be 'kmeans' or 'kmeans++', got random");
    expect(() => new GaussianMixture({ k: 2, seed: 1, nInit: 0 })).toThrow('nInit must be a positive integer, got 0');
    expect(() => new GaussianMixture({ k: 2, seed: 1 }).fit([[1, 2], [3, NaN]])).toThrow('X[1][1] is NaN');
    expect(() => new GaussianMixture({ k: 2, seed: 1 }).fitFlat(new Float64Array([1, 2, Infinity, 4]), 2)).toThrow('X[1][0] is Infinity');
    expect(() => new GaussianMixture({ k: 3, seed: 1 }).fit([[1], [2]])).toThrow('X has 2 rows, fewer than k = 3 components');
    // A component on identical points has no spread: without regularization its covariance is singular.
    expect(() => new GaussianMixture({ k: 2, seed: 1, regCovar: 0 }).fit([[0, 0], [0, 0], [0, 0], [5, 5], [6, 7], [7, 5]])).toThrow(/component \d has an ill-defined covariance/);
    expect(new GaussianMixture({ k: 2, seed: 1 }).fit([[0, 0], [0, 0], [0, 0], [5, 5], [6, 7], [7, 5]]).sizes.sort()).toEqual([3, 3]);
    const m = sklearnModel();
    expect(() => m.predict([[1, 2, 3]])).toThrow('X[0] has 3 columns, expected 2');
    expect(() => m.assignBatch(new Float64Array([1, 2, 3]), 3)).toThrow('rows have 3 columns, the model has 2');
    expect(() => new GaussianMixture({ k: 2, seed: 1 }).predict([[1]])).toThrow('not fitted');
    expect(() => GaussianMixture.fromJSON({ ...m.toJSON(), model: 'kmeans' } as never)).toThrow('not a gmm model: model is "kmeans"');
    expect(() => GaussianMixture.fromJSON({ ...m.toJSON(), version: 2 })).toThrow('gmm version 2 is not supported (expected 1)');
    expect(() => GaussianMixture.fromJSON({ ...m.toJSON(), weights: [1, 0, 0] })).toThrow('json.weights must hold k = 3 positive numbers');
  });
});
