import { Math } from '../shared/math';

/**
 * One Lloyd step over one block of rows: the work a thread does. Rows are split into blocks of BLOCK_ROWS, fixed
 * whatever the number of threads; each block writes its own per-cluster sums, counts and inertia, and the caller
 * adds the blocks up in block order, so every rounding, and therefore the fit, is the same on 1 thread or 8.
 */
export const BLOCK_ROWS = 4096;

/** What a pass over the blocks computes. */
export const MODE_FULL = 0; // nearest and second-nearest centre of every row (first iteration), then sums
export const MODE_BOUNDS = 1; // Hamerly iteration: move the bounds, rescan only rows they cannot settle, then sums
export const MODE_SUMS = 2; // sums and counts of the current labels only
export const MODE_ASSIGN_BOUNDS = 3; // nearest centre and squared distance of every row after a Lloyd run, summed into the block's inertia

/**
 * Everything a pass reads and writes, as typed arrays (on SharedArrayBuffers when threads share them).
 * params holds the centres (k·d), then half the distance from each centre to its nearest other centre (k), the
 * distance each centre moved in the last update (k), and the index of the centre that moved most, its move and
 * the second largest move (3 values).
 */
export interface LloydState {
  n: number;
  d: number;
  k: number;
  nBlocks: number;
  data: Float64Array;
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
  params: Float64Array;
  /** Per-block sums (k·d each) and counts (k each), `sumsStride` and `countsStride` apart. */
  sums: Float64Array;
  counts: Int32Array;
  sumsStride: number;
  countsStride: number;
  inertia: Float64Array;
}

export const paramsLength = (k: number, d: number): number => k * d + 2 * k + 3;

/** Allocates the state for n × d rows and k centres; `shared` puts every array on a SharedArrayBuffer. */
export function allocateState(data: Float64Array, n: number, d: number, k: number, shared: boolean): LloydState {
  const nBlocks = Math.max(1, Math.ceil(n / BLOCK_ROWS));
  const mem = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  let rows = data;
  if (shared && !(data.buffer instanceof SharedArrayBuffer)) {
    rows = new Float64Array(mem(n * d * 8));
    rows.set(data.subarray(0, n * d));
  }
  // Each block's slots are padded to cache lines of their own: threads filling neighbouring blocks would
  // otherwise write to the same line at every row, and the line's moves between cores cost more than the split saves.
  const sumsStride = Math.ceil((k * d) / 8) * 8 + 8;
  const countsStride = Math.ceil(k / 16) * 16 + 16;
  return {
    n,
    d,
    k,
    nBlocks,
    data: rows,
    labels: new Int32Array(mem(n * 4)),
    upper: new Float64Array(mem(n * 8)),
    lower: new Float64Array(mem(n * 8)),
    params: new Float64Array(mem(paramsLength(k, d) * 8)),
    sums: new Float64Array(mem(nBlocks * sumsStride * 8)),
    counts: new Int32Array(mem(nBlocks * countsStride * 4)),
    sumsStride,
    countsStride,
    inertia: new Float64Array(mem(nBlocks * 8)),
  };
}

/**
 * Near-ties within this relative slack are sent to a full scan, which takes the first minimum, so the pruned
 * iterations assign exactly as plain Lloyd's would despite the rounding of the bounds.
 */
const SLACK = 1 + 1e-10;

/** A pass over one block; the assignment pass returns the block's inertia. */
type BlockFn = (s: LloydState, b: number) => number | undefined;
const compiled = new Map<number, BlockFn[]>();

/** Above this many dimensions the passes loop over them instead of unrolling (the code would only grow). */
const MAX_UNROLLED_DIMS = 32;

/** Runs pass `mode` over block `b`. */
export function runBlock(s: LloydState, mode: number, b: number): void {
  let fns = compiled.get(s.d);
  if (!fns) {
    fns = compileBlock(s.d);
    compiled.set(s.d, fns);
  }
  const inertia = fns[mode](s, b);
  // Stored here rather than by the pass: V8 compiles a pass while its loop runs, before the store after the loop
  // has ever executed, and reaching that store then threw the compiled code away, block after block.
  if (mode === MODE_ASSIGN_BOUNDS) s.inertia[b] = inertia!;
}

/**
 * The block passes for rows of d dimensions, compiled once per d, one function per mode: V8 optimises a function
 * for the work it has seen, and one function serving every mode was deoptimised at each change of mode. With d
 * fixed in the source, the per-dimension loops become straight-line code: a row's values stay in registers across
 * the k distances and the loop and bounds checks disappear (1.5–1.7× faster than looping over d at d = 8,
 * measured). Each distance is summed dimension by dimension from the first, exactly as a loop would, so the
 * rounding is the same. Large d keeps the loops. Math.sqrt comes in as a closure constant: loading it from Math
 * inside a rarely taken branch made V8 deoptimise the pass again and again.
 */
