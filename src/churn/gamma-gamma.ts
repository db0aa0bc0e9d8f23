import { badInput } from '../shared/errors';
import { lbfgs, multiStart, nelderMead, type OptimizeResult } from './optimizer';
import { digamma, logGamma } from './special-functions';
import { exp, log } from '../shared/math';

/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer base
 * analysis"; Fader & Hardie's note "The Gamma-Gamma model of monetary value"), as lifetimes' GammaGammaFitter.
 * A customer's purchase values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers; it is fitted on repeat
 * customers only, from x = number of repeat purchases and m = their mean value. Assumes spend is independent of
 * purchase frequency.
 */

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendInput {
  /** Repeat purchases x (integer > 0). */
  frequency: ArrayLike<number>;
  /** Mean value of those repeat purchases (> 0). */
  monetaryValue: ArrayLike<number>;
  /** Customers sharing each row (optional). */
  weights?: ArrayLike<number>;
}

function checkParams(p: GammaGammaParams): void {
  if (p == null || typeof p !== 'object') throw badInput('Gamma-Gamma params must be an object {p, q, v}');
  for (const k of ['p', 'q', 'v'] as const) {
    const val = p[k];
    if (typeof val !== 'number' || !Number.isFinite(val) || val <= 0) throw badInput(`params.${k} (${String(val)}) must be a finite number > 0`, { field: k });
  }
}

function checkSpendRow(x: number, m: number, where: string, allowZero: boolean): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || !Number.isInteger(x) || x < (allowZero ? 0 : 1)) {
    throw badInput(`${where}: frequency (${String(x)}) must be an integer ≥ ${allowZero ? 0 : 1}`, { field: 'frequency' });
  }
  if (typeof m !== 'number' || !Number.isFinite(m)) throw badInput(`${where}: monetary value (${String(m)}) is not a finite number`, { field: 'monetaryValue' });
  if (x > 0 && !(m > 0)) throw badInput(`${where}: monetary value (${String(m)}) must be > 0`, { field: 'monetaryValue' });
}

/** Checks lengths and rows (0-based indices); every row must be a repeat customer with a positive mean spend. */
export function validateSpend(data: SpendInput): number {
  if (data == null || typeof data !== 'object') throw badInput('data must be an object with frequency and monetaryValue arrays');
  const { frequency, monetaryValue, weights } = data;
  if (frequency == null || typeof frequency.length !== 'number') throw badInput('frequency must be an array of numbers', { field: 'frequency' });
  if (monetaryValue == null || typeof monetaryValue.length !== 'number') throw badInput('monetaryValue must be an array of numbers', { field: 'monetaryValue' });
  const n = frequency.length;
  if (monetaryValue.length !== n) throw badInput(`frequency has ${n} rows but monetaryValue has ${monetaryValue.length}`, { field: 'monetaryValue' });
  if (weights != null && weights.length !== n) throw badInput(`frequency has ${n} rows but weights has ${weights.length}`, { field: 'weights' });
  if (n === 0) throw badInput('no repeat customers to fit', { field: 'frequency' });
  let total = 0;
  for (let i = 0; i < n; i++) {
    checkSpendRow(frequency[i], monetaryValue[i], `row ${i}`, false);
    if (weights != null) {
      const w = weights[i];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw badInput(`row ${i}: weight (${String(w)}) must be a finite number ≥ 0`, { field: 'weights' });
      total += w;
    }
  }
  if (weights != null && !(total > 0)) throw badInput('weights sum to 0', { field: 'weights' });
  return n;
}

/**
 * E[Z | x, m]: expected mean transaction value of a customer with x repeat purchases of mean value m,
 * p(v + x·m) / (p·x + q − 1). For x = 0 (no spend history) it is the population mean p·v / (q − 1). Requires
 * q > 1 (otherwise the population mean spend is infinite and an error is thrown).
 */
export function conditionalExpectedAverageSpend(params: GammaGammaParams, x: number, m: number): number {
  checkParams(params);
  checkSpendRow(x, m, 'customer', true);
  const { p, q, v } = params;
  if (!(q > 1)) throw badInput(`Gamma-Gamma q (${q}) must be > 1 for a finite expected spend`, { field: 'q' });
  if (x === 0) return (p * v) / (q - 1);
  return (p * (v + x * m)) / (p * x + q - 1);
}

/** Population mean spend per transaction, p·v / (q − 1) (requires q > 1). */
export function populationMeanSpend(params: GammaGammaParams): number {
  return conditionalExpectedAverageSpend(params, 0, 0);
}

/** Log-likelihood of one repeat customer's (x, m). */
export function spendLogLikelihood(params: GammaGammaParams, x: number, m: number): number {
  checkParams(params);
  checkSpendRow(x, m, 'customer', false);
  const { p, q, v } = params;
  const px = p * x;
  return logGamma(px + q) - logGamma(px) - logGamma(q) + q * log(v) + (px - 1) * log(m) + px * log(x) - (px + q) * log(x * m + v);
}

