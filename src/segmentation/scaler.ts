import { badInput } from '../shared/errors';
import { toFlat, validateMatrix, type Matrix } from './matrix';
import { Math } from '../shared/math';

/**
 * Standardisation for clustering: optional log1p on heavy-tailed features (money, counts) first, then
 * z = (x − mean) / std with the population std (ddof 0, as scikit-learn). A constant feature gets scale 1 so it
 * maps to 0 instead of dividing by zero. Missing values are not guessed here: the caller imputes them
 * explicitly (imputeMedian) and the medians used travel with the model.
 */
export const SCALER_MODEL = 'standard-scaler';
export const SCALER_VERSION = 1;

export type MaybeNumber = number | null | undefined;

export interface Imputation {
  /** Imputed rows (a copy; the input is not modified). */
  X: number[][];
  /** Per column: the median used, or null when the column was not imputed. */
  medians: (number | null)[];
  /** Per column: how many values were filled. */
  filled: number[];
}

const isMissing = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function checkImputeInput(X: unknown, name: string): ReadonlyArray<ReadonlyArray<MaybeNumber>> {
  if (!Array.isArray(X) || X.length === 0) throw badInput(`${name} must be a non-empty array of rows`, { argument: name });
  const cols = Array.isArray(X[0]) ? (X[0] as unknown[]).length : -1;
  for (let i = 0; i < X.length; i++) {
    const row = X[i] as unknown;
    if (!Array.isArray(row)) throw badInput(`${name}[${i}] must be an array`, { argument: name, row: i });
    if (row.length !== cols) throw badInput(`${name}[${i}] has ${row.length} columns, expected ${cols}`, { argument: name, row: i });
    for (let j = 0; j < cols; j++) {
      const v = row[j] as unknown;
      if (isMissing(v)) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw badInput(`${name}[${i}][${j}] is ${typeof v === 'number' ? String(v) : `${typeof v} ${JSON.stringify(v)}`}, expected a finite number or a missing value`, { argument: name, row: i, column: j });
      }
    }
  }
  return X as ReadonlyArray<ReadonlyArray<MaybeNumber>>;
}

/**
 * Fills missing values (null, undefined, NaN) of the columns `cols` (default: all) with each column's median
 * over its present values, and returns the medians so the same values can be applied at predict time
 * (applyImputation). A missing value in a column that is not imputed is an error.
 */
export function imputeMedian(X: ReadonlyArray<ReadonlyArray<MaybeNumber>>, cols?: readonly number[], name = 'X'): Imputation {
  const rows = checkImputeInput(X, name);
  const width = rows[0].length;
  const targets = cols ?? Array.from({ length: width }, (_, j) => j);
  const medians: (number | null)[] = new Array(width).fill(null);
  for (const j of targets) {
    if (!Number.isInteger(j) || j < 0 || j >= width) throw badInput(`cols contains ${j}, not a column index of ${name} (0..${width - 1})`, { argument: 'cols' });
    const present: number[] = [];
    for (const row of rows) if (!isMissing(row[j])) present.push(row[j] as number);
    if (present.length === 0) throw badInput(`${name} column ${j} has no values to take a median from`, { argument: name, column: j });
    medians[j] = median(present);
  }
  return applyImputation(rows, medians, name);
}

/** Fills missing values with previously recorded medians (null = column not imputed: missing is an error). */
export function applyImputation(X: ReadonlyArray<ReadonlyArray<MaybeNumber>>, medians: ReadonlyArray<number | null>, name = 'X'): Imputation {
  const rows = checkImputeInput(X, name);
  const width = rows[0].length;
  if (medians.length !== width) throw badInput(`medians has ${medians.length} entries, ${name} has ${width} columns`, { argument: 'medians' });
  const filled = new Array<number>(width).fill(0);
  const out = rows.map((row, i) =>
    row.map((v, j) => {
      if (!isMissing(v)) return v as number;
      const m = medians[j];
      if (m === null || m === undefined) throw badInput(`${name}[${i}][${j}] is missing and column ${j} is not imputed`, { argument: name, row: i, column: j });
      filled[j]++;
      return m;
    }),
  );
  return { X: out, medians: [...medians], filled };
}

export interface StandardScalerOptions {
  /** Names of the columns, in order; lets `log1p` and error messages use names. */
  featureNames?: readonly string[];
  /** Columns (names or indices) to pass through log1p before standardising; values must be > −1. */
  log1p?: ReadonlyArray<string | number>;
}

