import { abs, max, min, sign, sqrt } from '../shared/math';
/**
 * Unconstrained minimisers for the small (3–4 parameter) likelihoods of the churn and value models, which are
 * fitted on log-parameters so every point of R^n is a valid model. Deterministic: no random restarts; callers pass
 * an explicit list of starting points to multiStart().
 */

export interface OptimizeResult {
  /** Argmin found. */
  x: number[];
  /** Objective at x. */
  fx: number;
  iterations: number;
  evaluations: number;
  /** True when the stopping rule (not the iteration cap or a failed line search) ended the run. */
  converged: boolean;
  method: 'nelder-mead' | 'lbfgs';
  /** Infinity norm of the gradient at x (L-BFGS only). */
  gradientNorm?: number;
}

export interface NelderMeadOptions {
  /** Stop when the simplex's objective values are within this absolute spread (default 1e-10). */
  tolerance?: number;
  /** …and its vertices within this distance of the best one, per coordinate (default 1e-7). */
  xTolerance?: number;
  /** Default 2000 × dimension. */
  maxIterations?: number;
  /** Edge of the initial simplex along each axis (default 0.5; the problems here are on log scale). */
  initialStep?: number;
}

/** Non-finite objective values are treated as +Infinity so the simplex backs away from overflow. */
function safe(f: (x: number[]) => number): (x: number[]) => number {
  return (x) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
}

/**
 * Nelder–Mead with the dimension-adaptive coefficients of Gao & Han (2012), which behave better than the classic
 * ones beyond two dimensions.
 */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): OptimizeResult {
  const n = x0.length;
  const fTol = opts.tolerance ?? 1e-10;
  const xTol = opts.xTolerance ?? 1e-7;
  const maxIter = opts.maxIterations ?? 2000 * n;
  const step = opts.initialStep ?? 0.5;
  const obj = safe(f);
  const alpha = 1;
  const gamma = 1 + 2 / n;
  const rho = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] += step;
    pts.push(p);
  }
  const vals = pts.map(obj);
  let evals = n + 1;
  let iter = 0;
  let converged = false;
  const order = Array.from({ length: n + 1 }, (_, i) => i);

  const blend = (c: number[], p: number[], t: number): number[] => c.map((ci, j) => ci + t * (p[j] - ci));

  while (iter < maxIter) {
    order.sort((i, j) => vals[i] - vals[j]);
    const best = order[0];
    const worst = order[n];
    const second = order[n - 1];
    let fSpread = 0;
    let xSpread = 0;
    for (const i of order.slice(1)) {
      fSpread = max(fSpread, abs(vals[i] - vals[best]));
      for (let j = 0; j < n; j++) xSpread = max(xSpread, abs(pts[i][j] - pts[best][j]));
    }
    if (fSpread <= fTol && xSpread <= xTol) {
      converged = true;
      break;
    }
    iter++;
    const centroid = new Array<number>(n).fill(0);
    for (const i of order.slice(0, n)) for (let j = 0; j < n; j++) centroid[j] += pts[i][j] / n;

    const xr = blend(centroid, pts[worst], -alpha);
    const fr = obj(xr);
    evals++;
    if (fr < vals[best]) {
      const xe = blend(centroid, pts[worst], -alpha * gamma);
      const fe = obj(xe);
      evals++;
      if (fe < fr) {
        pts[worst] = xe;
        vals[worst] = fe;
      } else {
        pts[worst] = xr;
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < vals[second]) {
      pts[worst] = xr;
      vals[worst] = fr;
      continue;
    }
    // Contraction: outside when the reflected point improves on the worst, inside otherwise.
    const outside = fr < vals[worst];
    const xc = outside ? blend(centroid, pts[worst], -alpha * rho) : blend(centroid, pts[worst], rho);
    const fc = obj(xc);
    evals++;
    if (outside ? fc <= fr : fc < vals[worst]) {
      pts[worst] = xc;
      vals[worst] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    for (const i of order.slice(1)) {
      pts[i] = blend(pts[best], pts[i], sigma);
      vals[i] = obj(pts[i]);
      evals++;
    }
  }
  let b = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[b]) b = i;
  return { x: pts[b], fx: vals[b], iterations: iter, evaluations: evals, converged, method: 'nelder-mead' };
}

