import { Math, PI, abs, exp, floor, log, log1p, max, pow, round, sin, tan } from '../shared/math';
/**
 * Special functions for the churn and value models: log-gamma, digamma, log-beta, log-sum-exp and the Gauss
 * hypergeometric function 2F1 for real arguments z < 1. Double precision, no dependencies.
 */

const LOG_SQRT_2PI = 0.5 * log(2 * PI);
// Lanczos approximation, g = 7, n = 9 (relative error of Γ about 1e-15 for x ≥ 0.5).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/**
 * sin(πx) and tan(πx) reduced by the nearest integer first (x − round(x) is exact): near a pole of Γ or ψ,
 * sin(π·x) itself would carry the rounding of π·x, a relative error of 1e-16 / |x − round(x)|.
 */
function sinPi(x: number): number {
  const n = round(x);
  const s = sin(PI * (x - n));
  return n % 2 === 0 ? s : -s;
}

function tanPi(x: number): number {
  return tan(PI * (x - round(x)));
}

/** log|Γ(x)|. +Infinity at the poles (0, −1, −2, …). */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (isNonPositiveInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
    return log(PI / abs(sinPi(x))) - logGamma(1 - x);
  }
  const y = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (y + 0.5) * log(t) - t + log(s);
}

/** Sign of Γ(x): +1 for x > 0, alternating between the poles for x < 0; NaN at the poles. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (isNonPositiveInteger(x) || Number.isNaN(x)) return NaN;
  return floor(x) % 2 === 0 ? 1 : -1;
}

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ψ(x) = d/dx log Γ(x). NaN at the poles. */
export function digamma(x: number): number {
  if (Number.isNaN(x) || isNonPositiveInteger(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x < 0) return digamma(1 - x) - PI / tanPi(x);
  let acc = 0;
  // Recurrence up to x ≥ 10, where the asymptotic series below is accurate to ~1e-15.
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  const series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
  return acc + log(x) - 0.5 / x - series;
}

/** log(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  return m + log1p(exp(-abs(a - b)));
}

/** log Σ exp(v_i) without overflow; −Infinity for an empty input. */
export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  if (m === -Infinity || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += exp(values[i] - m);
  return m + log(s);
}

/** log(1 + e^x) (softplus) without overflow or loss for large |x|. */
export function log1pExp(x: number): number {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/** 1 / (1 + e^−x). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}

// ---------------------------------------------------------------------------------------------------------------
// Gauss hypergeometric function
// ---------------------------------------------------------------------------------------------------------------

const EPS = 1e-16;
/**
 * Every series below stops at this many terms and throws beyond it, so no call can run away: near z = 1 the
 * function is evaluated in 1 − z ≤ 0.1, where a few dozen terms suffice for moderate parameters.
 */
export const HYP2F1_MAX_TERMS = 20_000;
// Above this z the series are taken in 1 − z (A&S 15.3.6, or 15.3.10–12 when c − a − b is an integer).
const TRANSFORM_Z = 0.9;
// Closer than this to an integer (but not on it), 15.3.6's two terms (each ~ 1/gap) cancel to gap × 1e-16 of
// their size, so the value is interpolated in c between points at least this far away and the integer itself.
const NEAR_INTEGER_GAP = 1e-4;

/** Σ (a)_n (b)_n / ((c)_n n!) z^n with a convergence check; throws when it does not converge within maxTerms. */
function hyp2f1Series(a: number, b: number, c: number, z: number, maxTerms: number): number {
  let term = 1;
  let sum = 1;
  // Beyond this index the term ratio is below 1 and decreasing, so a small term means a small tail.
  const k = a + b - c - 1;
  const settle = k > 0 && abs(z) < 1 ? (k * abs(z)) / (1 - abs(z)) : 0;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0 || (abs(term) < 1e-300 && n >= settle && abs(ratio) < 1)) return sum;
    if (!Number.isFinite(sum)) return sum;
    if (n >= settle && abs(ratio) < 1) {
      const q = max(abs(ratio), abs(z));
      if (abs(term) * (q / (1 - q)) <= EPS * abs(sum)) return sum;
    }
  }
  throw new Error(`hyp2f1(${a}, ${b}, ${c}, ${z}): series did not converge in ${maxTerms} terms`);
}

