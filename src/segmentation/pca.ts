import { badInput } from '../shared/errors';
import { createRandom } from '../shared/random';
import { toFlat, validateMatrix, type Matrix } from './matrix';
import { Math } from '../shared/math';

/**
 * Two-component PCA for the dashboard's cluster scatter. Columns are standardised (population std; a constant
 * column gets scale 1), the d × d covariance is built on a seeded sample, and its eigenvectors come from the
 * cyclic Jacobi method, which is exact to rounding for the small d of a feature set and, unlike power
 * iteration, does not slow down when the top eigenvalues are close. Each component's sign is fixed so its
 * largest-magnitude loading is positive, so refits give the same picture.
 */
export const PCA_MODEL = 'pca2';
export const PCA_VERSION = 1;

export interface PcaOptions {
  /** Rows used to estimate the covariance (default 20,000; larger inputs are sampled with `seed`). */
  sampleSize?: number;
  seed?: number;
}

export interface Pca2JSON {
  model: typeof PCA_MODEL;
  version: number;
  mean: number[];
  scale: number[];
  /** 2 × d loadings (unit vectors in standardised space). */
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  nSamples: number;
}

/** Eigen-decomposition of a symmetric matrix (row-major d × d) by cyclic Jacobi rotations. */
export function symmetricEigen(A: Float64Array, d: number): { values: number[]; vectors: number[][] } {
  const a = A.slice();
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += a[p * d + p] * a[p * d + p];
      for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < d; r++) {
          const arp = a[r * d + p];
          const arq = a[r * d + q];
          a[r * d + p] = c * arp - s * arq;
          a[r * d + q] = s * arp + c * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p * d + r];
          const aqr = a[q * d + r];
          a[p * d + r] = c * apr - s * aqr;
          a[q * d + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < d; r++) {
          const vrp = v[r * d + p];
          const vrq = v[r * d + q];
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j] - a[i * d + i]);
  return {
    values: order.map((i) => a[i * d + i]),
    vectors: order.map((i) => {
      const vec = Array.from({ length: d }, (_, r) => v[r * d + i]);
      let big = 0;
      for (const x of vec) if (Math.abs(x) > Math.abs(big) + 1e-12) big = x;
      return big < 0 ? vec.map((x) => -x) : vec;
    }),
  };
}

export class Pca2 {
  private constructor(
    readonly mean: number[],
    readonly scale: number[],
    readonly components: number[][],
    readonly explainedVariance: number[],
    readonly explainedVarianceRatio: number[],
    readonly nSamples: number,
  ) {}

  static fit(X: Matrix, options: PcaOptions = {}): Pca2 {
    const { rows, cols } = validateMatrix(X, 'X', { minRows: 2 });
    if (cols < 2) throw badInput(`X has ${cols} column; a 2-D projection needs at least 2`, { argument: 'X' });
    const sampleSize = options.sampleSize ?? 20_000;
    if (!Number.isInteger(sampleSize) || sampleSize < 2) throw badInput(`sampleSize must be an integer ≥ 2, got ${String(options.sampleSize)}`, { argument: 'sampleSize' });
    let sample: Matrix = X;
    if (rows > sampleSize) {
      if (options.seed === undefined) throw badInput(`seed is required to sample ${sampleSize} of ${rows} rows`, { argument: 'seed' });
      sample = createRandom(options.seed).sampleIndices(rows, sampleSize).map((i) => X[i]);
    }
    const n = sample.length;
    const d = cols;
    const flat = toFlat(sample, d);
    const mean = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += flat[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    const variance = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) variance[j] += (flat[i * d + j] - mean[j]) ** 2;
    const scale = variance.map((v, j) => {
      const sd = Math.sqrt(v / n);
      return sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
    });
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) flat[i * d + j] = (flat[i * d + j] - mean[j]) / scale[j];
    const cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let p = 0; p < d; p++) {
        const xp = flat[o + p];
        for (let q = p; q < d; q++) cov[p * d + q] += xp * flat[o + q];
      }
    }
    for (let p = 0; p < d; p++) {
      for (let q = p; q < d; q++) {
        cov[p * d + q] /= n - 1;
        cov[q * d + p] = cov[p * d + q];
      }
    }
    const { values, vectors } = symmetricEigen(cov, d);
    const totalVar = values.reduce((s, x) => s + Math.max(0, x), 0);
    const ev = values.slice(0, 2).map((x) => Math.max(0, x));
    return new Pca2(mean, scale, vectors.slice(0, 2), ev, ev.map((x) => (totalVar > 0 ? x / totalVar : 0)), n);
  }

  /** 2-D coordinates of each row of X. */
  project(X: Matrix): [number, number][] {
    const d = this.mean.length;
    validateMatrix(X, 'X', { cols: d });
    const [c1, c2] = this.components;
    return X.map((row) => {
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        const z = (row[j] - this.mean[j]) / this.scale[j];
        a += z * c1[j];
        b += z * c2[j];
      }
      return [a, b];
    });
  }

  toJSON(): Pca2JSON {
    return {
      model: PCA_MODEL,
      version: PCA_VERSION,
      mean: [...this.mean],
      scale: [...this.scale],
      components: this.components.map((c) => [...c]),
      explainedVariance: [...this.explainedVariance],
      explainedVarianceRatio: [...this.explainedVarianceRatio],
      nSamples: this.nSamples,
    };
  }

  static fromJSON(json: Pca2JSON): Pca2 {
    if (!json || json.model !== PCA_MODEL) throw badInput(`not a ${PCA_MODEL} model: model is ${JSON.stringify(json?.model)}`, { argument: 'json' });
    if (json.version !== PCA_VERSION) throw badInput(`${PCA_MODEL} version ${json.version} is not supported (expected ${PCA_VERSION})`, { argument: 'json' });
    const d = json.mean?.length ?? 0;
    if (d < 2 || json.scale?.length !== d || json.components?.length !== 2 || json.components.some((c) => c.length !== d)) {
      throw badInput(`${PCA_MODEL} JSON is inconsistent: mean, scale and both components must have the same length ≥ 2`, { argument: 'json' });
    }
    return new Pca2([...json.mean], [...json.scale], json.components.map((c) => [...c]), [...json.explainedVariance], [...json.explainedVarianceRatio], json.nSamples);
  }
}

/** Fits the 2-D projection (see Pca2). */
export function pca2(X: Matrix, options: PcaOptions = {}): Pca2 {
  return Pca2.fit(X, options);
}
