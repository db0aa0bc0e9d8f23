import { badInput } from '../shared/errors';
import { orderLabels, type ClassLabel } from './labels';
import { Math } from '../shared/math';

/**
 * Naive Bayes over mixed features: Gaussian likelihoods for numeric features and smoothed frequency tables for
 * categorical ones, combined in log space.
 *
 *   log P(c | x) ∝ log π_c + Σ_numeric log N(x_f; θ_cf, σ²_cf) + Σ_categorical log P(x_f | c)
 *
 *  - θ, σ² are per-class means and population variances (ddof 0); every variance gets ε = varSmoothing × the
 *    largest overall feature variance added (scikit-learn's GaussianNB; default 1e-9), so a feature that is
 *    constant within a class still has a finite density. ε falls back to varSmoothing itself when every
 *    numeric feature is constant.
 *  - P(v | c) = (count(v, c) + α) / (n_c + α·K_f) with K_f the categories seen in training (scikit-learn's
 *    CategoricalNB; α = 1 is Laplace smoothing). A category never seen in training carries no evidence: it
 *    adds the same (zero) term to every class instead of failing.
 *  - π_c = class frequency. Probabilities are normalised with log-sum-exp, so they never underflow to 0/0 even
 *    when every density is far below the smallest double.
 * Labels may be strings, numbers or booleans; internally they are class indices 0..m−1 (sorted when all labels
 * are numbers, or all strings; else in order of first appearance).
 * Rows are objects keyed by feature name, or arrays holding the numeric features then the categorical ones in
 * schema order.
 */
export const NAIVE_BAYES_MODEL = 'naive-bayes';
export const NAIVE_BAYES_VERSION = 1;

export type { ClassLabel };
export type NBRow = Readonly<Record<string, unknown>> | ReadonlyArray<unknown>;

export interface NaiveBayesOptions {
  numericFeatures?: readonly string[];
  categoricalFeatures?: readonly string[];
  /** Share of the largest feature variance added to every variance. Default 1e-9. */
  varSmoothing?: number;
  /** Additive (Laplace) smoothing of categorical counts. Default 1. */
  alpha?: number;
}

export interface NaiveBayesJSON<L extends ClassLabel = ClassLabel> {
  model: typeof NAIVE_BAYES_MODEL;
  version: number;
  numericFeatures: string[];
  categoricalFeatures: string[];
  varSmoothing: number;
  alpha: number;
  classes: L[];
  classCounts: number[];
  epsilon: number;
  /** [class][numeric feature] */
  theta: number[][];
  /** [class][numeric feature], ε included. */
  variance: number[][];
  /** [categorical feature] → categories seen in training. */
  categories: string[][];
  /** [class][categorical feature][category] raw counts. */
  categoryCounts: number[][][];
}

export interface FeatureContribution {
  feature: string;
  kind: 'numeric' | 'categorical';
  value: number | string;
  /** log P(x_f | predicted) − log P(x_f | runner-up): > 0 pushed towards the prediction. */
  contribution: number;
  /** A category not seen in training (contributes nothing). */
  unseen?: boolean;
}

export interface Explanation<L extends ClassLabel> {
  predicted: L;
  runnerUp: L;
  probability: number;
  /** Joint log-likelihood of the prediction minus the runner-up's (= prior + Σ contributions). */
  margin: number;
  /** log π_predicted − log π_runner-up. */
  prior: number;
  /** Every feature, largest |contribution| first. */
  contributions: FeatureContribution[];
}

const LOG_2PI = Math.log(2 * Math.PI);

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null || v === undefined) return String(v);
  return `${typeof v} ${JSON.stringify(v)}`;
}

export class NaiveBayes<L extends ClassLabel = ClassLabel> {
  readonly numericFeatures: string[];
  readonly categoricalFeatures: string[];
  readonly varSmoothing: number;
  readonly alpha: number;

