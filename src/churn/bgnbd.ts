import { badInput } from '../shared/errors';
import { lbfgs, multiStart, nelderMead, type OptimizeResult } from './optimizer';
import { aggregateRfm, checkCustomer, TIME_UNITS, validateRfm, type AggregatedRfm, type RfmInput, type TimeUnit } from './rfm-data';
import { digamma, gammaSign, hyp2f1, log1pExp, logBeta, logGamma, sigmoid } from './special-functions';
import { Math, abs, exp, log, log1p, max, min, round, sqrt } from '../shared/math';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and its MBG/NBD variant (Batislam,
 * Denizel & Filiztekin 2007; Wagner & Hoppe 2008), the same as lifetimes' BetaGeoFitter / ModifiedBetaGeoFitter.
 *
 * While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat purchase
 * (BG/NBD) — and also right after the first purchase (MBG/NBD) — the customer drops out with probability
 * p ~ Beta(a, b). Times (tx, T, t) and α share the caller's time unit.
 *
 * Churn probability is 1 − P(alive). Under BG/NBD a customer with no repeat purchase cannot have dropped out, so
 * P(alive | x = 0) = 1 whatever T (a known property of the model); such customers can still be ranked by
 * conditionalExpectedPurchases(), which falls as T grows. MBG/NBD lets one-time buyers drop out, so its
 * P(alive | x = 0) < 1 and decreases with T: prefer it for churn probability on data dominated by one-time buyers.
 */

export type TransactionModelKind = 'bg-nbd' | 'mbg-nbd';
export const TRANSACTION_MODEL_KINDS: readonly TransactionModelKind[] = ['bg-nbd', 'mbg-nbd'];

export interface BgNbdParams {
  kind: TransactionModelKind;
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export function checkBgNbdParams(p: BgNbdParams): void {
  if (p == null || !TRANSACTION_MODEL_KINDS.includes(p.kind)) throw badInput(`params.kind must be one of ${TRANSACTION_MODEL_KINDS.join(', ')}`, { field: 'kind' });
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw badInput(`params.${k} (${String(v)}) must be a finite number > 0`, { field: k });
  }
}

function checkTime(t: number, name = 't'): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw badInput(`${name} (${String(t)}) must be a finite number ≥ 0`, { field: name });
}

// ---------------------------------------------------------------------------------------------------------------
// Per-customer quantities
// ---------------------------------------------------------------------------------------------------------------

/** Log of the odds term in P(alive): P(alive) = 1 / (1 + e^L); −Infinity when the customer cannot be dead. */
function deadLogOdds(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (p.kind === 'bg-nbd') {
    if (x === 0) return -Infinity;
    return log(a) - log(b + x - 1) + (r + x) * (log(alpha + T) - log(alpha + tx));
  }
  return log(a) - log(b + x) + (r + x) * (log(alpha + T) - log(alpha + tx));
}

/** P(alive at T | x, tx, T). Exactly 1 for x = 0 under BG/NBD. */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  checkBgNbdParams(p);
  checkCustomer(x, tx, T);
  return sigmoid(-deadLogOdds(p, x, tx, T));
}

/**
 * P(no purchase in (T, T + t] | x, tx, T): dead, or alive and silent for t. In both models a customer can only
 * drop out right after a purchase, so one alive at T stays alive until the next purchase; given alive, λ's
 * posterior is Gamma(r + x, α + T), and E[e^{−λt}] = ((α + T) / (α + T + t))^{r + x}.
 */
export function probNoPurchaseWithin(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  checkBgNbdParams(p);
  checkCustomer(x, tx, T);
  if (!(t >= 0) || !Number.isFinite(t)) throw badInput(`t (${String(t)}) must be a finite number ≥ 0`, { field: 't' });
  const alive = sigmoid(-deadLogOdds(p, x, tx, T));
  return 1 - alive + alive * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + T + t)));
}

/** 1 − P(alive): the churn probability the product reports. */
export function churnProbability(p: BgNbdParams, x: number, tx: number, T: number): number {
  checkBgNbdParams(p);
  checkCustomer(x, tx, T);
  return sigmoid(deadLogOdds(p, x, tx, T));
}

