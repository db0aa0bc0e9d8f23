import { MIX_NAMES, PROFILES, profilesOf } from '../seeds/behaviour';
import { STATES } from '../seeds/brazil';
import { Calendar, DAY, blackFriday } from '../seeds/calendar';
import { CATEGORIES } from '../seeds/categories';
import { TableBuffer, cents, copyText } from '../seeds/copy-text';
import { SEED_TABLES, WarehouseGenerator, type RowSink } from '../seeds/generator';
import { Categorical, Rng } from '../seeds/random';

/** The pure parts of the seed: PRNG, distributions, calendar, COPY text, and the generator without a database. */
describe('seed building blocks', () => {
  it('Rng streams are reproducible, independent, and roughly uniform', () => {
    const a = new Rng(42, 2, 7);
    const b = new Rng(42, 2, 7);
    const xs = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(xs);
    expect(new Rng(42, 2, 8).uint32()).not.toBe(xs[0]);
    expect(new Rng(43, 2, 7).uint32()).not.toBe(xs[0]);
    const r = new Rng(1);
    const n = 100_000;
    let sum = 0;
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = r.next();
      sum += u;
      buckets[Math.floor(u * 10)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of buckets) expect(Math.abs(c - n / 10)).toBeLessThan(600);
    expect(new Rng(5).hex32()).toMatch(/^[0-9a-f]{32}$/);
    expect(() => new Rng(-1)).toThrow(/seed/);
  });

  it('distributions have the right means', () => {
    const r = new Rng(9);
    const mean = (f: () => number, n = 50_000) => Array.from({ length: n }, f).reduce((s, x) => s + x, 0) / n;
    expect(mean(() => r.exponential(3))).toBeCloseTo(3, 1);
    expect(mean(() => r.gamma(2.5, 2))).toBeCloseTo(5, 1);
    expect(mean(() => r.gamma(0.5, 1))).toBeCloseTo(0.5, 1);
    expect(mean(() => r.normal())).toBeCloseTo(0, 1);
    expect(mean(() => r.beta(2, 6))).toBeCloseTo(0.25, 2);
    const c = new Categorical([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[c.sample(r)]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeCloseTo(3, 0);
    for (let i = 0; i < 1000; i++) expect(c.sampleRange(r, 2, 3)).toBe(2);
    expect(() => new Categorical([1, -1])).toThrow(/weight 1/);
  });

  it('calendar: Black Friday dates, timestamps formatted like toISOString, seasonal peaks', () => {
    expect(new Date(blackFriday(2016) * 1000).toISOString().slice(0, 10)).toBe('2016-11-25');
    expect(new Date(blackFriday(2017) * 1000).toISOString().slice(0, 10)).toBe('2017-11-24');
    const asOf = Date.UTC(2018, 8, 1) / 1000;
    const cal = new Calendar(asOf, 730, 90);
    for (const t of [cal.start, asOf - 1, asOf + 12345.6, Date.UTC(2010, 0, 1) / 1000 + 59]) {
      const iso = new Date(Math.floor(t) * 1000).toISOString();
      expect(cal.format(t)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`);
    }
    expect(cal.factorAt(blackFriday(2017))).toBe(cal.maxFactor);
    const r = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const d = cal.acquisitionDay(r, 0.9, 1);
      expect(d).toBeGreaterThanOrEqual(asOf - 73 * DAY - DAY);
      expect(d).toBeLessThan(asOf);
    }
  });

  it('COPY text: escapes, NULL, cents, and blocks that keep every byte', () => {
    expect(copyText('a\tb\\c\nd\re')).toBe('a\\tb\\\\c\\nd\\re');
    expect(copyText(null)).toBe('\\N');
    expect(copyText('Não recebi')).toBe('Não recebi');
    expect([cents(0), cents(5), cents(1234), cents(100)]).toEqual(['0.00', '0.05', '12.34', '1.00']);
    const buf = new TableBuffer();
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i}\tçãé ${'x'.repeat(i % 50)}\n`);
    for (const l of lines) buf.push(l);
    buf.push(`${'y'.repeat(300_000)}\n`);
    expect(buf.rows).toBe(20_001);
    const blocks = buf.take();
    expect(blocks.length).toBeGreaterThan(1);
    expect(Buffer.concat(blocks).toString('utf8')).toBe(lines.join('') + `${'y'.repeat(300_000)}\n`);
    expect(buf.rows).toBe(0);
    expect(buf.take()).toEqual([]);
  });

  it('geography: 27 states, zip ranges inside one state each and never shared', () => {
    expect(STATES).toHaveLength(27);
    const owner = new Map<number, string>();
    for (const s of STATES) {
      for (const c of s.cities) {
        expect(c.zipFrom).toBeLessThanOrEqual(c.zipTo);
        for (let z = c.zipFrom; z <= c.zipTo; z++) {
          expect(owner.get(z)).toBeUndefined();
          owner.set(z, `${s.uf}/${c.name}`);
        }
      }
    }
    expect(new Set(CATEGORIES.map((c) => c.name)).size).toBe(CATEGORIES.length);
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(70);
    expect(CATEGORIES.find((c) => c.name === 'cama_mesa_banho')?.nameEn).toBe('bed_bath_table');
    expect(PROFILES.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 9);
  });

  it('generator output does not depend on how customers are chunked or on anything but the seed', () => {
    const collect = (seed: number, order: number[]) => {
      const out: Record<string, string[]> = {};
      const sink = Object.fromEntries(SEED_TABLES.map((t) => [t, { push: (l: string) => void (out[t] ??= []).push(l) }])) as RowSink;
      const g = new WarehouseGenerator({ customers: 300, seed, asOf: Date.UTC(2018, 8, 1) / 1000, horizonDays: 90 });
      g.writeCatalog(sink);
      for (const i of order) g.writeCustomer(i, sink);
      return out;
    };
    const forward = collect(11, [0, 1, 2, 3, 4, 5]);
    const again = collect(11, [0, 1, 2, 3, 4, 5]);
    expect(again).toEqual(forward);
    // Customer 3 alone produces exactly the rows it produced among the others.
    const alone = collect(11, [3]);
    expect(forward.orders).toEqual(expect.arrayContaining(alone.orders));
    expect(collect(12, [0, 1, 2, 3, 4, 5]).orders).not.toEqual(forward.orders);
  });

  it('each customer mix has shares summing to 1, and the generator draws types in those shares', () => {
    for (const mix of MIX_NAMES) {
      const profiles = profilesOf(mix);
      expect(profiles.map((p) => p.type)).toEqual(PROFILES.map((p) => p.type));
      expect(profiles.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 9);
      const g = new WarehouseGenerator({ customers: 4000, seed: 5, asOf: Date.UTC(2018, 8, 1) / 1000, horizonDays: 90, mix });
      const sink = Object.fromEntries(SEED_TABLES.map((t) => [t, { push: () => undefined }])) as unknown as RowSink;
      const counts = new Map<string, number>();
      for (let i = 0; i < 4000; i++) {
        const o = g.writeCustomer(i, sink);
        counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
      }
      for (const p of profiles) expect(Math.abs((counts.get(p.type) ?? 0) / 4000 - p.share)).toBeLessThan(0.025);
    }
    expect(profilesOf('balanced').find((p) => p.type === 'one_time_buyer')!.share).not.toBe(PROFILES.find((p) => p.type === 'one_time_buyer')!.share);
    expect(() => profilesOf('nope' as never)).toThrow(/unknown customer mix "nope"/);
  });
});