  private classesV: L[] | null = null;
  private classCounts: number[] = [];
  private logPrior: number[] = [];
  private epsilonV = 0;
  private theta: number[][] = [];
  private variance: number[][] = [];
  private logNorm: number[][] = [];
  private categories: string[][] = [];
  private categoryIndex: Map<string, number>[] = [];
  private categoryCounts: number[][][] = [];
  private categoryLogProb: number[][][] = [];

  constructor(options: NaiveBayesOptions) {
    this.numericFeatures = [...(options.numericFeatures ?? [])];
    this.categoricalFeatures = [...(options.categoricalFeatures ?? [])];
    this.varSmoothing = options.varSmoothing ?? 1e-9;
    this.alpha = options.alpha ?? 1;
    const all = [...this.numericFeatures, ...this.categoricalFeatures];
    if (all.length === 0) throw badInput('the schema has no features: give numericFeatures and/or categoricalFeatures', { argument: 'numericFeatures' });
    const seen = new Set<string>();
    for (const f of all) {
      if (typeof f !== 'string' || f === '') throw badInput(`feature names must be non-empty strings, got ${describe(f)}`, { argument: 'numericFeatures' });
      if (seen.has(f)) throw badInput(`feature "${f}" is declared twice`, { argument: 'numericFeatures' });
      seen.add(f);
    }
    if (!(this.varSmoothing >= 0) || !Number.isFinite(this.varSmoothing)) throw badInput(`varSmoothing must be a finite number ≥ 0, got ${String(options.varSmoothing)}`, { argument: 'varSmoothing' });
    if (!(this.alpha > 0) || !Number.isFinite(this.alpha)) throw badInput(`alpha must be a finite number > 0, got ${String(options.alpha)}`, { argument: 'alpha' });
  }

  get fitted(): boolean {
    return this.classesV !== null;
  }
  get classes(): L[] {
    return [...this.need()];
  }
  get epsilon(): number {
    this.need();
    return this.epsilonV;
  }
  /** Per class, per numeric feature: mean (θ) and variance (σ², ε included). */
  get gaussian(): { theta: number[][]; variance: number[][] } {
    this.need();
    return { theta: this.theta.map((r) => [...r]), variance: this.variance.map((r) => [...r]) };
  }

  private need(): L[] {
    if (!this.classesV) throw new Error('NaiveBayes is not fitted: call fit(rows, labels) first');
    return this.classesV;
  }

  private schemaText(): string {
    return `numeric: ${this.numericFeatures.join(', ') || '—'}; categorical: ${this.categoricalFeatures.join(', ') || '—'}`;
  }

