import { NaiveBayes } from '../../src/classifier/naive-bayes';
import { createRandom } from '../../src/shared/random';

// ml-naivebayes 4.0.0 ships no types; it is a dev dependency used here only as a contrast.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GaussianNB } = require('ml-naivebayes') as { GaussianNB: new () => { train(X: number[][], y: number[]): void; predict(X: number[][]): number[] } };

/** Two classes that differ ONLY in the third feature; the first two are the same noise for both. */
function thirdFeatureData(n: number, seed: number): { X: number[][]; y: number[] } {
  const r = createRandom(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    X.push([r.normal(), r.normal(), (c ? 3 : -3) + r.normal()]);
    y.push(c);
  }
  return { X, y };
}

const acc = (a: readonly unknown[], b: readonly unknown[]): number => a.filter((v, i) => v === b[i]).length / a.length;

describe('NaiveBayes vs ml-naivebayes 4.0.0 GaussianNB', () => {
  it('uses every feature, where ml-naivebayes only looks at the first two', () => {
    const train = thirdFeatureData(400, 1);
    const test = thirdFeatureData(400, 2);
    const theirs = new GaussianNB();
    theirs.train(train.X, train.y);
    const theirAcc = acc(theirs.predict(test.X), test.y);
    const ours = new NaiveBayes<number>({ numericFeatures: ['f0', 'f1', 'f2'] }).fit(train.X, train.y);
    const ourAcc = acc(ours.predict(test.X), test.y);
    expect(theirAcc).toBeGreaterThan(0.35);
    expect(theirAcc).toBeLessThan(0.65); // chance: features 0 and 1 carry no signal
    expect(ourAcc).toBeGreaterThan(0.99); // |±3| apart with sd 1 → Bayes error ≈ 0.13%
  });

  it('answers where ml-naivebayes returns −1 (zero within-class variance, underflow)', () => {
    // Feature 0 is constant within each class: ml-naivebayes divides by a zero std and predicts −1.
    const X = [
      [0, 1],
      [0, 2],
      [1, 5],
      [1, 6],
    ];
    const y = [0, 0, 1, 1];
    const theirs = new GaussianNB();
    theirs.train(X, y);
    expect(theirs.predict(X)).toEqual([-1, -1, -1, -1]);
    const ours = new NaiveBayes<number>({ numericFeatures: ['a', 'b'] }).fit(X, y);
    expect(ours.predict(X)).toEqual(y);

    // Far from both classes every density underflows to 0 in probability space: ml-naivebayes gives −1.
    const train = thirdFeatureData(100, 3);
    const theirs2 = new GaussianNB();
    theirs2.train(train.X, train.y);
    expect(theirs2.predict([[60, 60, 60]])).toEqual([-1]);
    const ours2 = new NaiveBayes<number>({ numericFeatures: ['f0', 'f1', 'f2'] }).fit(train.X, train.y);
    const [p] = ours2.predictProba([[60, 60, 60]]);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    // The winner is the larger joint log-likelihood, recomputed here from the fitted θ and σ² (equal priors).
    const { theta, variance } = ours2.gaussian;
    const jll = theta.map((t, c) => t.reduce((s, tf, f) => s - 0.5 * Math.log(2 * Math.PI * variance[c][f]) - (60 - tf) ** 2 / (2 * variance[c][f]), 0));
    expect(Math.max(...jll)).toBeLessThan(-700); // e^−700 and below: the densities' product underflows
    expect(ours2.predict([[60, 60, 60]])).toEqual([jll[1] > jll[0] ? 1 : 0]);
    expect(p[jll[1] > jll[0] ? 1 : 0]).toBeGreaterThan(0.5);
  });
});