/** Log-likelihood of one customer's (x, tx, T). */
export function customerLogLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  checkBgNbdParams(p);
  checkCustomer(x, tx, T);
  const { r, alpha, a, b } = p;
  const a1 = logGamma(r + x) - logGamma(r) + r * log(alpha);
  const a3 = -(r + x) * log(alpha + T);
  if (p.kind === 'bg-nbd') {
    const a2 = logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x);
    if (x === 0) return a1 + a2 + a3;
    const a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx);
    const m = max(a3, a4);
    return a1 + a2 + m + log1p(exp(-abs(a3 - a4)));
  }
  const a2 = logGamma(a + b) + logGamma(b + x + 1) - logGamma(b) - logGamma(a + b + x + 1);
  return a1 + a2 + a3 + log1pExp(deadLogOdds(p, x, tx, T));
}

/** Σ log-likelihood over the rows of `data` (weighted when data.weights is given). */
export function totalLogLikelihood(p: BgNbdParams, data: RfmInput): number {
  checkBgNbdParams(p);
  validateRfm(data);
  const agg = aggregateRfm(data);
  const { r, alpha, a, b } = p;
  const th = [log(r), log(alpha), log(a), log(b)];
  const obj = makeObjective(p.kind, agg, 1, 0);
  return -obj(th, new Float64Array(4)) * agg.totalWeight;
}

const TERM_BUDGET = 20_000;

/**
 * E_p[(1 − (1 + p·s)^(−A)) / p] for p ~ Beta(a, B): the expected number of purchases in the next t of a
 * customer known to be alive, with A = r + x (shape of the posterior λ), B the posterior b, and s = t / (α + T).
 *
 * Summed as (1 − z)^A Σ_{n≥1} (A)_n zⁿ/n! Σ_{k<n} (B)_k/(a+B)_k with z = s/(1 + s): every term is positive, so
 * there is no cancellation for any a, b > 0 (including a ≤ 1, where the usual closed form divides by a − 1).
 * When that series would need more than ~20k terms (t ≫ α + T, or a huge A as in a degenerate fit with r ~ 1e107),
 * the 1 − z connection formula is used instead if it is well conditioned, and otherwise the expectation is
 * integrated over p by quadrature (betaQuadrature): every call costs a bounded number of terms.
 */
export function expectedPurchasesIfAlive(A: number, a: number, B: number, s: number): number {
  if (s === 0) return 0;
  const z = s / (1 + s);
  const peak = max(0, (A - 1) * s);
  const estimate = peak + 6 * sqrt(A * s * (1 + s) + 1) + 40 * (1 + s);
  if (estimate > TERM_BUDGET) {
    const v = connectionForm(A, a, B, s);
    if (v !== null) return v;
  }
  if (estimate > TERM_BUDGET) return betaQuadrature(A, a, B, s);
  return positiveSeries(A, a, B, z, -log1p(s), peak, 4 * TERM_BUDGET);
}

// Tanh-sinh nodes: step and half-width in t. At |t| = 6.5 the nodes are within 1e-300 of the ends.
const QUAD_STEP = 1 / 32;
const QUAD_HALF_WIDTH = 6.5;

/**
 * E_p[g(p)] for p ~ Beta(a, B), g(p) = (1 − (1 + p·s)^(−A)) / p, by tanh-sinh quadrature (a fixed 417 nodes).
 * Written as g(1) + E[g(p) − g(1)] so the integrand vanishes where (1 − p)^(B−1) is singular, and in v = p^a so
 * that p^(a−1) dp = dv / a stays integrable for any a > 0 (a → 0 puts all the mass at p = 0, where g = A·s).
 * Relative accuracy ~1e-9 (test/churn/bgnbd.test.ts compares it with the exact series).
 */