export interface StandardScalerJSON {
  model: typeof SCALER_MODEL;
  version: number;
  featureNames: string[] | null;
  log1p: boolean[];
  mean: number[];
  scale: number[];
  nSamples: number;
  /** Medians used to impute missing values before scaling (null entries: column not imputed), if any. */
  imputeMedians: (number | null)[] | null;
}

export class StandardScaler {
  private readonly featureNames: string[] | null;
  private readonly log1pSpec: ReadonlyArray<string | number>;
  private logMask: boolean[] | null = null;
  private meanV: number[] | null = null;
  private scaleV: number[] | null = null;
  private n = 0;
  private medians: (number | null)[] | null = null;

  constructor(options: StandardScalerOptions = {}) {
    this.featureNames = options.featureNames ? [...options.featureNames] : null;
    if (this.featureNames) {
      const seen = new Set<string>();
      for (const f of this.featureNames) {
        if (seen.has(f)) throw badInput(`featureNames contains "${f}" twice`, { argument: 'featureNames' });
        seen.add(f);
      }
    }
    this.log1pSpec = [...(options.log1p ?? [])];
    if (this.featureNames) this.resolveLogMask(this.featureNames.length);
  }

  get fitted(): boolean {
    return this.meanV !== null;
  }
  get mean(): number[] {
    return [...this.need().mean];
  }
  get scale(): number[] {
    return [...this.need().scale];
  }
  get log1pMask(): boolean[] {
    return [...this.need().log];
  }
  get nFeatures(): number {
    return this.need().mean.length;
  }
  get nSamples(): number {
    return this.n;
  }
  get names(): string[] | null {
    return this.featureNames ? [...this.featureNames] : null;
  }
  get imputeMedians(): (number | null)[] | null {
    return this.medians ? [...this.medians] : null;
  }

  private resolveLogMask(width: number): boolean[] {
    const mask = new Array<boolean>(width).fill(false);
    for (const f of this.log1pSpec) {
      let j: number;
      if (typeof f === 'number') {
        if (!Number.isInteger(f) || f < 0 || f >= width) throw badInput(`log1p column ${f} is out of range (0..${width - 1})`, { argument: 'log1p' });
        j = f;
      } else {
        if (!this.featureNames) throw badInput(`log1p names feature "${f}" but no featureNames were given`, { argument: 'log1p' });
        j = this.featureNames.indexOf(f);
        if (j < 0) throw badInput(`log1p names unknown feature "${f}" (features: ${this.featureNames.join(', ')})`, { argument: 'log1p' });
      }
      mask[j] = true;
    }
    return mask;
  }

  private colName(j: number): string {
    return this.featureNames ? ` (${this.featureNames[j]})` : '';
  }

  private need(): { mean: number[]; scale: number[]; log: boolean[] } {
    if (!this.meanV || !this.scaleV || !this.logMask) throw new Error('StandardScaler is not fitted: call fit(X) first');
    return { mean: this.meanV, scale: this.scaleV, log: this.logMask };
  }