describe('NaiveBayes Gaussian part', () => {
  // scikit-learn GaussianNB docstring example.
  const X = [
    [-1, -1],
    [-2, -1],
    [-3, -2],
    [1, 1],
    [2, 1],
    [3, 2],
  ];
  const Y = [1, 1, 1, 2, 2, 2];

  it('reproduces the scikit-learn docstring example: predict([[-0.8, -1]]) = [1]', () => {
    const nb = new NaiveBayes<number>({ numericFeatures: ['x0', 'x1'] }).fit(X, Y);
    expect(nb.predict([[-0.8, -1]])).toEqual([1]);
    expect(nb.classes).toEqual([1, 2]);
  });

  it('matches θ, σ² and predict_proba computed by hand from the formulas', () => {
    // Class 1, feature 0: −1, −2, −3 → θ = −2, σ² = (1 + 0 + 1)/3 = 2/3
    //          feature 1: −1, −1, −2 → θ = −4/3, σ² = (1/9 + 1/9 + 4/9)/3 = 2/9
    // Class 2 mirrors class 1. Overall variances: feature 0 (1+4+9)·2/6 = 14/3, feature 1 (1+1+4)·2/6 = 2
    // → ε = 1e-9 × 14/3 is added to every σ².
    const eps = 1e-9 * (14 / 3);
    const theta = [
      [-2, -4 / 3],
      [2, 4 / 3],
    ];
    const variance = [
      [2 / 3 + eps, 2 / 9 + eps],
      [2 / 3 + eps, 2 / 9 + eps],
    ];
    const nb = new NaiveBayes<number>({ numericFeatures: ['x0', 'x1'] }).fit(X, Y);
    expect(nb.epsilon).toBeCloseTo(eps, 20);
    const g = nb.gaussian;
    g.theta.forEach((row, c) => row.forEach((v, f) => expect(v).toBeCloseTo(theta[c][f], 14)));
    g.variance.forEach((row, c) => row.forEach((v, f) => expect(v).toBeCloseTo(variance[c][f], 14)));

    // Joint log-likelihood: log π_c + Σ_f [−½ log(2π σ²) − (x − θ)²/(2σ²)], π = ½ each.
    const x = [-0.8, -1];
    const jll = theta.map((t, c) => Math.log(0.5) + x.reduce((s, xf, f) => s - 0.5 * Math.log(2 * Math.PI * variance[c][f]) - (xf - t[f]) ** 2 / (2 * variance[c][f]), 0));
    // With equal variances the log-odds is Σ_f [(x−θ₂)² − (x−θ₁)²]/(2σ²) = 6.4/(4/3) + (48/9)/(4/9) = 4.8 + 12 = 16.8 (up to ε).
    expect(jll[0] - jll[1]).toBeCloseTo(16.8, 6);
    const p1 = 1 / (1 + Math.exp(jll[1] - jll[0]));
    const [proba] = nb.predictProba([x]);
    expect(proba[0]).toBeCloseTo(p1, 14);
    expect(proba[1]).toBeCloseTo(1 - p1, 14);
    expect(nb.predictLogProba([x])[0][1]).toBeCloseTo(jll[1] - jll[0] - Math.log1p(Math.exp(jll[1] - jll[0])), 10);
  });

  it('keeps probabilities finite when a product of densities would underflow (log space)', () => {
    const r = createRandom(4);
    const d = 300;
    const names = Array.from({ length: d }, (_, j) => `f${j}`);
    const rows: number[][] = [];
    const y: string[] = [];
    for (let i = 0; i < 200; i++) {
      const c = i % 2;
      rows.push(Array.from({ length: d }, () => c + r.normal()));
      y.push(c ? 'one' : 'zero');
    }
    const nb = new NaiveBayes<string>({ numericFeatures: names }).fit(rows, y);
    const far = Array.from({ length: d }, () => 40);
    // Each density at 40 is about e^−780, so the product is 0 in double precision for both classes.
    const { theta, variance } = nb.gaussian;
    const logDensity = theta[0].reduce((s, t, f) => s - 0.5 * Math.log(2 * Math.PI * variance[0][f]) - (40 - t) ** 2 / (2 * variance[0][f]), 0);
    expect(Math.exp(logDensity)).toBe(0);
    const [p] = nb.predictProba([far]);
    expect(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    expect(nb.predict([far])).toEqual(['one']);
  });
});

describe('NaiveBayes categorical part and mixed rows', () => {
  // Class A: red, red, blue; class B: blue, green. K = 3 categories.
  const rows = [{ color: 'red' }, { color: 'red' }, { color: 'blue' }, { color: 'blue' }, { color: 'green' }];
  const labels = ['A', 'A', 'A', 'B', 'B'];

  it('applies Laplace smoothing (hand computation)', () => {
    // P(red|A) = (2+1)/(3+3) = 1/2, P(red|B) = (0+1)/(2+3) = 1/5; priors 3/5, 2/5
    // P(A|red) = (3/5·1/2) / (3/5·1/2 + 2/5·1/5) = 0.3/0.38 = 15/19
    const nb = new NaiveBayes<string>({ categoricalFeatures: ['color'] }).fit(rows, labels);
    expect(nb.predictProba([{ color: 'red' }])[0][0]).toBeCloseTo(15 / 19, 14);
    // P(green|A) = 1/6, P(green|B) = 2/5 → P(A|green) = (3/5·1/6)/(3/5·1/6 + 2/5·2/5) = 0.1/0.26 = 5/13
    expect(nb.predictProba([{ color: 'green' }])[0][0]).toBeCloseTo(5 / 13, 14);
  });

  it('treats an unseen category as no evidence (the priors decide)', () => {
    const nb = new NaiveBayes<string>({ categoricalFeatures: ['color'] }).fit(rows, labels);
    expect(nb.predictProba([{ color: 'purple' }])[0][0]).toBeCloseTo(3 / 5, 14);
    const e = nb.explain({ color: 'purple' });
    expect(e.contributions[0]).toMatchObject({ feature: 'color', unseen: true, contribution: 0 });
  });

  it('combines numeric and categorical features; rows may be objects or arrays', () => {
    const r = createRandom(5);
    const objs: { spend: number; state: string }[] = [];
    const ys: boolean[] = [];
    for (let i = 0; i < 300; i++) {
      const churned = i % 3 === 0;
      objs.push({ spend: (churned ? 50 : 120) + 20 * r.normal(), state: churned ? (r.next() < 0.8 ? 'RJ' : 'SP') : r.next() < 0.8 ? 'SP' : 'RJ' });
      ys.push(churned);
    }
    const nb = new NaiveBayes<boolean>({ numericFeatures: ['spend'], categoricalFeatures: ['state'] }).fit(objs, ys);
    expect(nb.classes).toEqual([true, false]); // booleans are neither all numbers nor all strings: order of first appearance
    const arrays = objs.map((o) => [o.spend, o.state]);
    expect(nb.predict(arrays)).toEqual(nb.predict(objs));
    expect(acc(nb.predict(objs), ys)).toBeGreaterThan(0.85);
  });
});

describe('NaiveBayes.explain', () => {
  it('ranks the deciding feature first and its contributions add up to the margin', () => {
    const { X, y } = thirdFeatureData(400, 6);
    const nb = new NaiveBayes<number>({ numericFeatures: ['f0', 'f1', 'f2'] }).fit(X, y);
    const e = nb.explain([0.1, -0.2, 2.5]);
    expect(e.predicted).toBe(1);
    expect(e.runnerUp).toBe(0);
    expect(e.contributions[0].feature).toBe('f2');
    expect(e.contributions[0].contribution).toBeGreaterThan(5);
    const total = e.prior + e.contributions.reduce((s, c) => s + c.contribution, 0);
    expect(total).toBeCloseTo(e.margin, 10);
    expect(e.probability).toBeCloseTo(nb.predictProba([[0.1, -0.2, 2.5]])[0][1], 14);
  });
});

describe('NaiveBayes validation and persistence', () => {
  const nb = () => new NaiveBayes<string>({ numericFeatures: ['recency', 'monetary'], categoricalFeatures: ['state'] });
  const rows = [
    { recency: 10, monetary: 100, state: 'SP' },
    { recency: 300, monetary: 20, state: 'RJ' },
    { recency: 20, monetary: 90, state: 'SP' },
    { recency: 280, monetary: 30, state: 'MG' },
  ];
  const y = ['active', 'lost', 'active', 'lost'];

  it('refuses unfitted use and malformed rows with precise messages', () => {
    expect(() => nb().predict(rows)).toThrow('NaiveBayes is not fitted: call fit(rows, labels) first');
    const m = nb().fit(rows, y);
    expect(() => m.predict([{ recency: 1, monetary: NaN, state: 'SP' }])).toThrow('rows[0].monetary is NaN, expected a finite number');
    expect(() => m.predict([rows[0], { recency: 1, monetary: 2, state: 'SP', city: 'x' }])).toThrow('rows[1] has unknown feature "city" (numeric: recency, monetary; categorical: state)');
    expect(() => m.predict([{ recency: 1, state: 'SP' }])).toThrow('rows[0].monetary is missing');
    expect(() => m.predict([[1, 2]])).toThrow('rows[0] has 2 values, expected 3 (numeric: recency, monetary; categorical: state)');
    expect(() => m.predict([[1, '2', 'SP']])).toThrow('rows[0][1] (monetary) is string "2", expected a finite number');
    expect(() => m.predict([{ recency: 1, monetary: 2, state: null }])).toThrow('rows[0].state is null, expected a category (string, number or boolean)');
    expect(() => nb().fit(rows, ['a', 'a', 'a', 'a'])).toThrow('labels hold a single class ("a"); a classifier needs at least 2');
    expect(() => nb().fit(rows, ['a'])).toThrow('labels has 1 entries, rows has 4');
    expect(() => new NaiveBayes({ numericFeatures: ['a', 'a'] })).toThrow('feature "a" is declared twice');
  });

  it('round-trips through JSON with its model name and version', () => {
    const m = nb().fit(rows, y);
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    expect(json).toMatchObject({ model: 'naive-bayes', version: 1, classes: ['active', 'lost'], categories: [['MG', 'RJ', 'SP']] });
    const r = NaiveBayes.fromJSON<string>(json);
    const probe = [{ recency: 150, monetary: 60, state: 'RJ' }, { recency: 5, monetary: 200, state: 'BA' }];
    expect(r.predictProba(probe)).toEqual(m.predictProba(probe));
    expect(() => NaiveBayes.fromJSON({ ...json, version: 3 })).toThrow('naive-bayes version 3 is not supported (expected 1)');
    expect(() => NaiveBayes.fromJSON({ ...json, model: 'NaiveBayes' })).toThrow(/not a naive-bayes model/);
    expect(() => NaiveBayes.fromJSON({ ...json, theta: [[1, 2]] })).toThrow(/inconsistent/);
  });
});