export function betaQuadrature(A: number, a: number, B: number, s: number): number {
  const g = (p: number) => (p === 0 ? A * s : -Math.expm1(-A * log1p(p * s)) / p);
  const g1 = g(1);
  const logNorm = logGamma(a + B) - logGamma(a + 1) - logGamma(B);
  let sum = 0;
  const n = Math.round(QUAD_HALF_WIDTH / QUAD_STEP);
  for (let k = -n; k <= n; k++) {
    const t = k * QUAD_STEP;
    const u = PI_ * Math.sinh(t);
    const logV = -log1pExp(-u);
    const log1mV = -log1pExp(u);
    const logP = logV / a;
    const p = exp(logP);
    const log1mP = log(-Math.expm1(logP));
    const f = g(p) - g1;
    if (f === 0) continue;
    const w = PI_ * Math.cosh(t) * exp(logV + log1mV + (B - 1) * log1mP + logNorm);
    if (Number.isFinite(w)) sum += f * w;
  }
  return g1 + sum * QUAD_STEP;
}

const PI_ = Math.PI;

const SCALE_UP = 1e200;
const LOG_SCALE_UP = log(SCALE_UP);

function positiveSeries(A: number, a: number, B: number, z: number, log1mz: number, peak: number, maxTerms: number): number {
  // term_n = (1−z)^A (A)_n zⁿ / n!, carried with a separate log scale so (1 − z)^A may underflow safely.
  let logScale = A * log1mz;
  let term = 1;
  if (logScale > -700) {
    term = exp(logScale);
    logScale = 0;
  }
  let inner = 0; // S_n = Σ_{k<n} (B)_k/(a+B)_k
  let ratioBk = 1; // (B)_k/(a+B)_k
  let sum = 0;
  for (let n = 0; n < maxTerms; n++) {
    inner += ratioBk;
    ratioBk *= (B + n) / (a + B + n);
    term *= ((A + n) / (n + 1)) * z;
    const u = term * inner;
    sum += u;
    if (term > SCALE_UP) {
      term /= SCALE_UP;
      sum /= SCALE_UP;
      logScale += LOG_SCALE_UP;
    }
    if (n > peak) {
      // Past the peak the terms shrink; a subnormal term cannot matter and may stop shrinking by rounding.
      if (term < 1e-300) break;
      const q = max(((A + n + 1) / (n + 2)) * z * (1 + ratioBk / inner), z);
      if (q < 1 && u * (q / (1 - q)) <= 1e-16 * sum) break;
    }
  }
  return logScale === 0 ? sum : sum * exp(logScale);
}

/**
 * The same quantity through ₂F₁'s 1 − z connection formula: (a+B−1)/(a−1) · [1 − (1−z)^A ₂F₁(A, B; a+B−1; z)]
 * with (1−z)^A ₂F₁ split into its two ε = 1 − z series. Returns null where it is ill conditioned (a near 1,
 * c − a − b near an integer, large A), so the caller keeps the positive series.
 */
function connectionForm(A: number, a: number, B: number, s: number): number | null {
  const C = a + B - 1;
  const m = a - 1 - A; // c − a − b of ₂F₁(A, B; C; z)
  if (abs(a - 1) < 1e-3 || abs(m - round(m)) < 1e-3 || A > 100 || C <= 0) return null;
  const eps = 1 / (1 + s);
  const logEps = -log1p(s);
  const sgn1 = gammaSign(m) * gammaSign(C - A) * gammaSign(a - 1);
  const sgn2 = gammaSign(-m);
  const logK1 = logGamma(C) + logGamma(m) - logGamma(C - A) - logGamma(a - 1);
  const logK2 = logGamma(C) + logGamma(-m) - logGamma(A) - logGamma(B);
  try {
    const t1 = Number.isInteger(C - A) && C - A <= 0 ? 0 : sgn1 * exp(logK1 + A * logEps) * hyp2f1(A, B, 1 - m, eps);
    const t2 = sgn2 * exp(logK2 + (a - 1) * logEps) * hyp2f1(C - A, a - 1, 1 + m, eps);
    const v = (C / (a - 1)) * (1 - t1 - t2);
    return Number.isFinite(v) && v >= 0 ? v : null;
  } catch {
    return null;
  }
}

