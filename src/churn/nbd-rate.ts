import { nelderMead } from './optimizer';
import { logGamma } from './special-functions';

/**
 * The purchase rate a customer keeps if retained, from the dropout-free NBD (Ehrenberg): λ ~ Gamma(r, α) across
 * customers, x repeat purchases in (0, T] ~ Poisson(λT), so E[λ | x, T] = (r + x) / (α + T).
 *
 * Why not BG/NBD's posterior given alive: BG/NBD explains a store's one-time buyers by dropout, so its rate
 * distribution is narrow and its "rate given alive" returns a one-time buyer almost the population's rate (10+
 * purchases a year on the demo store, where such customers buy about once a year while they are around). The
 * NBD reads a long silence as a low rate instead, which is what "value if retained" asks: how much this customer
 * buys while still a customer. Fitted on distinct (x, T) pairs (log-parameters, Nelder–Mead).
 */
export interface NbdRate {
  r: number;
  alpha: number;
  converged: boolean;
}

export function fitNbdRate(x: ArrayLike<number>, T: ArrayLike<number>): NbdRate {
  const n = x.length;
  // Aggregate identical (x, T) pairs: most customers share them.
  const counts = new Map<string, { x: number; T: number; w: number }>();
  for (let i = 0; i < n; i++) {
    if (!(T[i] > 0)) continue;
    const k = `${x[i]}|${T[i]}`;
    const c = counts.get(k);
    if (c) c.w++;
    else counts.set(k, { x: x[i], T: T[i], w: 1 });
  }
  const rows = [...counts.values()];
  let W = 0;
  let sumX = 0;
  let sumT = 0;
  for (const r of rows) (W += r.w), (sumX += r.w * r.x), (sumT += r.w * r.T);
  if (W === 0) return { r: 1, alpha: 1, converged: false };
  const xs = Float64Array.from(rows, (r) => r.x);
  const Ts = Float64Array.from(rows, (r) => r.T);
  const ws = Float64Array.from(rows, (r) => r.w);
  const lgx = Float64Array.from(rows, (r) => logGamma(r.x + 1));
  const logT = Float64Array.from(rows, (r) => Math.log(r.T));
  // log Γ(r + x) is needed once per distinct x, not per row.
  const distinctX = [...new Set(rows.map((r) => r.x))];
  const xPos = new Map(distinctX.map((x, k) => [x, k]));
  const xIndex = Int32Array.from(rows, (r) => xPos.get(r.x)!);
  const lgrx = new Float64Array(distinctX.length);
  // −mean log-likelihood of NBD(r, α) counts over exposures T.
  const f = ([lr, la]: number[]) => {
    const r = Math.exp(lr);
    const a = Math.exp(la);
    const lgr = logGamma(r);
    const loga = Math.log(a);
    for (let k = 0; k < distinctX.length; k++) lgrx[k] = logGamma(r + distinctX[k]);
    let ll = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      const laT = Math.log(a + Ts[i]);
      ll += ws[i] * (lgrx[xIndex[i]] - lgr - lgx[i] + r * (loga - laT) + x * (logT[i] - laT));
    }
    return -ll / W;
  };
  // Start at the method of moments' mean rate with r = 1.
  const meanRate = Math.max(sumX, 0.5) / sumT;
  const res = nelderMead(f, [0, Math.log(1 / meanRate)], { tolerance: 1e-10, maxIterations: 4000 });
  const r = Math.exp(res.x[0]);
  const alpha = Math.exp(res.x[1]);
  return { r, alpha, converged: res.converged && Number.isFinite(r) && Number.isFinite(alpha) };
}
