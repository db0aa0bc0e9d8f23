import { PI, abs, exp, floor, log, log1p, max, pow, round, sin, tan } from './math';
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

/** log|Γ(x)|. +Infinity at the poles (0, −1, −2, …). */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (isNonPositiveInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
    return log(PI / abs(sin(PI * x))) - logGamma(1 - x);
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
  if (x < 0) return digamma(1 - x) - PI / tan(PI * x);
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
const DEFAULT_MAX_TERMS = 1_000_000;
// Closer than this to an integer c − a − b, the 1 − z transformation cancels badly; the plain series is used.
const DEGENERATE_GAP = 1e-3;
const POSITIVE_SERIES_MAX_Z = 0.97;

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

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z ≤ 1.
 *
 * |z| ≤ 0.5: the defining series. z < −0.5: Pfaff's transformation to z/(z−1) ∈ (1/3, 1). 0.5 < z < 1: the
 * defining series when a, b, c > 0 and z ≤ 0.97 (all terms positive), otherwise the 1 − z connection formula
 * (Abramowitz & Stegun 15.3.6) — except when c − a − b is within 1e-3 of an integer, where that formula cancels
 * and the (slower) defining series is summed instead. z = 1: Gauss's theorem when
 * c − a − b > 0, +Infinity otherwise. Polynomial cases (a or b a non-positive integer) are summed exactly.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = DEFAULT_MAX_TERMS): number {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError(`hyp2f1(${a}, ${b}, ${c}, ${z}): arguments must be finite`);
  if (z > 1) throw new RangeError(`hyp2f1: z must be ≤ 1, got ${z}`);
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
    let term = 1;
    let sum = 1;
    for (let k = 0; k < n; k++) {
      term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
      sum += term;
    }
    return sum;
  }
  if (z === 1) {
    const m = c - a - b;
    return m > 0 ? gammaRatio(c, m, c - a, c - b) : Infinity;
  }
  if (z < -0.5) {
    // Pfaff: (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)).
    return pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1), maxTerms);
  }
  if (z <= 0.5) return hyp2f1Series(a, b, c, z, maxTerms);
  const m = c - a - b;
  // With a, b, c > 0 every term is positive, so the series cannot cancel; it needs a few thousand terms at most
  // up to z = 0.97, where the connection formula would lose digits to its two large, opposite parts.
  if (a > 0 && b > 0 && c > 0 && z <= POSITIVE_SERIES_MAX_Z) return hyp2f1Series(a, b, c, z, maxTerms);
  if (abs(m - round(m)) < DEGENERATE_GAP) return hyp2f1Series(a, b, c, z, maxTerms);
  const w = 1 - z;
  const k1 = gammaRatio(c, m, c - a, c - b);
  const k2 = gammaRatio(c, -m, a, b);
  const f1 = k1 === 0 ? 0 : k1 * hyp2f1(a, b, 1 - m, w, maxTerms);
  const f2 = k2 === 0 ? 0 : k2 * pow(w, m) * hyp2f1(c - a, c - b, 1 + m, w, maxTerms);
  return f1 + f2;
}