/**
 * E[Y(t) | x, tx, T]: expected repeat purchases in (T, T + t] of a customer with history (x, tx, T)
 * (FHL 2005 eq. 10; lifetimes' conditional_expected_number_of_purchases_up_to_time). For x = 0 it decreases as
 * T grows, which ranks one-time buyers even where BG/NBD's P(alive) is 1.
 */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  checkBgNbdParams(p);
  checkTime(t);
  checkCustomer(x, tx, T);
  return conditionalExpectedUnchecked(p, t, x, tx, T);
}

/** conditionalExpectedPurchases() for inputs the caller has already validated (bulk paths). */
export function conditionalExpectedUnchecked(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  const alive = sigmoid(-deadLogOdds(p, x, tx, T));
  const B = p.kind === 'bg-nbd' ? p.b + x : p.b + x + 1;
  return alive * expectedPurchasesIfAlive(p.r + x, p.a, B, t / (p.alpha + T));
}

/** E[X(t)]: expected repeat purchases of a randomly chosen new customer in the first t after the first purchase. */
export function expectedPurchases(p: BgNbdParams, t: number): number {
  checkBgNbdParams(p);
  checkTime(t);
  if (t === 0) return 0;
  const { r, alpha, a, b } = p;
  if (p.kind === 'bg-nbd') return expectedPurchasesIfAlive(r, a, b, t / alpha);
  // MBG/NBD: alive right after the first purchase with probability b / (a + b).
  return (b / (a + b)) * expectedPurchasesIfAlive(r, a, b + 1, t / alpha);
}

/** P(N ≥ n) for the negative binomial with P(N = j) = Γ(r+j)/(Γ(r) j!) q^r (1−q)^j, computed without cancellation. */
function nbdTail(r: number, q: number, n: number): number {
  if (n <= 0) return 1;
  const mean = (r * (1 - q)) / q;
  if (n <= mean + 1) {
    let pmf = exp(r * log(q));
    let head = 0;
    for (let j = 0; j < n; j++) {
      head += pmf;
      pmf *= ((r + j) / (j + 1)) * (1 - q);
    }
    return max(0, 1 - head);
  }
  let pmf = exp(logGamma(r + n) - logGamma(r) - logGamma(n + 1) + r * log(q) + n * log1p(-q));
  let sum = 0;
  for (let j = n; j < n + 10_000_000; j++) {
    sum += pmf;
    const ratio = ((r + j) / (j + 1)) * (1 - q);
    pmf *= ratio;
    const qq = max(ratio, 1 - q);
    // The tiny-pmf guard matters: a subnormal pmf times a ratio < 1 can round back to itself forever.
    if (pmf < 1e-300 || pmf * (qq / (1 - qq)) <= 1e-17 * sum) break;
  }
  return min(1, sum);
}

/** P(X(t) = n): probability that a new customer makes exactly n repeat purchases in the first t (FHL eq. 8). */
export function probPurchases(p: BgNbdParams, n: number, t: number): number {
  checkBgNbdParams(p);
  checkTime(t);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw badInput(`n (${String(n)}) must be a non-negative integer`, { field: 'n' });
  const { r, alpha, a, b } = p;
  const logQ = log(alpha) - log(alpha + t);
  const logNb =
    t === 0 ? (n === 0 ? 0 : -Infinity) : logGamma(r + n) - logGamma(r) - logGamma(n + 1) + r * logQ + n * (log(t) - log(alpha + t));
  const lbAB = logBeta(a, b);
  const q = alpha / (alpha + t);
  if (p.kind === 'bg-nbd') {
    const first = exp(logBeta(a, b + n) - lbAB + logNb);
    if (n === 0) return first;
    return first + exp(logBeta(a + 1, b + n - 1) - lbAB) * nbdTail(r, q, n);
  }
  const first = exp(logBeta(a, b + n + 1) - lbAB + logNb);
  return first + exp(logBeta(a + 1, b + n) - lbAB) * nbdTail(r, q, n);
}

/** P(X(t) = 0). */
export function probNoPurchases(p: BgNbdParams, t: number): number {
  return probPurchases(p, 0, t);
}

// ---------------------------------------------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------------------------------------------

