import { badInput } from '../shared/errors';
import { SeededRandom } from '../shared/random';
import type { BgNbdParams } from './bgnbd';
import type { GammaGammaParams } from './gamma-gamma';
import { log, min, pow, round, sqrt } from '../shared/math';

/**
 * Seeded simulation of customers from known BG/NBD or MBG/NBD (and optionally Gamma-Gamma) parameters at daily
 * resolution: ages T are whole days and tx is rounded to the nearest day (expressed in the chosen unit), so many
 * customers share a row, as in real order data. Every purchase event counts (no same-day merging, which would
 * drop ~4% of events at CDNOW-like rates and bias the recovered rate), so the data follow the model up to the
 * half-day rounding of tx. Used by benchmarks and parameter-recovery tests.
 */

export interface SimulateOptions {
  customers: number;
  params: BgNbdParams;
  seed: number;
  /** Customer ages T are uniform on 1..maxAgeDays days (default 546, i.e. 78 weeks). */
  maxAgeDays?: number;
  /** Unit of tx, T and of the rate parameter α (default 'week'). */
  timeUnit?: 'week' | 'day';
  /** When given, also draws each repeat customer's mean repeat spend. */
  spend?: GammaGammaParams;
}

export interface SimulatedCustomers {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Mean repeat spend (0 for x = 0); present when `spend` was given. */
  monetary?: Float64Array;
}

/** Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 through the U^(1/shape) boost). */
export function gammaDraw(rng: SeededRandom, shape: number): number {
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return gammaDraw(rng, shape + 1) * pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = rng.normal();
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * z * z * z * z) return d * v;
    if (u > 0 && log(u) < 0.5 * z * z + d * (1 - v + log(v))) return d * v;
  }
}

export function simulateBgNbd(opts: SimulateOptions): SimulatedCustomers {
  const { customers: n, params, seed } = opts;
  if (!Number.isInteger(n) || n < 1) throw badInput(`customers (${String(n)}) must be a positive integer`, { field: 'customers' });
  const maxAge = opts.maxAgeDays ?? 546;
  if (!Number.isInteger(maxAge) || maxAge < 1) throw badInput(`maxAgeDays (${String(maxAge)}) must be a positive integer`, { field: 'maxAgeDays' });
  const daysPerUnit = (opts.timeUnit ?? 'week') === 'week' ? 7 : 1;
  const rng = new SeededRandom(seed);
  const { r, alpha, a, b } = params;
  const mbg = params.kind === 'mbg-nbd';
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const monetary = opts.spend ? new Float64Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const ageDays = 1 + rng.int(maxAge);
    const age = ageDays / daysPerUnit;
    const lambda = gammaDraw(rng, r) / alpha;
    const g1 = gammaDraw(rng, a);
    const p = g1 / (g1 + gammaDraw(rng, b));
    let count = 0;
    let lastDay = 0;
    let alive = !(mbg && rng.next() < p);
    let t = 0;
    while (alive && lambda > 0) {
      t += -log(1 - rng.next()) / lambda;
      if (t > age) break;
      count++;
      lastDay = min(ageDays, round(t * daysPerUnit));
      if (rng.next() < p) alive = false;
    }
    x[i] = count;
    tx[i] = lastDay / daysPerUnit;
    T[i] = age;
    if (monetary && count > 0) {
      const { p: sp, q, v } = opts.spend!;
      const nu = gammaDraw(rng, q) / v;
      monetary[i] = gammaDraw(rng, sp * count) / (nu * count);
    }
  }
  return monetary ? { x, tx, T, monetary } : { x, tx, T };
}
