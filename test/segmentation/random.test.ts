import { createRandom, deriveSeed } from '../../src/shared/random';

describe('SeededRandom', () => {
  it('repeats exactly for the same seed and differs across seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xa = Array.from({ length: 50 }, () => a.next());
    const xb = Array.from({ length: 50 }, () => b.next());
    const xc = Array.from({ length: 50 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('rejects a missing or fractional seed', () => {
    expect(() => createRandom(undefined as unknown as number)).toThrow(/seed must be a safe integer/);
    expect(() => createRandom(1.5)).toThrow(/seed must be a safe integer, got 1.5/);
  });

  it('int(n) covers [0, n) roughly uniformly', () => {
    const r = createRandom(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // ~4.4 sd
    expect(() => r.int(0)).toThrow(/n must be a positive safe integer/);
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = createRandom(11);
    const n = 40_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('shuffle returns a permutation', () => {
    const r = createRandom(3);
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const sh = r.shuffle([...xs]);
    expect(sh).not.toEqual(xs);
    expect([...sh].sort((a, b) => a - b)).toEqual(xs);
  });

  it.each([
    [1000, 10], // sparse: Floyd
    [1000, 900], // dense: partial Fisher–Yates
  ])('sampleIndices(%i, %i) gives distinct sorted indices in range, reproducibly', (n, k) => {
    const s1 = createRandom(5).sampleIndices(n, k);
    const s2 = createRandom(5).sampleIndices(n, k);
    expect(s1).toEqual(s2);
    expect(s1).toHaveLength(k);
    expect(new Set(s1).size).toBe(k);
    for (let i = 1; i < k; i++) expect(s1[i]).toBeGreaterThan(s1[i - 1]);
    expect(s1[0]).toBeGreaterThanOrEqual(0);
    expect(s1[k - 1]).toBeLessThan(n);
    expect(createRandom(5).sampleIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
  });

  it('sampleIndices is uniform: every index is drawn about k/n of the time', () => {
    const hits = new Array(20).fill(0);
    for (let s = 0; s < 4000; s++) for (const i of createRandom(s).sampleIndices(20, 3)) hits[i]++;
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(110);
  });

  it('deriveSeed gives distinct reproducible child seeds', () => {
    expect(deriveSeed(1, 2)).toBe(deriveSeed(1, 2));
    const seeds = new Set<number>();
    for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) seeds.add(deriveSeed(a, b));
    expect(seeds.size).toBe(400);
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
  });
});