/** Objective and gradient: writes ∇f(x) into `grad` and returns f(x). */
export type ValueAndGradient = (x: number[], grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Converged when ‖∇f‖∞ ≤ this (default 1e-9). */
  gradientTolerance?: number;
  /** …or when an iteration lowers f by less than tolerance × max(1, |f|) with ‖∇f‖∞ ≤ 1e3 × gradientTolerance (default 1e-14). */
  tolerance?: number;
  /** Default 500. */
  maxIterations?: number;
  /** Number of correction pairs kept (default 8). */
  memory?: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const normInf = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = max(m, abs(a[i]));
  return m;
};

/**
 * Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright, algorithms 7.4, 3.5 and 3.6; cubic
 * interpolation in the zoom phase, bisection when the cubic step is unusable).
 */
export function lbfgs(fg: ValueAndGradient, x0: number[], opts: LbfgsOptions = {}): OptimizeResult {
  const n = x0.length;
  const gTol = opts.gradientTolerance ?? 1e-9;
  const fTol = opts.tolerance ?? 1e-14;
  const maxIter = opts.maxIterations ?? 500;
  const m = opts.memory ?? 8;
  const c1 = 1e-4;
  const c2 = 0.9;
  let evals = 0;

  const evalAt = (x: number[], g: Float64Array): number => {
    evals++;
    const v = fg(x, g);
    if (!Number.isFinite(v) || !g.every(Number.isFinite)) return Infinity;
    return v;
  };

  let x = x0.slice();
  let g: Float64Array = new Float64Array(n);
  let f = evalAt(x, g);
  if (!Number.isFinite(f)) {
    return { x, fx: f, iterations: 0, evaluations: evals, converged: false, method: 'lbfgs', gradientNorm: NaN };
  }
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const RHO: number[] = [];
  let iter = 0;
  let converged = normInf(g) <= gTol;

  while (!converged && iter < maxIter) {
    iter++;
    // Two-loop recursion: d = −H∇f.
    const q = Float64Array.from(g);
    const alphas = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alphas[i] = RHO[i] * dot(S[i], q);
      for (let j = 0; j < n; j++) q[j] -= alphas[i] * Y[i][j];
    }
    let gammaK = 1;
    if (S.length > 0) {
      const last = S.length - 1;
      gammaK = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
    }
    for (let j = 0; j < n; j++) q[j] *= gammaK;
    for (let i = 0; i < S.length; i++) {
      const beta = RHO[i] * dot(Y[i], q);
      for (let j = 0; j < n; j++) q[j] += S[i][j] * (alphas[i] - beta);
    }
    const d = q.map((v) => -v);
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // Not a descent direction (curvature information gone stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      for (let j = 0; j < n; j++) d[j] = -g[j];
      dg = dot(d, g);
    }
    const a0 = S.length === 0 ? min(1, 1 / max(normInf(g), 1e-12)) : 1;
    const ls = wolfeSearch(x, f, g, d, dg, a0, evalAt, c1, c2);
    if (!ls) {
      if (S.length > 0) {
        S.length = 0;
        Y.length = 0;
        RHO.length = 0;
        continue;
      }
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = ls.x[j] - x[j];
      y[j] = ls.g[j] - g[j];
    }
    const fPrev = f;
    x = ls.x;
    f = ls.f;
    g = ls.g;
    const sy = dot(s, y);
    if (sy > 1e-300) {
      S.push(s);
      Y.push(y);
      RHO.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
    }
    const gn = normInf(g);
    if (gn <= gTol) converged = true;
    else if (fPrev - f <= fTol * max(1, abs(f)) && gn <= 1e3 * gTol) converged = true;
  }
  return { x, fx: f, iterations: iter, evaluations: evals, converged, method: 'lbfgs', gradientNorm: normInf(g) };
}

interface LineSearchPoint {
  x: number[];
  f: number;
  g: Float64Array;
}

