/**
 * Seeded pseudo-random numbers for everything that samples, shuffles or initialises (k-means++, silhouette
 * samples, holdout splits). The seed is always explicit so a run can be repeated exactly; Math.random is never
 * used. Generator: sfc32 (small, fast, passes PractRand to 2^40+), state expanded from the seed by splitmix32.
 */

function assertSeed(seed: number, name = 'seed'): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new RangeError(`${name} must be a safe integer, got ${String(seed)}`);
  }
}

/** Murmur3's 32-bit finaliser: a cheap, well-mixing hash of one word. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit counter. */
function splitmix32(x: number): number {
  return mix32((x + 0x9e3779b9) | 0);
}

/**
 * The sfc32 generator: 128 bits of state, one 32-bit output per step. Every seeded stream of the project runs
 * on it (SeededRandom below, and the demo store's per-customer streams in seeds/random.ts); they differ only in
 * how a seed becomes the state (a, b, c) and in the distributions drawn from it. d starts at 1 and the first
 * 12 outputs are discarded: sfc32 needs a few rounds to mix a fresh state.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(a: number, b: number, c: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/** Folds a safe integer (up to 53 bits, any sign) into 32 bits without losing its high part. */
function fold(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) | 0;
  return (splitmix32(lo) ^ Math.imul(splitmix32(hi ^ 0x5bd1e995), 0x27d4eb2d)) >>> 0;
}

/**
 * A child seed for the `parts` path under `seed` (e.g. deriveSeed(seed, k, restart)), so every restart or
 * sub-task has its own independent, reproducible stream.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  assertSeed(seed);
  let h = fold(seed);
  for (const p of parts) {
    assertSeed(p, 'seed part');
    // Mix h before combining so the path is order-sensitive (deriveSeed(s, a, b) ≠ deriveSeed(s, b, a)).
    h = splitmix32((Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + fold(p)) | 0);
  }
  return h;
}

/** The state of a SeededRandom: three splitmix32 steps from the folded seed. */
function seededState(seed: number): [number, number, number] {
  assertSeed(seed);
  const a = splitmix32(fold(seed));
  const b = splitmix32(a);
  return [a, b, splitmix32(b)];
}

export class SeededRandom extends Sfc32 {
  private spare: number | null = null;

  constructor(readonly seed: number) {
    super(...seededState(seed));
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). Exact for any n up to 2^53 (53-bit draw; bias below 2^-53 × n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`int(n): n must be a positive safe integer, got ${String(n)}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /**
   * `k` distinct indices drawn uniformly from [0, n), returned in ascending order (so a sample keeps the
   * input's order). k ≥ n returns every index. Sparse draws use Floyd's algorithm (O(k) memory); dense ones a
   * partial Fisher–Yates over [0, n).
   */
  sampleIndices(n: number, k: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`sampleIndices(n, k): n must be a non-negative integer, got ${String(n)}`);
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`sampleIndices(n, k): k must be a non-negative integer, got ${String(k)}`);
    if (k >= n) return Array.from({ length: n }, (_, i) => i);
    let out: number[];
    if (k * 4 < n) {
      const chosen = new Set<number>();
      for (let j = n - k; j < n; j++) {
        const t = this.int(j + 1);
        chosen.add(chosen.has(t) ? j : t);
      }
      out = [...chosen];
    } else {
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.int(n - i);
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      out = Array.from(idx.subarray(0, k));
    }
    return out.sort((x, y) => x - y);
  }
}

/** A generator for an explicit seed. */
export function createRandom(seed: number): SeededRandom {
  return new SeededRandom(seed);
}
