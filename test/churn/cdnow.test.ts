import fs from 'node:fs';
import {
  BgNbdModel,
  conditionalExpectedPurchases,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  probNoPurchases,
  rfmSummary,
  totalLogLikelihood,
  type BgNbdParams,
} from '../../src/churn';
import { sharedData } from '../helpers/db';
import { cdnowRfm, cdnowSpend, loadCdnowFixture, parseCdnowSample } from './cdnow-fixture';

/**
 * Reference values: Fader, Hardie & Lee (2005) and their spreadsheets, as reproduced by lifetimes' tests
 * (BG/NBD, Gamma-Gamma) and BTYDplus (MBG/NBD).
 */
const PUBLISHED_BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PUBLISHED_MBG = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
const PUBLISHED_GG = { p: 6.25, q: 3.74, v: 15.44 };

const within = (actual: number, expected: number, rel: number) => Math.abs(actual / expected - 1) <= rel;

const samplePath = sharedData('cdnow/CDNOW_sample.txt');
const summaryPath = sharedData('cdnow/cdnow_customers_summary.csv');
if (!samplePath || !summaryPath) {
  console.warn('cdnow.test: ../shared/data/cdnow is absent; the raw-data summary checks are skipped (fits still run on the committed fixture)');
}

describe('CDNOW summary from raw transactions', () => {
  (samplePath && summaryPath ? it : it.skip)('rebuilds the published 2,357-row summary exactly', () => {
    const rows = rfmSummary(parseCdnowSample(fs.readFileSync(samplePath!, 'utf8')), '1997-09-30');
    const lines = fs.readFileSync(summaryPath!, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('ID,frequency,recency,T');
    const ours = new Map(rows.map((r) => [r.customer, r]));
    expect(rows).toHaveLength(lines.length - 1);
    const mismatches: string[] = [];
    for (const line of lines.slice(1)) {
      const [id, freq, rec, T] = line.split(',');
      const r = ours.get(String(Number(id)));
      const got = r ? `${r.x},${r.tx.toFixed(2)},${r.T.toFixed(2)}` : 'missing';
      const want = `${Number(freq)},${Number(rec).toFixed(2)},${Number(T).toFixed(2)}`;
      if (got !== want) mismatches.push(`${id}: ${got} ≠ ${want}`);
    }
    expect(mismatches).toEqual([]);
  });

  (samplePath ? it : it.skip)('matches the committed fixture (days and repeat value in cents)', () => {
    const rows = rfmSummary(parseCdnowSample(fs.readFileSync(samplePath!, 'utf8')), '1997-09-30', { timeUnit: 'day' });
    const fixture = new Map(loadCdnowFixture().map((r) => [r.id, r]));
    expect(rows).toHaveLength(fixture.size);
    for (const r of rows) {
      const f = fixture.get(r.customer)!;
      expect([r.x, r.tx, r.T, Math.round(r.monetary! * r.x * 100)]).toEqual([f.x, f.txDays, f.TDays, Math.round(f.repeatValue * 100)]);
    }
  });
});

describe('BG/NBD on the CDNOW sample', () => {
  const data = cdnowRfm(loadCdnowFixture());
  let model: BgNbdModel;
  beforeAll(() => {
    model = fitBgNbd(data);
  });

  it('reproduces the published parameters within 1% and log-likelihood ≈ −9582.4', () => {
    const p = model.params;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect([k, within(p[k], PUBLISHED_BG[k], 0.01)]).toEqual([k, true]);
    const info = model.fitInfo!;
    expect(info.converged).toBe(true);
    expect(info.customers).toBe(2357);
    expect(info.distinctRows).toBeLessThan(2357);
    expect(info.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(totalLogLikelihood(p, data)).toBeCloseTo(info.logLikelihood, 8);
  });

  it('is a maximum: moving any parameter by ±1% lowers the likelihood', () => {
    const p = model.params;
    const ll0 = totalLogLikelihood(p, data);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      for (const f of [0.99, 1.01]) expect(totalLogLikelihood({ ...p, [k]: p[k] * f }, data)).toBeLessThan(ll0);
    }
  });

  it('Nelder–Mead reaches the same optimum as L-BFGS', () => {
    const nm = fitBgNbd(data, { method: 'nelder-mead' });
    expect(nm.fitInfo!.method).toBe('nelder-mead');
    expect(nm.fitInfo!.converged).toBe(true);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(within(nm.params[k], model.params[k], 1e-4)).toBe(true);
  });

  it('E[X(t)] matches the published 0.0532, 0.1506, 1.0437, 1.8576 at t = 1, 3, 32, 78 weeks', () => {
    const published: [number, number][] = [
      [1, 0.0532],
      [3, 0.1506],
      [32, 1.0437],
      [78, 1.8576],
    ];
    for (const [t, e] of published) expect(Math.abs(model.expectedPurchases(t) - e)).toBeLessThan(1e-3);
  });

  it('P(X(39) = 0) at the published parameters is 0.5737864', () => {
    expect(probNoPurchases({ kind: 'bg-nbd', ...PUBLISHED_BG }, 39)).toBeCloseTo(0.5737864, 7);
  });

  it('E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226 ± 0.001', () => {
    expect(Math.abs(model.conditionalExpectedPurchases(39, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.001);
    const published: BgNbdParams = { kind: 'bg-nbd', ...PUBLISHED_BG };
    expect(Math.abs(conditionalExpectedPurchases(published, 39, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.001);
    expect(expectedPurchases(published, 39)).toBeGreaterThan(0);
  });

  it('fits the same model from rows pre-aggregated with weights', () => {
    const key = (i: number) => `${data.x[i]}|${data.tx[i]}|${data.T[i]}`;
    const groups = new Map<string, number[]>();
    data.x.forEach((_, i) => groups.set(key(i), [...(groups.get(key(i)) ?? []), i]));
    const idx = [...groups.values()];
    const weighted = fitBgNbd({
      x: idx.map((g) => data.x[g[0]]),
      tx: idx.map((g) => data.tx[g[0]]),
      T: idx.map((g) => data.T[g[0]]),
      weights: idx.map((g) => g.length),
    });
    expect(weighted.fitInfo!.customers).toBe(2357);
    expect(weighted.fitInfo!.logLikelihood).toBeCloseTo(model.fitInfo!.logLikelihood, 6);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(within(weighted.params[k], model.params[k], 1e-6)).toBe(true);
  });

  it('fits the same parameters in days (α scales by 7, the rest is unchanged)', () => {
    const days = fitBgNbd({ x: data.x, tx: data.tx.map((v) => v * 7), T: data.T.map((v) => v * 7) }, { timeUnit: 'day' });
    expect(days.timeUnit).toBe('day');
    expect(within(days.params.alpha, model.params.alpha * 7, 1e-5)).toBe(true);
    for (const k of ['r', 'a', 'b'] as const) expect(within(days.params[k], model.params[k], 1e-5)).toBe(true);
  });
});

describe('MBG/NBD on the CDNOW sample', () => {
  const data = cdnowRfm(loadCdnowFixture());
  let model: BgNbdModel;
  beforeAll(() => {
    model = fitMbgNbd(data);
  });

  it('reproduces the BTYDplus parameters (r 0.525, α 6.183, a 0.891, b 1.614) within 1%', () => {
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect([k, within(model.params[k], PUBLISHED_MBG[k], 0.01)]).toEqual([k, true]);
    expect(model.fitInfo!.converged).toBe(true);
  });

  it('is a maximum and fits at least as well as BG/NBD here', () => {
    const p = model.params;
    const ll0 = totalLogLikelihood(p, data);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      for (const f of [0.99, 1.01]) expect(totalLogLikelihood({ ...p, [k]: p[k] * f }, data)).toBeLessThan(ll0);
    }
    expect(ll0).toBeGreaterThan(fitBgNbd(data).fitInfo!.logLikelihood - 1);
  });

  it('gives one-time buyers P(alive) in (0, 1), decreasing with T', () => {
    let prev = 1;
    for (const T of [1, 5, 10, 20, 39, 78]) {
      const pa = model.pAlive(0, 0, T);
      expect(pa).toBeGreaterThan(0);
      expect(pa).toBeLessThan(prev);
      prev = pa;
    }
  });

  it('E[X(t)] is close to the BG/NBD figures (lifetimes checks 5%)', () => {
    for (const [t, e] of [
      [1, 0.0532],
      [3, 0.1506],
      [32, 1.0437],
      [78, 1.8576],
    ]) {
      expect(within(model.expectedPurchases(t), e, 0.05)).toBe(true);
    }
  });
});

describe('Gamma-Gamma on the CDNOW repeat customers', () => {
  it('reproduces p 6.25, q 3.74, v 15.44 within 1% on the 946 repeat customers', () => {
    const spend = cdnowSpend(loadCdnowFixture());
    expect(spend.frequency).toHaveLength(946);
    const gg = fitGammaGamma(spend);
    for (const k of ['p', 'q', 'v'] as const) expect([k, within(gg.params[k], PUBLISHED_GG[k], 0.01)]).toEqual([k, true]);
    expect(gg.fitInfo!.converged).toBe(true);
  });
});