function wolfeSearch(
  x: number[],
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  dg0: number,
  a0: number,
  evalAt: (x: number[], g: Float64Array) => number,
  c1: number,
  c2: number,
): LineSearchPoint | null {
  const n = x.length;
  const at = (a: number): LineSearchPoint & { dg: number; a: number } => {
    const xa = x.map((v, j) => v + a * d[j]);
    const g = new Float64Array(n);
    const f = evalAt(xa, g);
    return { x: xa, f, g, dg: Number.isFinite(f) ? dot(g, d) : NaN, a };
  };
  let prev = { a: 0, f: f0, dg: dg0 };
  let a = a0;
  for (let i = 0; i < 40; i++) {
    const cur = at(a);
    if (!Number.isFinite(cur.f)) {
      // Overflowed: step back towards the last good point.
      a = prev.a + (a - prev.a) / 4;
      if (a - prev.a < 1e-20) return null;
      continue;
    }
    if (cur.f > f0 + c1 * a * dg0 || (i > 0 && cur.f >= prev.f)) return zoom(prev, cur);
    if (abs(cur.dg) <= -c2 * dg0) return cur;
    if (cur.dg >= 0) return zoom(cur, prev);
    prev = cur;
    a *= 2;
  }
  return null;

  function zoom(lo: { a: number; f: number; dg: number }, hi: { a: number; f: number; dg: number }): LineSearchPoint | null {
    let best: (LineSearchPoint & { a: number }) | null = null;
    for (let i = 0; i < 60; i++) {
      const aj = cubicStep(lo, hi);
      const cur = at(aj);
      if (!Number.isFinite(cur.f) || cur.f > f0 + c1 * aj * dg0 || cur.f >= lo.f) {
        hi = cur.f === Infinity ? { a: aj, f: Infinity, dg: NaN } : cur;
      } else {
        if (abs(cur.dg) <= -c2 * dg0) return cur;
        if (cur.dg * (hi.a - lo.a) >= 0) hi = lo;
        lo = cur;
        best = cur;
      }
      if (abs(hi.a - lo.a) < 1e-16 * max(1, abs(lo.a))) break;
    }
    // Interval collapsed: accept the best sufficient-decrease point, if any.
    return best;
  }
}

/** Minimiser of the cubic through (lo, hi) with their slopes, kept inside the interval; bisection otherwise. */
function cubicStep(lo: { a: number; f: number; dg: number }, hi: { a: number; f: number; dg: number }): number {
  const mid = (lo.a + hi.a) / 2;
  if (!Number.isFinite(hi.f) || !Number.isFinite(hi.dg)) return mid;
  const d1 = lo.dg + hi.dg - (3 * (lo.f - hi.f)) / (lo.a - hi.a);
  const disc = d1 * d1 - lo.dg * hi.dg;
  if (disc < 0) return mid;
  const d2 = sign(hi.a - lo.a) * sqrt(disc);
  const a = hi.a - (hi.a - lo.a) * ((hi.dg + d2 - d1) / (hi.dg - lo.dg + 2 * d2));
  const lower = min(lo.a, hi.a);
  const upper = max(lo.a, hi.a);
  const margin = 0.1 * (upper - lower);
  if (!Number.isFinite(a) || a < lower + margin || a > upper - margin) return mid;
  return a;
}

/**
 * Runs `run` from every start and keeps the lowest objective; among runs that tie (relative 1e-10), a converged
 * one is preferred.
 */
export function multiStart(run: (x0: number[]) => OptimizeResult, starts: number[][]): OptimizeResult & { runs: OptimizeResult[] } {
  if (starts.length === 0) throw new RangeError('multiStart: at least one starting point is required');
  const runs = starts.map((s) => run(s));
  const rank = (r: OptimizeResult): number => (Number.isFinite(r.fx) ? r.fx : Infinity);
  let best = runs[0];
  for (const r of runs.slice(1)) {
    const tol = Number.isFinite(rank(best)) ? 1e-10 * max(1, abs(rank(best))) : 0;
    if (rank(r) < rank(best) - tol || (abs(rank(r) - rank(best)) <= tol && r.converged && !best.converged)) best = r;
  }
  return { ...best, runs };
}
