import { aggregateRfm, type RfmInput } from './rfm-data';
import { SeededRandom } from '../shared/random';
import { Math } from '../shared/math';

/**
 * The purchase rate a customer keeps if retained, E[λ | x, t_x, T], from a joint distribution of purchase rate λ and
 * dropout rate μ learned from the store: a grid of (λ, μ) pairs whose weights are the nonparametric maximum
 * likelihood (EM) under the Pareto/NBD's individual likelihood — Poisson purchases at rate λ while alive, an
 * exponential lifetime at rate μ:
 *
 *   L(λ, μ | x, t_x, T) = λ^x · ( μ/(λ+μ) · e^{−(λ+μ) t_x} + λ/(λ+μ) · e^{−(λ+μ) T} )
 *
 * Why a joint grid: the BG/NBD family and the dropout-free NBD take rate and dropout independent, and a store may
 * not be so. Where most customers buy once and leave within weeks while regulars buy often and stay, a one-time
 * buyer's rate is not identified by their own purchases: the NBD reads the silence since their order as a rate near
 * zero, the BG/NBD gives them the regulars' rate, and both read two orders a week apart, then silence, as a high
 * rate. The grid learns from the store which rates go with short lives (the repeat purchases of customers who left
 * early show them), so a customer is valued by the customers whose history looks like theirs. Unlike P(alive) it
 * does not shrink with survival: it is the rate that leaves if the customer does.
 *
 * Learned on a seeded sample of at most RATE_DROPOUT_SAMPLE customers (RATE_GRID × DROPOUT_GRID weights need far
 * fewer), identical (x, t_x, T) rows folded; every customer is then scored once per distinct row.
 */
export const RATE_GRID = { from: 0.001, to: 3, points: 16 } as const; // purchases per week: one in 19 years … 3 a week
export const DROPOUT_GRID = { from: 0.0005, to: 2, points: 12 } as const; // per week: mean lifetime 38 years … half a week
export const RATE_DROPOUT_SAMPLE = 5_000;
const MAX_ITERATIONS = 500;
const TOLERANCE = 1e-9;

export interface RateDropoutModel {
  method: 'rate-dropout-grid';
  /** Purchase rates per week of the grid (λ), and dropout rates per week (μ). */
  rates: number[];
  dropouts: number[];
  /** Weight of each (λ, μ) pair, rate-major: weights[i · dropouts.length + j] for (rates[i], dropouts[j]). */
  weights: number[];
  sampleSize: number;
  iterations: number;
  converged: boolean;
  /** Mean log-likelihood per customer of the sample at the fitted weights. */
  logLikelihood: number;
}

function logGrid(g: { from: number; to: number; points: number }): number[] {
  const a = Math.log(g.from);
  const step = (Math.log(g.to) - a) / (g.points - 1);
  return Array.from({ length: g.points }, (_, k) => Math.exp(a + k * step));
}

interface Grid {
  G: number;
  lam: Float64Array;
  logLam: Float64Array;
  sum: Float64Array;
  logDeath: Float64Array;
  logStay: Float64Array;
}

function gridOf(rates: number[], dropouts: number[]): Grid {
  const G = rates.length * dropouts.length;
  const g: Grid = { G, lam: new Float64Array(G), logLam: new Float64Array(G), sum: new Float64Array(G), logDeath: new Float64Array(G), logStay: new Float64Array(G) };
  for (let i = 0; i < rates.length; i++) {
    for (let j = 0; j < dropouts.length; j++) {
      const k = i * dropouts.length + j;
      const l = rates[i];
      const m = dropouts[j];
      g.lam[k] = l;
      g.logLam[k] = Math.log(l);
      g.sum[k] = l + m;
      g.logDeath[k] = Math.log(m / (l + m));
      g.logStay[k] = Math.log(l / (l + m));
    }
  }
  return g;
}

/** Log-likelihood of one row at every grid point, scaled by the row's largest (out[at..at+G)); returns that log scale. */
function rowLikelihoodLog(g: Grid, x: number, tx: number, T: number, out: Float64Array, at: number): number {
  let mx = -Infinity;
  for (let k = 0; k < g.G; k++) {
    const a1 = g.logDeath[k] - g.sum[k] * tx;
    const a2 = g.logStay[k] - g.sum[k] * T;
    const hi = a1 > a2 ? a1 : a2;
    const v = x * g.logLam[k] + hi + Math.log1p(Math.exp(-Math.abs(a1 - a2)));
    out[at + k] = v;
    if (v > mx) mx = v;
  }
  for (let k = 0; k < g.G; k++) out[at + k] = Math.exp(out[at + k] - mx);
  return mx;
}

/** Per-point factors of the likelihood over the distinct x, t_x and T of a set of rows. */
interface Tables {
  g: Grid;
  agg: ReturnType<typeof aggregateRfm>;
  byX: Float64Array;
  xScale: Float64Array;
  death: Float64Array;
  stay: Float64Array;
}