/**
 * Mean negative log-likelihood per customer (+ penalizer · Σ θ²) and its gradient with respect to log θ, on the
 * aggregated rows. Times are multiplied by `scale` (so α here is α_user · scale).
 */
function makeObjective(kind: TransactionModelKind, agg: AggregatedRfm, scale: number, penalizer: number) {
  const { xs, wx, xi, txi, Ti, w, totalWeight } = agg;
  const Ts = agg.Ts.map((v) => v * scale);
  const txs = agg.txs.map((v) => v * scale);
  const nx = xs.length;
  const c1 = new Float64Array(nx);
  const la4 = new Float64Array(nx);
  const ib4 = new Float64Array(nx);
  const LT = new Float64Array(Ts.length);
  const iT = new Float64Array(Ts.length);
  const Ltx = new Float64Array(txs.length);
  const itx = new Float64Array(txs.length);
  const bg = kind === 'bg-nbd';
  const rows = w.length;

  return (theta: number[], grad: Float64Array): number => {
    const r = exp(theta[0]);
    const al = exp(theta[1]);
    const a = exp(theta[2]);
    const b = exp(theta[3]);
    const logAl = log(al);
    const lgR = logGamma(r);
    const lgAB = logGamma(a + b);
    const lgB = logGamma(b);
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    const logA = log(a);
    let ll = 0;
    let gr = 0;
    let gal = 0;
    let ga = 0;
    let gb = 0;
    for (let j = 0; j < nx; j++) {
      const x = xs[j];
      const bx = bg ? b + x : b + x + 1;
      const abx = a + bx;
      c1[j] = logGamma(r + x) - lgR + r * logAl + lgAB + logGamma(bx) - lgB - logGamma(abx);
      const W = wx[j];
      if (W !== 0) {
        ll += W * c1[j];
        const psiABX = digamma(abx);
        gr += W * (digamma(r + x) - psiR + logAl);
        gal += (W * r) / al;
        ga += W * (psiAB - psiABX);
        gb += W * (psiAB + digamma(bx) - psiB - psiABX);
      }
      const d4 = bg ? b + x - 1 : b + x;
      la4[j] = logA - log(d4);
      ib4[j] = 1 / d4;
    }
    for (let k = 0; k < Ts.length; k++) {
      LT[k] = log(al + Ts[k]);
      iT[k] = 1 / (al + Ts[k]);
    }
    for (let k = 0; k < txs.length; k++) {
      Ltx[k] = log(al + txs[k]);
      itx[k] = 1 / (al + txs[k]);
    }
    let g4a = 0; // Σ w · P(dead-branch) — the derivative of the log a term
    for (let i = 0; i < rows; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      const j = xi[i];
      const x = xs[j];
      const rx = r + x;
      const lt = LT[Ti[i]];
      const it = iT[Ti[i]];
      if (bg) {
        const a3 = -rx * lt;
        if (x === 0) {
          ll += wi * a3;
          gr -= wi * lt;
          gal -= wi * rx * it;
          continue;
        }
        const ltx = Ltx[txi[i]];
        const a4 = la4[j] - rx * ltx;
        const d = a3 - a4;
        let lse: number;
        let w4: number;
        if (d >= 0) {
          const e = exp(-d);
          lse = a3 + log1p(e);
          w4 = e / (1 + e);
        } else {
          const e = exp(d);
          lse = a4 + log1p(e);
          w4 = 1 / (1 + e);
        }
        const w3 = 1 - w4;
        ll += wi * lse;
        gr -= wi * (w3 * lt + w4 * ltx);
        gal -= wi * rx * (w3 * it + w4 * itx[txi[i]]);
        g4a += wi * w4;
        gb -= wi * w4 * ib4[j];
      } else {
        const ltx = Ltx[txi[i]];
        const a4 = la4[j] + rx * (lt - ltx);
        let sp: number;
        let sg: number;
        if (a4 > 0) {
          const e = exp(-a4);
          sp = a4 + log1p(e);
          sg = 1 / (1 + e);
        } else {
          const e = exp(a4);
          sp = log1p(e);
          sg = e / (1 + e);
        }
        ll += wi * (sp - rx * lt);
        gr += wi * (sg * (lt - ltx) - lt);
        gal += wi * rx * (sg * (it - itx[txi[i]]) - it);
        g4a += wi * sg;
        gb -= wi * sg * ib4[j];
      }
    }
    ga += g4a / a;
    const W = totalWeight;
    const pen = penalizer * (r * r + al * al + a * a + b * b);
    grad[0] = r * (-gr / W + 2 * penalizer * r);
    grad[1] = al * (-gal / W + 2 * penalizer * al);
    grad[2] = a * (-ga / W + 2 * penalizer * a);
    grad[3] = b * (-gb / W + 2 * penalizer * b);
    return -ll / W + pen;
  };
}