/** Γ(n1)Γ(n2) / (Γ(d1)Γ(d2)) with signs; 0 when a denominator argument is a pole. */
function gammaRatio(n1: number, n2: number, d1: number, d2: number): number {
  if (isNonPositiveInteger(d1) || isNonPositiveInteger(d2)) return 0;
  const sign = gammaSign(n1) * gammaSign(n2) * gammaSign(d1) * gammaSign(d2);
  return sign * exp(logGamma(n1) + logGamma(n2) - logGamma(d1) - logGamma(d2));
}

/** 1/Γ(x) with its sign: 0 at the poles. */
function rgamma(x: number): number {
  return isNonPositiveInteger(x) ? 0 : gammaSign(x) * exp(-logGamma(x));
}

/** A&S 15.3.6: ₂F₁ as two series in w = 1 − z, for c − a − b = m not an integer. */
function connection(a: number, b: number, c: number, w: number, maxTerms: number): number {
  const m = c - a - b;
  const k1 = gammaRatio(c, m, c - a, c - b);
  const k2 = gammaRatio(c, -m, a, b);
  const f1 = k1 === 0 ? 0 : k1 * hyp2f1Series(a, b, 1 - m, w, maxTerms);
  const f2 = k2 === 0 ? 0 : k2 * pow(w, m) * hyp2f1Series(c - a, c - b, 1 + m, w, maxTerms);
  return f1 + f2;
}

/**
 * A&S 15.3.10–15.3.12: ₂F₁ in w = 1 − z when c − a − b = m is an integer, where 15.3.6's two terms have poles
 * that cancel into log w and digamma terms (the arrangement of Cephes' hyp2f1). Needs a, b, c − a, c − b off the
 * poles, which the caller guarantees (those cases are polynomials).
 */
function connectionInteger(a: number, b: number, c: number, w: number, m: number, maxTerms: number): number {
  const e = abs(m);
  const d1 = m >= 0 ? m : 0;
  const d2 = m >= 0 ? 0 : m;
  const lw = log(w);
  let p = rgamma(e + 1);
  let y = p * (digamma(1) + digamma(1 + e) - digamma(a + d1) - digamma(b + d1) - lw);
  let converged = false;
  for (let t = 0; t < maxTerms; t++) {
    p *= (w * (a + t + d1) * (b + t + d1)) / ((t + 1) * (t + 1 + e));
    const q = p * (digamma(2 + t) + digamma(2 + t + e) - digamma(a + t + 1 + d1) - digamma(b + t + 1 + d1) - lw);
    y += q;
    if (!Number.isFinite(y)) return y;
    // Past the terms' peak (ratio < 1) the tail is geometric with ratio → w.
    const ratio = abs((w * (a + t + 1 + d1) * (b + t + 1 + d1)) / ((t + 2) * (t + 2 + e)));
    if (ratio < 1 && (q === 0 || abs(q) * (max(ratio, w) / (1 - max(ratio, w))) <= EPS * abs(y))) {
      converged = true;
      break;
    }
  }
  if (!converged) throw new Error(`hyp2f1(${a}, ${b}, ${c}, ${1 - w}): logarithmic series did not converge in ${maxTerms} terms`);
  if (e === 0) return y * gammaSign(c) * exp(logGamma(c)) * rgamma(a) * rgamma(b);
  if (e > maxTerms) throw new Error(`hyp2f1(${a}, ${b}, ${c}, ${1 - w}): c − a − b = ${m} needs more than ${maxTerms} terms`);
  // The finite sum Σ_{k<e} (a+d2)_k (b+d2)_k / ((1−e)_k k!) w^k.
  let y1 = 1;
  let pk = 1;
  for (let k = 0; k < e - 1; k++) {
    pk *= (w * (a + k + d2) * (b + k + d2)) / ((1 - e + k) * (k + 1));
    y1 += pk;
  }
  const gc = gammaSign(c) * exp(logGamma(c));
  y1 *= exp(logGamma(e)) * gc * rgamma(a + d1) * rgamma(b + d1);
  y *= gc * rgamma(a + d2) * rgamma(b + d2);
  if (e % 2 === 1) y = -y;
  if (m > 0) y *= pow(w, m);
  else y1 *= pow(w, m);
  return y + y1;
}

/**
 * ₂F₁ in w = 1 − z for any real c − a − b = m: 15.3.6 off the integers, 15.3.10–12 on them, and in between
 * (0 < |m − round(m)| < NEAR_INTEGER_GAP) the quartic in a (or b) through the integer and 15.3.6 at gaps ±h,
 * ±2h (h = NEAR_INTEGER_GAP): ₂F₁ is entire in a, and every point is computed without cancellation beyond a factor
 * 1/h. Interpolation error ~ (h·|∂/∂a log ₂F₁|)^5 / 5!, below 1e-12 for |∂/∂a log ₂F₁| ≲ 100.
 */