  /** Learns per-column log1p mask, mean and std. `imputeMedians` (from imputeMedian) is stored with the model. */
  fit(X: Matrix, options: { imputeMedians?: ReadonlyArray<number | null> } = {}): this {
    const { rows, cols } = validateMatrix(X, 'X', this.featureNames ? { cols: this.featureNames.length } : {});
    const mask = this.resolveLogMask(cols);
    const flat = toFlat(X, cols);
    this.applyLog(flat, cols, mask, 'X');
    const mean = new Array<number>(cols).fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += flat[i * cols + j];
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    // Two-pass variance: numerically stable for large offsets (e.g. tenure in days).
    const variance = new Array<number>(cols).fill(0);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const d = flat[i * cols + j] - mean[j];
        variance[j] += d * d;
      }
    }
    const scale = variance.map((v, j) => {
      const sd = Math.sqrt(v / rows);
      // A (numerically) constant column would blow up to ±huge z: keep it at scale 1 → all zeros.
      return sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
    });
    if (options.imputeMedians) {
      if (options.imputeMedians.length !== cols) throw badInput(`imputeMedians has ${options.imputeMedians.length} entries, X has ${cols} columns`, { argument: 'imputeMedians' });
      this.medians = [...options.imputeMedians];
    } else this.medians = null;
    this.logMask = mask;
    this.meanV = mean;
    this.scaleV = scale;
    this.n = rows;
    return this;
  }

  fitTransform(X: Matrix, options: { imputeMedians?: ReadonlyArray<number | null> } = {}): number[][] {
    return this.fit(X, options).transform(X);
  }

  private applyLog(flat: Float64Array, cols: number, mask: boolean[], name: string): void {
    const rows = flat.length / cols;
    for (let j = 0; j < cols; j++) {
      if (!mask[j]) continue;
      for (let i = 0; i < rows; i++) {
        const v = flat[i * cols + j];
        if (v <= -1) throw badInput(`${name}[${i}][${j}] = ${v} is ≤ −1: log1p is undefined for column ${j}${this.colName(j)}`, { argument: name, row: i, column: j });
        flat[i * cols + j] = Math.log1p(v);
      }
    }
  }

  /** Standardised copy of X as a flat row-major Float64Array (for the clustering hot loops). */
  transformFlat(X: Matrix, name = 'X'): Float64Array {
    const { mean, scale, log } = this.need();
    const cols = mean.length;
    validateMatrix(X, name, { cols });
    const flat = toFlat(X, cols);
    this.applyLog(flat, cols, log, name);
    for (let i = 0; i < flat.length; i += cols) for (let j = 0; j < cols; j++) flat[i + j] = (flat[i + j] - mean[j]) / scale[j];
    return flat;
  }

  transform(X: Matrix, name = 'X'): number[][] {
    const cols = this.need().mean.length;
    const flat = this.transformFlat(X, name);
    const out: number[][] = new Array(flat.length / cols);
    for (let i = 0; i < out.length; i++) out[i] = Array.from(flat.subarray(i * cols, (i + 1) * cols));
    return out;
  }

  /** Back to original units: x = z·std + mean, then expm1 for log-transformed columns (e.g. centroids). */
  inverseTransform(Z: Matrix, name = 'Z'): number[][] {
    const { mean, scale, log } = this.need();
    validateMatrix(Z, name, { cols: mean.length });
    return Z.map((row) =>
      Array.from(row, (z, j) => {
        const v = z * scale[j] + mean[j];
        return log[j] ? Math.expm1(v) : v;
      }),
    );
  }

  toJSON(): StandardScalerJSON {
    const { mean, scale, log } = this.need();
    return {
      model: SCALER_MODEL,
      version: SCALER_VERSION,
      featureNames: this.featureNames ? [...this.featureNames] : null,
      log1p: [...log],
      mean: [...mean],
      scale: [...scale],
      nSamples: this.n,
      imputeMedians: this.medians ? [...this.medians] : null,
    };
  }

  static fromJSON(json: StandardScalerJSON): StandardScaler {
    if (!json || json.model !== SCALER_MODEL) throw badInput(`not a ${SCALER_MODEL} model: model is ${JSON.stringify(json?.model)}`, { argument: 'json' });
    if (json.version !== SCALER_VERSION) throw badInput(`${SCALER_MODEL} version ${json.version} is not supported (expected ${SCALER_VERSION})`, { argument: 'json' });
    const d = json.mean?.length;
    if (!d || json.scale?.length !== d || json.log1p?.length !== d || (json.featureNames && json.featureNames.length !== d)) {
      throw badInput(`${SCALER_MODEL} JSON is inconsistent: mean, scale, log1p and featureNames must have the same length`, { argument: 'json' });
    }
    json.mean.forEach((v, j) => {
      if (!Number.isFinite(v)) throw badInput(`${SCALER_MODEL} JSON mean[${j}] is ${v}`, { argument: 'json' });
    });
    json.scale.forEach((v, j) => {
      if (!Number.isFinite(v) || v <= 0) throw badInput(`${SCALER_MODEL} JSON scale[${j}] is ${v}, expected > 0`, { argument: 'json' });
    });
    const s = new StandardScaler({ featureNames: json.featureNames ?? undefined, log1p: json.log1p.flatMap((b, j) => (b ? [j] : [])) });
    s.logMask = [...json.log1p];
    s.meanV = [...json.mean];
    s.scaleV = [...json.scale];
    s.n = json.nSamples;
    s.medians = json.imputeMedians ? [...json.imputeMedians] : null;
    return s;
  }
}
