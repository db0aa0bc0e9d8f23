import { badInput } from '../shared/errors';

/**
 * Dense numeric matrices for the ML core: rows of numbers (`number[][]`) at the API, one flat row-major
 * Float64Array inside the hot loops. Validation happens once, up front, with messages naming the argument,
 * row and column ("X[12][3] is NaN"), so bad data never turns into a silent NaN centroid.
 */
export type Matrix = ReadonlyArray<ArrayLike<number>>;

export interface MatrixShape {
  rows: number;
  cols: number;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Checks that `X` is a non-empty rectangular matrix of finite numbers (optionally with `cols` columns and at
 * least `minRows` rows) and returns its shape.
 */
export function validateMatrix(X: unknown, name = 'X', opts: { cols?: number; minRows?: number; allowEmpty?: boolean } = {}): MatrixShape {
  if (!Array.isArray(X)) throw badInput(`${name} must be an array of rows, got ${describe(X)}`, { argument: name });
  if (X.length === 0 && !opts.allowEmpty) throw badInput(`${name} is empty (no rows)`, { argument: name });
  const minRows = opts.minRows ?? 1;
  if (X.length < minRows) throw badInput(`${name} has ${X.length} rows, needs at least ${minRows}`, { argument: name });
  const first = X[0] as unknown;
  let cols = opts.cols;
  if (cols === undefined) {
    if (X.length === 0) return { rows: 0, cols: 0 };
    if (!isRow(first)) throw badInput(`${name}[0] must be an array of numbers, got ${describe(first)}`, { argument: name, row: 0 });
    cols = first.length;
    if (cols === 0) throw badInput(`${name}[0] has no columns`, { argument: name, row: 0 });
  }
  for (let i = 0; i < X.length; i++) {
    const row = X[i] as unknown;
    if (!isRow(row)) throw badInput(`${name}[${i}] must be an array of numbers, got ${describe(row)}`, { argument: name, row: i });
    if (row.length !== cols) throw badInput(`${name}[${i}] has ${row.length} columns, expected ${cols}`, { argument: name, row: i });
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw badInput(`${name}[${i}][${j}] is ${describe(v)}${typeof v === 'number' ? '' : ', expected a finite number'}`, { argument: name, row: i, column: j });
      }
    }
  }
  return { rows: X.length, cols };
}

function isRow(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

/** Row-major copy of a validated matrix. */
export function toFlat(X: Matrix, cols: number): Float64Array {
  const out = new Float64Array(X.length * cols);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[o + j] = row[j];
  }
  return out;
}

/** Validates a label vector against n rows: same length, no null/undefined/NaN. */
export function validateLabels(labels: unknown, n: number, name = 'labels'): ArrayLike<unknown> {
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) throw badInput(`${name} must be an array, got ${describe(labels)}`, { argument: name });
  const arr = labels as ArrayLike<unknown>;
  if (arr.length !== n) throw badInput(`${name} has ${arr.length} entries, expected ${n} (one per row)`, { argument: name });
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      throw badInput(`${name}[${i}] is ${describe(v)}`, { argument: name, row: i });
    }
  }
  return arr;
}

/** Maps labels of any primitive kind to contiguous indices 0..m-1 in order of first appearance. */
export function encodeLabels(labels: ArrayLike<unknown>): { codes: Int32Array; values: unknown[] } {
  const index = new Map<unknown, number>();
  const codes = new Int32Array(labels.length);
  const values: unknown[] = [];
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    let c = index.get(v);
    if (c === undefined) {
      c = values.length;
      index.set(v, c);
      values.push(v);
    }
    codes[i] = c;
  }
  return { codes, values };
}