export interface BgNbdFitOptions {
  /** L2 penalty on the parameters (lifetimes' penalizer_coef), applied on the internal time scale where max T = 10. Default 0. */
  penalizer?: number;
  /** 'lbfgs' (default; analytic gradient) or 'nelder-mead' (gradient-free, slower). */
  method?: 'lbfgs' | 'nelder-mead';
  /** Convergence tolerance on the mean log-likelihood per customer (default 1e-12 for L-BFGS, 1e-10 for Nelder–Mead). */
  tolerance?: number;
  /** Iteration cap per start (defaults: 500 L-BFGS, 8000 Nelder–Mead). */
  maxIterations?: number;
  /** Starting points as [r, α, a, b] with α on the internal scale (max T = 10). Default: three fixed starts. */
  starts?: number[][];
  /** Time unit of tx and T, recorded in the model (default 'week'). */
  timeUnit?: TimeUnit;
}

export interface BgNbdFitInfo {
  /** Σ log-likelihood at the fitted parameters, without the penalty. */
  logLikelihood: number;
  /** Customers (sum of weights). */
  customers: number;
  /** Distinct (x, tx, T) rows actually evaluated. */
  distinctRows: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  method: 'lbfgs' | 'nelder-mead';
  penalizer: number;
}

const DEFAULT_STARTS = [
  [1, 1, 1, 1],
  [0.25, 1, 0.8, 2.5],
  [2, 5, 0.3, 0.5],
];