function oneMinusZ(a: number, b: number, c: number, w: number, maxTerms: number): number {
  const m = c - a - b;
  const id = round(m);
  const gap = m - id;
  if (gap === 0) return connectionInteger(a, b, c, w, id, maxTerms);
  if (abs(gap) >= NEAR_INTEGER_GAP) return connection(a, b, c, w, maxTerms);
  // Interpolated in the larger of a, b (₂F₁ is entire in a, while c may sit near one of its poles).
  const [p, q] = abs(a) >= abs(b) ? [a, b] : [b, a];
  const h = NEAR_INTEGER_GAP;
  const nodes = [-2, -1, 0, 1, 2];
  const p0 = c - q - id;
  const vals = nodes.map((k) => (k === 0 ? connectionInteger(p0, q, c, w, id, maxTerms) : connection(p0 - k * h, q, c, w, maxTerms)));
  // Lagrange form at p = p0 − u·h on the nodes −2..2.
  const u = (p0 - p) / h;
  let out = 0;
  for (let i = 0; i < nodes.length; i++) {
    let li = 1;
    for (let j = 0; j < nodes.length; j++) if (j !== i) li *= (u - nodes[j]) / (nodes[i] - nodes[j]);
    out += li * vals[i];
  }
  return out;
}

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z ≤ 1.
 *
 * |z| ≤ 0.5: the defining series. z < −0.5: Pfaff's transformation to z/(z−1) ∈ (1/3, 1). 0.5 < z < 1: the
 * defining series when a, b, c > 0 and z ≤ 0.9 (all terms positive, no cancellation), otherwise the series in
 * 1 − z (see oneMinusZ). z = 1: Gauss's theorem when c − a − b > 0, +Infinity otherwise. Polynomial cases (a, b,
 * c − a or c − b a non-positive integer) are summed exactly. Every series is capped at HYP2F1_MAX_TERMS terms, so
 * the cost of a call is bounded whatever its arguments; it throws rather than return an unconverged sum.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = HYP2F1_MAX_TERMS): number {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError(`hyp2f1(${a}, ${b}, ${c}, ${z}): arguments must be finite`);
  if (z > 1) throw new RangeError(`hyp2f1: z must be ≤ 1, got ${z}`);
  maxTerms = Math.min(maxTerms, HYP2F1_MAX_TERMS);
  if (z === 0 || a === 0 || b === 0) return 1;
  const polyA = isNonPositiveInteger(a);
  const polyB = isNonPositiveInteger(b);
  if (isNonPositiveInteger(c)) {
    // Defined only when the series terminates before (c)_n vanishes.
    const stop = max(polyA ? a : -Infinity, polyB ? b : -Infinity);
    if (!(stop > c)) return NaN;
  }
  if (polyA || polyB) {
    const n = -max(polyA ? a : -Infinity, polyB ? b : -Infinity);
    if (n > maxTerms) throw new Error(`hyp2f1(${a}, ${b}, ${c}, ${z}): a polynomial of degree ${n} is beyond ${maxTerms} terms`);
    let term = 1;
    let sum = 1;
    for (let k = 0; k < n; k++) {
      term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
      sum += term;
    }
    return sum;
  }
  const m = c - a - b;
  if (z === 1) return m > 0 ? gammaRatio(c, m, c - a, c - b) : Infinity;
  // Euler: (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z), a polynomial when c − a or c − b is a non-positive integer.
  if (z > 0 && (isNonPositiveInteger(c - a) || isNonPositiveInteger(c - b))) return pow(1 - z, m) * hyp2f1(c - a, c - b, c, z, maxTerms);
  if (z < -0.5) {
    // Pfaff: (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)).
    return pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1), maxTerms);
  }
  if (z <= 0.5) return hyp2f1Series(a, b, c, z, maxTerms);
  if (a > 0 && b > 0 && c > 0 && z <= TRANSFORM_Z) {
    try {
      return hyp2f1Series(a, b, c, z, maxTerms);
    } catch {
      // Large a + b − c: the terms peak late; the 1 − z series below is the bounded alternative.
    }
  }
  return oneMinusZ(a, b, c, 1 - z, maxTerms);
}