export interface GammaGammaFitOptions {
  /** L2 penalty on (p, q, v) with v on the internal scale where mean spend = 1 (default 0). */
  penalizer?: number;
  method?: 'lbfgs' | 'nelder-mead';
  tolerance?: number;
  maxIterations?: number;
  /** Starting points [p, q, v] with v on the internal scale (mean spend = 1). */
  starts?: number[][];
}

export interface GammaGammaFitInfo {
  logLikelihood: number;
  customers: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  method: 'lbfgs' | 'nelder-mead';
  penalizer: number;
}

const DEFAULT_STARTS = [
  [1, 2, 1],
  [5, 3, 2],
  [0.5, 1.5, 0.3],
];

/**
 * Mean NLL (+ penalty) and gradient in log-parameters. Spend is divided by `scale`; terms depending only on x are
 * computed once per distinct x.
 */
function makeObjective(freq: ArrayLike<number>, money: ArrayLike<number>, weights: ArrayLike<number> | undefined, scale: number, penalizer: number) {
  const n = freq.length;
  const xsMap = new Map<number, number>();
  const xIdx = new Int32Array(n);
  const xsArr: number[] = [];
  for (let i = 0; i < n; i++) {
    let k = xsMap.get(freq[i]);
    if (k === undefined) {
      k = xsArr.length;
      xsMap.set(freq[i], k);
      xsArr.push(freq[i]);
    }
    xIdx[i] = k;
  }
  const xs = Float64Array.from(xsArr);
  const wx = new Float64Array(xs.length);
  const logM = new Float64Array(n);
  const mScaled = new Float64Array(n);
  let W = 0;
  // Per distinct x: Σ w·log m, used by the (px − 1) log m term.
  const sumWLogM = new Float64Array(xs.length);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    mScaled[i] = money[i] / scale;
    logM[i] = log(mScaled[i]);
    wx[xIdx[i]] += w;
    sumWLogM[xIdx[i]] += w * logM[i];
    W += w;
  }
  const logX = xs.map(log);

  return (theta: number[], grad: Float64Array): number => {
    const p = exp(theta[0]);
    const q = exp(theta[1]);
    const v = exp(theta[2]);
    const lgQ = logGamma(q);
    const psiQ = digamma(q);
    const logV = log(v);
    let ll = 0;
    let gp = 0;
    let gq = 0;
    let gv = 0;
    for (let j = 0; j < xs.length; j++) {
      const w = wx[j];
      if (w === 0) continue;
      const x = xs[j];
      const px = p * x;
      ll += w * (logGamma(px + q) - logGamma(px) - lgQ + q * logV + px * logX[j]) - sumWLogM[j] + px * sumWLogM[j];
      const psiPXQ = digamma(px + q);
      gp += w * x * (psiPXQ - digamma(px) + logX[j]) + x * sumWLogM[j];
      gq += w * (psiPXQ - psiQ + logV);
      gv += (w * q) / v;
    }
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i] : 1;
      if (w === 0) continue;
      const x = xs[xIdx[i]];
      const px = p * x;
      const d = x * mScaled[i] + v;
      const ld = log(d);
      ll -= w * (px + q) * ld;
      gp -= w * x * ld;
      gq -= w * ld;
      gv -= (w * (px + q)) / d;
    }
    grad[0] = p * (-gp / W + 2 * penalizer * p);
    grad[1] = q * (-gq / W + 2 * penalizer * q);
    grad[2] = v * (-gv / W + 2 * penalizer * v);
    return -ll / W + penalizer * (p * p + q * q + v * v);
  };
}