function tablesOf(g: Grid, agg: ReturnType<typeof aggregateRfm>): Tables {
  const G = g.G;
  const byX = new Float64Array(agg.xs.length * G);
  const xScale = new Float64Array(agg.xs.length);
  for (let a = 0; a < agg.xs.length; a++) {
    let mx = -Infinity;
    for (let k = 0; k < G; k++) mx = Math.max(mx, agg.xs[a] * g.logLam[k]);
    xScale[a] = mx;
    for (let k = 0; k < G; k++) byX[a * G + k] = Math.exp(agg.xs[a] * g.logLam[k] - mx);
  }
  const death = new Float64Array(agg.txs.length * G);
  for (let a = 0; a < agg.txs.length; a++) for (let k = 0; k < G; k++) death[a * G + k] = Math.exp(g.logDeath[k] - g.sum[k] * agg.txs[a]);
  const stay = new Float64Array(agg.Ts.length * G);
  for (let a = 0; a < agg.Ts.length; a++) for (let k = 0; k < G; k++) stay[a * G + k] = Math.exp(g.logStay[k] - g.sum[k] * agg.Ts[a]);
  return { g, agg, byX, xScale, death, stay };
}

/**
 * Likelihood of distinct row r at every grid point into out[at..at+G), scaled so the largest is 1: a multiply-add
 * per point from the tables, in logs when every product underflows. Returns the row's log scale.
 */
function rowLikelihood(t: Tables, r: number, out: Float64Array, at: number): number {
  const { g, agg } = t;
  const G = g.G;
  const ox = agg.xi[r] * G;
  const od = agg.txi[r] * G;
  const os = agg.Ti[r] * G;
  let mx = 0;
  for (let k = 0; k < G; k++) {
    const v = t.byX[ox + k] * (t.death[od + k] + t.stay[os + k]);
    out[at + k] = v;
    if (v > mx) mx = v;
  }
  if (!(mx > 1e-250)) return rowLikelihoodLog(g, agg.xs[agg.xi[r]], agg.txs[agg.txi[r]], agg.Ts[agg.Ti[r]], out, at);
  const inv = 1 / mx;
  for (let k = 0; k < G; k++) out[at + k] *= inv;
  return t.xScale[agg.xi[r]] + Math.log(mx);
}

export function fitRateDropout(data: RfmInput, o: { seed?: number; sample?: number } = {}): RateDropoutModel {
  const n = data.x.length;
  const limit = o.sample ?? RATE_DROPOUT_SAMPLE;
  const idx = n > limit ? new SeededRandom(o.seed ?? 1).sampleIndices(n, limit) : null;
  const pick = (v: ArrayLike<number>) => (idx ? Float64Array.from(idx, (i) => v[i]) : Float64Array.from(v));
  const agg = aggregateRfm({ x: pick(data.x), tx: pick(data.tx), T: pick(data.T) });
  const rates = logGrid(RATE_GRID);
  const dropouts = logGrid(DROPOUT_GRID);
  const g = gridOf(rates, dropouts);
  const G = g.G;
  const R = agg.rows;
  const L = new Float64Array(R * G);
  const t = tablesOf(g, agg);
  let scaleSum = 0;
  for (let r = 0; r < R; r++) scaleSum += agg.w[r] * rowLikelihood(t, r, L, r * G);
  const W = agg.totalWeight;
  let pi = new Float64Array(G).fill(1 / G);
  const acc = new Float64Array(G);
  let prev = -Infinity;
  let ll = -Infinity;
  let iterations = 0;
  let converged = false;
  for (; iterations < MAX_ITERATIONS; ) {
    iterations++;
    acc.fill(0);
    let s = 0;
    for (let r = 0, o2 = 0; r < R; r++, o2 += G) {
      let z = 0;
      for (let k = 0; k < G; k++) z += pi[k] * L[o2 + k];
      s += agg.w[r] * Math.log(z);
      const c = agg.w[r] / z;
      for (let k = 0; k < G; k++) acc[k] += c * pi[k] * L[o2 + k];
    }
    ll = (s + scaleSum) / W;
    const next = new Float64Array(G);
    for (let k = 0; k < G; k++) next[k] = acc[k] / W;
    pi = next;
    if (ll - prev < TOLERANCE * Math.max(1, Math.abs(ll))) {
      converged = true;
      break;
    }
    prev = ll;
  }
  return { method: 'rate-dropout-grid', rates, dropouts, weights: Array.from(pi), sampleSize: idx ? idx.length : n, iterations, converged, logLikelihood: ll };
}

/** E[λ | x, t_x, T] per customer (purchases per week), computed once per distinct (x, t_x, T). */
export function retainedRates(model: RateDropoutModel, data: RfmInput): Float64Array {
  const g = gridOf(model.rates, model.dropouts);
  const agg = aggregateRfm(data);
  const perRow = new Float64Array(agg.rows);
  const t = tablesOf(g, agg);
  const buf = new Float64Array(g.G);
  const w = model.weights;
  for (let r = 0; r < agg.rows; r++) {
    rowLikelihood(t, r, buf, 0);
    let z = 0;
    let s = 0;
    for (let k = 0; k < g.G; k++) {
      const p = w[k] * buf[k];
      z += p;
      s += p * g.lam[k];
    }
    perRow[r] = s / z;
  }
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) out[i] = perRow[agg.rowOfInput[i]];
  return out;
}
