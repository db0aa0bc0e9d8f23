/**
 * The demo seed's random streams and the distributions it draws from. Never Math.random: the same seed
 * must give the same warehouse, byte for byte.
 *
 * Every customer gets its own stream, derived from (seed, stream kind, index), so a customer's data does not
 * depend on how many customers came before it or on how generation is chunked.
 */

import { mix32, Sfc32 } from '../src/shared/random';

const TWO_32 = 4294967296;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(x: number): string {
  return HEX[(x >>> 24) & 255] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
}

/** The state of the stream (seed, ...keys): the seed's two 32-bit halves and each key, hashed in turn. */
function streamState(seed: number, keys: number[]): [number, number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative safe integer (got ${seed})`);
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ Math.floor(seed / TWO_32) ^ 0x7f4a7c15);
  for (const k of keys) h = mix32((h + Math.imul(k >>> 0, 0x27d4eb2f) + 0x165667b1) >>> 0);
  return [h, mix32(h ^ 0x85ebca6b), mix32(h ^ 0xc2b2ae35)];
}

/**
 * The seed's random stream: the project's sfc32 (src/shared/random.ts) with its own seeding, so that every
 * customer's stream depends only on (seed, kind, index), and 32-bit uniforms (the demo store's data is defined
 * by them: changing the draws would change every generated warehouse).
 */
export class Rng extends Sfc32 {
  private spare: number | null = null;

  /**
   * `seed` is any non-negative safe integer; `keys` select an independent stream (e.g. [kind, index]).
   */
  constructor(seed: number, ...keys: number[]) {
    super(...streamState(seed, keys));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / TWO_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Standard normal (Marsaglia's polar method; the second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Log-normal with the given median and log-scale sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Gamma(shape, scale) by Marsaglia–Tsang (boosted for shape < 1). */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Beta(a, b) from two gammas. */
  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    return x / (x + this.gamma(b, 1));
  }

  /** A 32-hex-digit id like Olist's, from 128 random bits. */
  hex32(): string {
    return hex8(this.uint32()) + hex8(this.uint32()) + hex8(this.uint32()) + hex8(this.uint32());
  }
}

/** Draws an index with probability proportional to its weight (cumulative table + binary search). */
export class Categorical {
  private readonly cdf: Float64Array;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('Categorical needs at least one weight');
    this.cdf = new Float64Array(weights.length);
    let acc = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weight ${i} must be a finite number ≥ 0 (got ${w})`);
      acc += w;
      this.cdf[i] = acc;
    });
    if (acc <= 0) throw new Error('Categorical needs a positive total weight');
  }

  get size(): number {
    return this.cdf.length;
  }

  sample(rng: Rng): number {
    return this.searchAt(rng.next() * this.cdf[this.cdf.length - 1]);
  }

  /** An index drawn only among [lo, hi) (weights renormalised), e.g. days inside a window. */
  sampleRange(rng: Rng, lo: number, hi: number): number {
    const base = lo > 0 ? this.cdf[lo - 1] : 0;
    const top = this.cdf[hi - 1];
    const i = this.searchAt(base + rng.next() * (top - base));
    return Math.min(Math.max(i, lo), hi - 1);
  }

  private searchAt(x: number): number {
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