function compileBlock(d: number): BlockFn[] {
  const unroll = d <= MAX_UNROLLED_DIMS;
  const J = Array.from({ length: d }, (_, j) => j);
  // A row's values: x0…x(d−1) when unrolled, read from data[off + j] otherwise.
  const loadRow = unroll ? J.map((j) => `const x${j} = data[off + ${j}];`).join(' ') : '';
  const x = (j: string | number): string => (unroll ? `x${j}` : `data[off + ${j}]`);
  /** `target` = squared distance from the row to the centre at params[base…]. */
  const dist = (target: string, base: string): string =>
    unroll
      ? `${J.map((j) => `const t${j} = x${j} - params[${base} + ${j}];`).join(' ')} ${target} = ${J.map((j) => `t${j} * t${j}`).join(' + ')};`
      : `${target} = 0; for (let j = 0; j < ${d}; j++) { const t = data[off + j] - params[${base} + j]; ${target} += t * t; }`;
  const addRow = (base: string): string => (unroll ? J.map((j) => `sums[${base} + ${j}] += ${x(j)};`).join(' ') : `for (let j = 0; j < ${d}; j++) sums[${base} + j] += data[off + j];`);
  const fullScan = `
        let d1 = Infinity, d2 = Infinity;
        a = -1;
        for (let c = 0, co = 0; c < k; c++, co += ${d}) {
          let sq; ${dist('sq', 'co')}
          if (sq < d1) { d2 = d1; d1 = sq; a = c; } else if (sq < d2) d2 = sq;
        }
        labels[i] = a; u = sqrt(d1); l = sqrt(d2);`;
  /** A pass that (re)labels each row with `step`, then adds the row to its cluster's sums. */
  const withSums = (step: string): string => `
    const { k, data, labels, upper, lower, params, sums, counts } = s;
    const from = b * ${BLOCK_ROWS};
    const to = Math.min(s.n, from + ${BLOCK_ROWS});
    const kd = k * ${d};
    const sb = b * s.sumsStride;
    const cb = b * s.countsStride;
    sums.fill(0, sb, sb + kd);
    counts.fill(0, cb, cb + k);
    const hOff = kd, mOff = kd + k;
    const maxC = params[mOff + k], maxP = params[mOff + k + 1], secondP = params[mOff + k + 2];
    for (let i = from; i < to; i++) {
      const off = i * ${d}; ${loadRow}
      let a = labels[i];
      ${step}
      counts[cb + a]++;
      const so = sb + a * ${d}; ${addRow('so')}
    }`;
  const full = `let u, l; ${fullScan}
        upper[i] = u; lower[i] = l;`;
  const hamerly = `
        let u = upper[i] + params[mOff + a];
        let l = lower[i] - (a === maxC ? secondP : maxP);
        const h = params[hOff + a];
        const bound = h > l ? h : l;
        if (u * ${SLACK} >= bound) {
          let sq; ${dist('sq', 'a * ' + d)}
          u = sqrt(sq);
          if (u * ${SLACK} >= bound) { ${fullScan} }
        }
        upper[i] = u; lower[i] = l;`;
  // Every row needs its exact distance for the inertia, but the bounds spare the k − 1 others for settled rows.
  const assignBounds = `
    const { k, data, labels, upper, lower, params } = s;
    const from = b * ${BLOCK_ROWS};
    const to = Math.min(s.n, from + ${BLOCK_ROWS});
    const kd = k * ${d};
    const hOff = kd, mOff = kd + k;
    const maxC = params[mOff + k], maxP = params[mOff + k + 1], secondP = params[mOff + k + 2];
    let inertia = 0;
    for (let i = from; i < to; i++) {
      const off = i * ${d}; ${loadRow}
      let a = labels[i];
      let u = upper[i] + params[mOff + a];
      let l = lower[i] - (a === maxC ? secondP : maxP);
      const h = params[hOff + a];
      const bound = h > l ? h : l;
      let sq; ${dist('sq', 'a * ' + d)}
      u = sqrt(sq);
      if (u * ${SLACK} >= bound) {
        let d1 = Infinity;
        a = -1;
        for (let c = 0, co = 0; c < k; c++, co += ${d}) {
          let sq; ${dist('sq', 'co')}
          if (sq < d1) { d1 = sq; a = c; }
        }
        labels[i] = a;
        sq = d1;
      }
      inertia += sq;
    }
    return inertia;`;
  const sources: Record<number, string> = {
    [MODE_FULL]: withSums(full),
    [MODE_BOUNDS]: withSums(hamerly),
    [MODE_SUMS]: withSums(''),
    [MODE_ASSIGN_BOUNDS]: assignBounds,
  };
  const fns: BlockFn[] = [];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  for (const [mode, src] of Object.entries(sources)) fns[Number(mode)] = new Function('sqrt', 'Math', 'Infinity', `return function pass${mode}(s, b) {${src}\n};`)(Math.sqrt, Math, Infinity) as BlockFn;
  return fns;
}