function fitParams(data: SpendInput, opts: GammaGammaFitOptions): { params: GammaGammaParams; info: GammaGammaFitInfo } {
  validateSpend(data);
  const penalizer = opts.penalizer ?? 0;
  if (typeof penalizer !== 'number' || !Number.isFinite(penalizer) || penalizer < 0) throw badInput(`penalizer (${String(penalizer)}) must be a finite number ≥ 0`, { field: 'penalizer' });
  const method = opts.method ?? 'lbfgs';
  if (method !== 'lbfgs' && method !== 'nelder-mead') throw badInput(`method must be 'lbfgs' or 'nelder-mead', got ${String(method)}`, { field: 'method' });
  const starts = opts.starts ?? DEFAULT_STARTS;
  for (const [i, s] of starts.entries()) {
    if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => Number.isFinite(v) && v > 0)) throw badInput(`starts[${i}] must be three positive numbers [p, q, v]`, { field: 'starts' });
  }
  const { frequency, monetaryValue, weights } = data;
  let sw = 0;
  let swm = 0;
  for (let i = 0; i < frequency.length; i++) {
    const w = weights ? weights[i] : 1;
    sw += w;
    swm += w * monetaryValue[i];
  }
  // Fit with spend in units of its weighted mean so the default starts suit any currency.
  const scale = swm / sw;
  const obj = makeObjective(frequency, monetaryValue, weights, scale, penalizer);
  const logStarts = starts.map((s) => s.map(log));
  let res: OptimizeResult & { runs: OptimizeResult[] };
  if (method === 'lbfgs') {
    res = multiStart((x0) => lbfgs(obj, x0, { tolerance: opts.tolerance ?? 1e-12, maxIterations: opts.maxIterations ?? 500 }), logStarts);
  } else {
    const scratch = new Float64Array(3);
    res = multiStart((x0) => nelderMead((x) => obj(x, scratch), x0, { tolerance: opts.tolerance ?? 1e-10, maxIterations: opts.maxIterations ?? 6000 }), logStarts);
  }
  const [p, q, vScaled] = res.x.map(exp);
  if (![p, q, vScaled].every((v) => Number.isFinite(v) && v > 0)) throw badInput(`Gamma-Gamma fit diverged (parameters ${p}, ${q}, ${vScaled * scale}); try a penalizer > 0`);
  const params = { p, q, v: vScaled * scale };
  const unscaled = makeObjective(frequency, monetaryValue, weights, 1, 0);
  const logLikelihood = -unscaled([p, q, params.v].map(log), new Float64Array(3)) * sw;
  let iterations = 0;
  let evaluations = 0;
  for (const r of res.runs) {
    iterations += r.iterations;
    evaluations += r.evaluations;
  }
  return { params, info: { logLikelihood, customers: sw, iterations, evaluations, converged: res.converged, method, penalizer } };
}

export const GAMMA_GAMMA_MODEL_VERSION = 1;

export interface GammaGammaModelJson {
  version: number;
  kind: 'gamma-gamma';
  params: GammaGammaParams;
  fit: GammaGammaFitInfo | null;
}

/** Gamma-Gamma spend model: fit() returns the model, predictions refuse an unfitted one; versioned JSON. */
export class GammaGammaModel {
  private state: { params: GammaGammaParams; fit: GammaGammaFitInfo | null } | null = null;

  static fromParams(params: GammaGammaParams): GammaGammaModel {
    checkParams(params);
    const m = new GammaGammaModel();
    m.state = { params: { p: params.p, q: params.q, v: params.v }, fit: null };
    return m;
  }

  fit(data: SpendInput, opts: GammaGammaFitOptions = {}): this {
    const { params, info } = fitParams(data, opts);
    this.state = { params, fit: info };
    return this;
  }

  get isFitted(): boolean {
    return this.state !== null;
  }

  private fitted(): { params: GammaGammaParams; fit: GammaGammaFitInfo | null } {
    if (!this.state) throw new Error('Gamma-Gamma model is not fitted: call fit() or fromJSON() first');
    return this.state;
  }

  get params(): GammaGammaParams {
    return { ...this.fitted().params };
  }

  get fitInfo(): GammaGammaFitInfo | null {
    const f = this.fitted().fit;
    return f ? { ...f } : null;
  }

  conditionalExpectedAverageSpend(x: number, m: number): number {
    return conditionalExpectedAverageSpend(this.fitted().params, x, m);
  }

  populationMeanSpend(): number {
    return populationMeanSpend(this.fitted().params);
  }

  toJSON(): GammaGammaModelJson {
    const s = this.fitted();
    return { version: GAMMA_GAMMA_MODEL_VERSION, kind: 'gamma-gamma', params: { ...s.params }, fit: s.fit ? { ...s.fit } : null };
  }

  static fromJSON(json: unknown): GammaGammaModel {
    const j = json as Partial<GammaGammaModelJson> | null;
    if (j == null || typeof j !== 'object') throw badInput('Gamma-Gamma model JSON must be an object');
    if (j.version !== GAMMA_GAMMA_MODEL_VERSION) throw badInput(`unsupported Gamma-Gamma model version ${String(j.version)} (expected ${GAMMA_GAMMA_MODEL_VERSION})`, { field: 'version' });
    if (j.kind !== 'gamma-gamma') throw badInput(`kind must be 'gamma-gamma', got ${String(j.kind)}`, { field: 'kind' });
    const m = GammaGammaModel.fromParams(j.params as GammaGammaParams);
    m.state!.fit = j.fit ? { ...j.fit } : null;
    return m;
  }
}

/** Fits the Gamma-Gamma spend model on repeat customers by maximum likelihood. */
export function fitGammaGamma(data: SpendInput, opts: GammaGammaFitOptions = {}): GammaGammaModel {
  return new GammaGammaModel().fit(data, opts);
}