function fitParams(kind: TransactionModelKind, data: RfmInput, opts: BgNbdFitOptions): { params: BgNbdParams; info: BgNbdFitInfo } {
  validateRfm(data);
  const penalizer = opts.penalizer ?? 0;
  if (typeof penalizer !== 'number' || !Number.isFinite(penalizer) || penalizer < 0) throw badInput(`penalizer (${String(penalizer)}) must be a finite number ≥ 0`, { field: 'penalizer' });
  const method = opts.method ?? 'lbfgs';
  if (method !== 'lbfgs' && method !== 'nelder-mead') throw badInput(`method must be 'lbfgs' or 'nelder-mead', got ${String(method)}`, { field: 'method' });
  const starts = opts.starts ?? DEFAULT_STARTS;
  for (const [i, s] of starts.entries()) {
    if (!Array.isArray(s) || s.length !== 4 || !s.every((v) => Number.isFinite(v) && v > 0)) throw badInput(`starts[${i}] must be four positive numbers [r, alpha, a, b]`, { field: 'starts' });
  }
  if (opts.maxIterations !== undefined && !(Number.isInteger(opts.maxIterations) && opts.maxIterations > 0)) throw badInput('maxIterations must be a positive integer', { field: 'maxIterations' });
  if (opts.tolerance !== undefined && !(opts.tolerance > 0)) throw badInput('tolerance must be > 0', { field: 'tolerance' });
  const agg = aggregateRfm(data);
  let maxT = 0;
  for (const v of agg.Ts) maxT = max(maxT, v);
  // Fit on a time axis where max T = 10 (as lifetimes does) so default starts suit weeks and days alike.
  const scale = 10 / maxT;
  const obj = makeObjective(kind, agg, scale, penalizer);
  const logStarts = starts.map((s) => s.map(log));
  let best: OptimizeResult;
  let evaluations = 0;
  let iterations = 0;
  if (method === 'lbfgs') {
    const res = multiStart((x0) => lbfgs(obj, x0, { tolerance: opts.tolerance ?? 1e-12, maxIterations: opts.maxIterations ?? 500 }), logStarts);
    best = res;
    for (const r of res.runs) {
      evaluations += r.evaluations;
      iterations += r.iterations;
    }
  } else {
    const scratch = new Float64Array(4);
    const f = (x: number[]) => obj(x, scratch);
    const res = multiStart((x0) => nelderMead(f, x0, { tolerance: opts.tolerance ?? 1e-10, maxIterations: opts.maxIterations ?? 8000 }), logStarts);
    best = res;
    for (const r of res.runs) {
      evaluations += r.evaluations;
      iterations += r.iterations;
    }
  }
  const [r, alphaScaled, a, b] = best.x.map(exp);
  const params: BgNbdParams = { kind, r, alpha: alphaScaled / scale, a, b };
  if (![r, alphaScaled, a, b].every((v) => Number.isFinite(v) && v > 0)) {
    throw badInput(`${kind} fit diverged (parameters ${[r, alphaScaled / scale, a, b].join(', ')}); try a penalizer > 0`);
  }
  const unscaled = makeObjective(kind, agg, 1, 0);
  const th = [r, params.alpha, a, b].map(log);
  const logLikelihood = -unscaled(th, new Float64Array(4)) * agg.totalWeight;
  return {
    params,
    info: {
      logLikelihood,
      customers: agg.totalWeight,
      distinctRows: agg.rows,
      iterations,
      evaluations,
      converged: best.converged,
      method,
      penalizer,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Model object
// ---------------------------------------------------------------------------------------------------------------

export const BGNBD_MODEL_VERSION = 1;

export interface BgNbdModelJson {
  version: number;
  kind: TransactionModelKind;
  timeUnit: TimeUnit;
  params: { r: number; alpha: number; a: number; b: number };
  fit: BgNbdFitInfo | null;
}

/**
 * A BG/NBD or MBG/NBD transaction model. `fit()` returns the model; predictions refuse an unfitted one.
 * Serialises with toJSON()/fromJSON() (versioned).
 */
export class BgNbdModel {
  private state: { params: BgNbdParams; fit: BgNbdFitInfo | null; timeUnit: TimeUnit } | null = null;

  constructor(readonly kind: TransactionModelKind = 'bg-nbd') {
    if (!TRANSACTION_MODEL_KINDS.includes(kind)) throw badInput(`kind must be one of ${TRANSACTION_MODEL_KINDS.join(', ')}`, { field: 'kind' });
  }

  /** A fitted model from known parameters (e.g. published ones). */
  static fromParams(params: Omit<BgNbdParams, 'kind'> & { kind?: TransactionModelKind }, timeUnit: TimeUnit = 'week'): BgNbdModel {
    const p: BgNbdParams = { kind: params.kind ?? 'bg-nbd', r: params.r, alpha: params.alpha, a: params.a, b: params.b };
    checkBgNbdParams(p);
    if (!TIME_UNITS.includes(timeUnit)) throw badInput(`timeUnit must be one of ${TIME_UNITS.join(', ')}`, { field: 'timeUnit' });
    const m = new BgNbdModel(p.kind);
    m.state = { params: p, fit: null, timeUnit };
    return m;
  }

  fit(data: RfmInput, opts: BgNbdFitOptions = {}): this {
    const timeUnit = opts.timeUnit ?? 'week';
    if (!TIME_UNITS.includes(timeUnit)) throw badInput(`timeUnit must be one of ${TIME_UNITS.join(', ')}`, { field: 'timeUnit' });
    const { params, info } = fitParams(this.kind, data, opts);
    this.state = { params, fit: info, timeUnit };
    return this;
  }

  get isFitted(): boolean {
    return this.state !== null;
  }

  private fitted(): { params: BgNbdParams; fit: BgNbdFitInfo | null; timeUnit: TimeUnit } {
    if (!this.state) throw new Error(`${this.kind} model is not fitted: call fit() or fromJSON() first`);
    return this.state;
  }

  get params(): BgNbdParams {
    return { ...this.fitted().params };
  }

  get fitInfo(): BgNbdFitInfo | null {
    const f = this.fitted().fit;
    return f ? { ...f } : null;
  }

  get timeUnit(): TimeUnit {
    return this.fitted().timeUnit;
  }

  pAlive(x: number, tx: number, T: number): number {
    return pAlive(this.fitted().params, x, tx, T);
  }

  churnProbability(x: number, tx: number, T: number): number {
    return churnProbability(this.fitted().params, x, tx, T);
  }

  conditionalExpectedPurchases(t: number, x: number, tx: number, T: number): number {
    return conditionalExpectedPurchases(this.fitted().params, t, x, tx, T);
  }

  expectedPurchases(t: number): number {
    return expectedPurchases(this.fitted().params, t);
  }

  probPurchases(n: number, t: number): number {
    return probPurchases(this.fitted().params, n, t);
  }

  /** P(alive) for every row of `data` (validated up front). */
  pAliveMany(data: RfmInput): Float64Array {
    const p = this.fitted().params;
    const n = validateRfm(data);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = sigmoid(-deadLogOdds(p, data.x[i], data.tx[i], data.T[i]));
    return out;
  }

  /** P(no purchase within t | x, tx, T) for every row of `data` (see probNoPurchaseWithin). */
  probNoPurchaseWithinMany(t: number, data: RfmInput): Float64Array {
    const p = this.fitted().params;
    const n = validateRfm(data);
    const out = new Float64Array(n);
    checkTime(t);
    for (let i = 0; i < n; i++) {
      const x = data.x[i];
      const T = data.T[i];
      const alive = sigmoid(-deadLogOdds(p, x, data.tx[i], T));
      out[i] = 1 - alive + alive * exp((p.r + x) * (log(p.alpha + T) - log(p.alpha + T + t)));
    }
    return out;
  }

  /** E[Y(t) | x, tx, T] for every row of `data`. */
  conditionalExpectedPurchasesMany(t: number, data: RfmInput): Float64Array {
    const p = this.fitted().params;
    checkTime(t);
    const n = validateRfm(data);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = conditionalExpectedUnchecked(p, t, data.x[i], data.tx[i], data.T[i]);
    return out;
  }

  toJSON(): BgNbdModelJson {
    const s = this.fitted();
    const { r, alpha, a, b } = s.params;
    return { version: BGNBD_MODEL_VERSION, kind: this.kind, timeUnit: s.timeUnit, params: { r, alpha, a, b }, fit: s.fit ? { ...s.fit } : null };
  }

  static fromJSON(json: unknown): BgNbdModel {
    const j = json as Partial<BgNbdModelJson> | null;
    if (j == null || typeof j !== 'object') throw badInput('BG/NBD model JSON must be an object');
    if (j.version !== BGNBD_MODEL_VERSION) throw badInput(`unsupported BG/NBD model version ${String(j.version)} (expected ${BGNBD_MODEL_VERSION})`, { field: 'version' });
    if (!j.kind || !TRANSACTION_MODEL_KINDS.includes(j.kind)) throw badInput(`kind must be one of ${TRANSACTION_MODEL_KINDS.join(', ')}`, { field: 'kind' });
    if (!j.params || typeof j.params !== 'object') throw badInput('params missing', { field: 'params' });
    const m = BgNbdModel.fromParams({ ...j.params, kind: j.kind }, j.timeUnit ?? 'week');
    m.state!.fit = j.fit ? { ...j.fit } : null;
    return m;
  }
}

/** Fits BG/NBD by maximum likelihood. */
export function fitBgNbd(data: RfmInput, opts: BgNbdFitOptions = {}): BgNbdModel {
  return new BgNbdModel('bg-nbd').fit(data, opts);
}

/** Fits MBG/NBD by maximum likelihood. */
export function fitMbgNbd(data: RfmInput, opts: BgNbdFitOptions = {}): BgNbdModel {
  return new BgNbdModel('mbg-nbd').fit(data, opts);
}