  /** Validates rows against the schema; numeric values as a flat matrix, categories as strings. */
  private parse(rows: readonly NBRow[], name: string): { num: Float64Array; cat: string[][] } {
    if (!Array.isArray(rows)) throw badInput(`${name} must be an array of rows`, { argument: name });
    const nNum = this.numericFeatures.length;
    const nCat = this.categoricalFeatures.length;
    const num = new Float64Array(rows.length * nNum);
    const cat: string[][] = new Array(rows.length);
    const known = new Set([...this.numericFeatures, ...this.categoricalFeatures]);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as unknown;
      let get: (f: string, pos: number) => unknown;
      let where: (f: string, pos: number) => string;
      if (Array.isArray(row)) {
        if (row.length !== nNum + nCat) throw badInput(`${name}[${i}] has ${row.length} values, expected ${nNum + nCat} (${this.schemaText()})`, { argument: name, row: i });
        get = (_f, pos) => row[pos];
        where = (f, pos) => `${name}[${i}][${pos}] (${f})`;
      } else if (row !== null && typeof row === 'object') {
        const obj = row as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
          if (!known.has(key)) throw badInput(`${name}[${i}] has unknown feature "${key}" (${this.schemaText()})`, { argument: name, row: i, field: key });
        }
        get = (f) => obj[f];
        where = (f) => `${name}[${i}].${f}`;
      } else throw badInput(`${name}[${i}] must be an object or an array, got ${describe(row)}`, { argument: name, row: i });
      for (let f = 0; f < nNum; f++) {
        const feature = this.numericFeatures[f];
        const v = get(feature, f);
        if (v === undefined) throw badInput(`${where(feature, f)} is missing`, { argument: name, row: i, field: feature });
        if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${where(feature, f)} is ${Number.isNaN(v) ? 'NaN' : describe(v)}, expected a finite number`, { argument: name, row: i, field: feature });
        num[i * nNum + f] = v;
      }
      const cats: string[] = new Array(nCat);
      for (let f = 0; f < nCat; f++) {
        const feature = this.categoricalFeatures[f];
        const v = get(feature, nNum + f);
        if (v === undefined) throw badInput(`${where(feature, nNum + f)} is missing`, { argument: name, row: i, field: feature });
        if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
          throw badInput(`${where(feature, nNum + f)} is ${describe(v)}, expected a category (string, number or boolean)`, { argument: name, row: i, field: feature });
        }
        cats[f] = String(v);
      }
      cat[i] = cats;
    }
    return { num, cat };
  }

  fit(rows: readonly NBRow[], labels: readonly L[]): this {
    if (!Array.isArray(rows) || rows.length === 0) throw badInput('rows must be a non-empty array', { argument: 'rows' });
    if (!Array.isArray(labels)) throw badInput('labels must be an array', { argument: 'labels' });
    if (labels.length !== rows.length) throw badInput(`labels has ${labels.length} entries, rows has ${rows.length}`, { argument: 'labels' });
    labels.forEach((l, i) => {
      if (!(typeof l === 'string' || typeof l === 'boolean' || (typeof l === 'number' && Number.isFinite(l)))) throw badInput(`labels[${i}] is ${describe(l)}, expected a string, number or boolean`, { argument: 'labels', row: i });
    });
    const { num, cat } = this.parse(rows, 'rows');
    const classes = orderLabels(labels);
    if (classes.length < 2) throw badInput(`labels hold a single class (${JSON.stringify(classes[0])}); a classifier needs at least 2`, { argument: 'labels' });
    const index = new Map<L, number>(classes.map((c, i) => [c, i]));
    const y = labels.map((l) => index.get(l)!);
    const m = classes.length;
    const n = rows.length;
    const nNum = this.numericFeatures.length;
    const nCat = this.categoricalFeatures.length;

    const counts = new Array<number>(m).fill(0);
    for (const c of y) counts[c]++;

    // Gaussian part: two-pass mean/variance per class, plus overall variances for ε.
    const theta = Array.from({ length: m }, () => new Array<number>(nNum).fill(0));
    const variance = Array.from({ length: m }, () => new Array<number>(nNum).fill(0));
    for (let i = 0; i < n; i++) for (let f = 0; f < nNum; f++) theta[y[i]][f] += num[i * nNum + f];
    for (let c = 0; c < m; c++) for (let f = 0; f < nNum; f++) theta[c][f] /= counts[c];
    for (let i = 0; i < n; i++) for (let f = 0; f < nNum; f++) variance[y[i]][f] += (num[i * nNum + f] - theta[y[i]][f]) ** 2;
    let maxVar = 0;
    for (let f = 0; f < nNum; f++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += num[i * nNum + f];
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (num[i * nNum + f] - mean) ** 2;
      maxVar = Math.max(maxVar, v / n);
    }
    const epsilon = maxVar > 0 ? this.varSmoothing * maxVar : this.varSmoothing;
    if (nNum > 0 && !(epsilon > 0)) throw badInput('varSmoothing is 0 and every numeric feature is constant: the Gaussian densities are undefined', { argument: 'varSmoothing' });
    for (let c = 0; c < m; c++) for (let f = 0; f < nNum; f++) variance[c][f] = variance[c][f] / counts[c] + epsilon;

    // Categorical part: categories seen, counts per class.
    const categories: string[][] = [];
    const categoryCounts: number[][][] = Array.from({ length: m }, () => []);
    for (let f = 0; f < nCat; f++) {
      const seen = [...new Set(cat.map((r) => r[f]))].sort();
      categories.push(seen);
      const idx = new Map(seen.map((v, j) => [v, j]));
      for (let c = 0; c < m; c++) categoryCounts[c].push(new Array<number>(seen.length).fill(0));
      for (let i = 0; i < n; i++) categoryCounts[y[i]][f][idx.get(cat[i][f])!]++;
    }

    this.load(classes, counts, epsilon, theta, variance, categories, categoryCounts);
    return this;
  }

  private load(classes: L[], counts: number[], epsilon: number, theta: number[][], variance: number[][], categories: string[][], categoryCounts: number[][][]): void {
    const n = counts.reduce((a, b) => a + b, 0);
    this.classesV = classes;
    this.classCounts = counts;
    this.logPrior = counts.map((c) => Math.log(c / n));
    this.epsilonV = epsilon;
    this.theta = theta;
    this.variance = variance;
    this.logNorm = variance.map((row) => row.map((v) => -0.5 * (LOG_2PI + Math.log(v))));
    this.categories = categories;
    this.categoryIndex = categories.map((cs) => new Map(cs.map((v, j) => [v, j])));
    this.categoryCounts = categoryCounts;
    this.categoryLogProb = categoryCounts.map((perFeature, c) =>
      perFeature.map((cnt, f) => {
        const den = Math.log(counts[c] + this.alpha * categories[f].length);
        return cnt.map((k) => Math.log(k + this.alpha) - den);
      }),
    );
  }

  /** Per-feature log-likelihood terms of row i for class c (numeric features first, then categorical; unseen → 0). */
  private featureTerm(c: number, f: number, num: Float64Array, cat: string[][], i: number): number {
    const nNum = this.numericFeatures.length;
    if (f < nNum) {
      const x = num[i * nNum + f];
      const diff = x - this.theta[c][f];
      return this.logNorm[c][f] - (diff * diff) / (2 * this.variance[c][f]);
    }
    const g = f - nNum;
    const j = this.categoryIndex[g].get(cat[i][g]);
    return j === undefined ? 0 : this.categoryLogProb[c][g][j];
  }

  private jointLogLikelihood(num: Float64Array, cat: string[][], i: number): number[] {
    const classes = this.need();
    const nF = this.numericFeatures.length + this.categoricalFeatures.length;
    return classes.map((_, c) => {
      let s = this.logPrior[c];
      for (let f = 0; f < nF; f++) s += this.featureTerm(c, f, num, cat, i);
      return s;
    });
  }

  /** log P(c | x) per row and class (columns follow `classes`). */
  predictLogProba(rows: readonly NBRow[]): number[][] {
    this.need();
    const { num, cat } = this.parse(rows, 'rows');
    return cat.map((_, i) => {
      const jll = this.jointLogLikelihood(num, cat, i);
      const max = Math.max(...jll);
      let sum = 0;
      for (const v of jll) sum += Math.exp(v - max);
      const lse = max + Math.log(sum);
      return jll.map((v) => v - lse);
    });
  }

  /** P(c | x) per row and class (columns follow `classes`); each row sums to 1. */
  predictProba(rows: readonly NBRow[]): number[][] {
    return this.predictLogProba(rows).map((r) => r.map(Math.exp));
  }

  /** Most probable class per row (ties: the first class in `classes`). */
  predict(rows: readonly NBRow[]): L[] {
    const classes = this.need();
    const { num, cat } = this.parse(rows, 'rows');
    return cat.map((_, i) => {
      const jll = this.jointLogLikelihood(num, cat, i);
      let best = 0;
      for (let c = 1; c < jll.length; c++) if (jll[c] > jll[best]) best = c;
      return classes[best];
    });
  }

  /** Which features moved the decision: each feature's log-likelihood for the prediction minus the runner-up's. */
  explain(row: NBRow): Explanation<L> {
    const classes = this.need();
    const { num, cat } = this.parse([row], 'row');
    const jll = this.jointLogLikelihood(num, cat, 0);
    const order = jll.map((_, c) => c).sort((a, b) => jll[b] - jll[a] || a - b);
    const [w, r] = order;
    const max = jll[w];
    const lse = max + Math.log(jll.reduce((s, v) => s + Math.exp(v - max), 0));
    const nNum = this.numericFeatures.length;
    const features = [...this.numericFeatures, ...this.categoricalFeatures];
    const contributions: FeatureContribution[] = features.map((feature, f) => {
      const numeric = f < nNum;
      const value = numeric ? num[f] : cat[0][f - nNum];
      const c: FeatureContribution = { feature, kind: numeric ? 'numeric' : 'categorical', value, contribution: this.featureTerm(w, f, num, cat, 0) - this.featureTerm(r, f, num, cat, 0) };
      if (!numeric && !this.categoryIndex[f - nNum].has(value as string)) c.unseen = true;
      return c;
    });
    contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return { predicted: classes[w], runnerUp: classes[r], probability: Math.exp(jll[w] - lse), margin: jll[w] - jll[r], prior: this.logPrior[w] - this.logPrior[r], contributions };
  }

  toJSON(): NaiveBayesJSON<L> {
    const classes = this.need();
    return {
      model: NAIVE_BAYES_MODEL,
      version: NAIVE_BAYES_VERSION,
      numericFeatures: [...this.numericFeatures],
      categoricalFeatures: [...this.categoricalFeatures],
      varSmoothing: this.varSmoothing,
      alpha: this.alpha,
      classes: [...classes],
      classCounts: [...this.classCounts],
      epsilon: this.epsilonV,
      theta: this.theta.map((r) => [...r]),
      variance: this.variance.map((r) => [...r]),
      categories: this.categories.map((r) => [...r]),
      categoryCounts: this.categoryCounts.map((perF) => perF.map((r) => [...r])),
    };
  }

  static fromJSON<L extends ClassLabel = ClassLabel>(json: NaiveBayesJSON<L>): NaiveBayes<L> {
    if (!json || json.model !== NAIVE_BAYES_MODEL) throw badInput(`not a ${NAIVE_BAYES_MODEL} model: model is ${JSON.stringify(json?.model)}`, { argument: 'json' });
    if (json.version !== NAIVE_BAYES_VERSION) throw badInput(`${NAIVE_BAYES_MODEL} version ${json.version} is not supported (expected ${NAIVE_BAYES_VERSION})`, { argument: 'json' });
    const nb = new NaiveBayes<L>({ numericFeatures: json.numericFeatures, categoricalFeatures: json.categoricalFeatures, varSmoothing: json.varSmoothing, alpha: json.alpha });
    const m = json.classes?.length ?? 0;
    const nNum = nb.numericFeatures.length;
    const nCat = nb.categoricalFeatures.length;
    const shapeOk =
      m >= 2 &&
      json.classCounts?.length === m &&
      json.classCounts.every((c) => Number.isInteger(c) && c > 0) &&
      json.theta?.length === m &&
      json.variance?.length === m &&
      json.theta.every((r) => r.length === nNum && r.every(Number.isFinite)) &&
      json.variance.every((r) => r.length === nNum && r.every((v) => Number.isFinite(v) && v > 0)) &&
      json.categories?.length === nCat &&
      json.categoryCounts?.length === m &&
      json.categoryCounts.every((perF) => perF.length === nCat && perF.every((r, f) => r.length === json.categories[f].length));
    if (!shapeOk) throw badInput(`${NAIVE_BAYES_MODEL} JSON is inconsistent with its schema (classes, counts, theta, variance, categories)`, { argument: 'json' });
    nb.load([...json.classes], [...json.classCounts], json.epsilon, json.theta.map((r) => [...r]), json.variance.map((r) => [...r]), json.categories.map((r) => [...r]), json.categoryCounts.map((perF) => perF.map((r) => [...r])));
    return nb;
  }
}
