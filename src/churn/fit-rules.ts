import type { BgNbdModelJson } from './bgnbd';

/**
 * When a fitted churn model may be served. Thin repeat data is the normal case for marketplaces (about 3% of
 * Olist's customers ever buy twice), and a BG/NBD family fit on it can stop anywhere: r 4.5e45 and α 2.3e50 were
 * seen on a 4,000-order sample with two repeat buyers. Such a fit is never served as if it were sound. The model
 * is used only when ALL of these hold, each measurable and recorded on the model version:
 *   - at least MIN_REPEAT_CUSTOMERS customers with a repeat purchase, and at least MIN_REPEAT_SHARE of all;
 *   - the optimizer converged;
 *   - every parameter within PARAM_BOUNDS (beyond them the likelihood is flat and the values mean nothing);
 *   - on a holdout of the last horizon before as-of, the model's P(no purchase) ranks the silent customers
 *     no worse than chance (AUC ≥ MIN_HOLDOUT_AUC), when the holdout has both outcomes.
 */
export const MIN_REPEAT_CUSTOMERS = 30;
export const MIN_REPEAT_SHARE = 0.005;
/** Inclusive bounds of r, α (weeks), a, b. */
export const PARAM_BOUNDS = { min: 1e-4, max: 1e4 };
export const MIN_HOLDOUT_AUC = 0.55;

export interface FitDecision {
  /** 'model' = the fitted BG/NBD family is served; 'fallback' = the empirical repeat estimate. */
  use: 'model' | 'fallback';
  /** Every rule with its measured value, in order; `ok` false for the ones that failed. */
  checks: { rule: string; value: number | boolean | null; ok: boolean }[];
  /** One sentence: why this source is in use. */
  reason: string;
}

export function decideFit(o: {
  customers: number;
  repeatCustomers: number;
  transaction: BgNbdModelJson | null;
  /** Holdout AUC of the model refitted before the last horizon; null when it could not be measured. */
  holdoutAuc: number | null;
  fitError?: string | null;
}): FitDecision {
  const share = o.customers ? o.repeatCustomers / o.customers : 0;
  const p = o.transaction?.params;
  const inBounds = p ? [p.r, p.alpha, p.a, p.b].every((v) => Number.isFinite(v) && v >= PARAM_BOUNDS.min && v <= PARAM_BOUNDS.max) : false;
  const checks: FitDecision['checks'] = [
    { rule: `repeat customers ≥ ${MIN_REPEAT_CUSTOMERS}`, value: o.repeatCustomers, ok: o.repeatCustomers >= MIN_REPEAT_CUSTOMERS },
    { rule: `repeat share ≥ ${MIN_REPEAT_SHARE * 100}%`, value: share, ok: share >= MIN_REPEAT_SHARE },
    { rule: 'fit converged', value: o.transaction?.fit?.converged ?? false, ok: Boolean(o.transaction?.fit?.converged) },
    { rule: `parameters within [${PARAM_BOUNDS.min}, ${PARAM_BOUNDS.max}]`, value: inBounds, ok: inBounds },
    { rule: `holdout AUC ≥ ${MIN_HOLDOUT_AUC}`, value: o.holdoutAuc, ok: o.holdoutAuc === null || o.holdoutAuc >= MIN_HOLDOUT_AUC },
  ];
  const failed = checks.filter((c) => !c.ok);
  if (o.fitError) failed.unshift({ rule: 'fit ran', value: false, ok: false });
  const use = failed.length === 0 ? 'model' : 'fallback';
  const fmt = (c: FitDecision['checks'][number]) => `${c.rule}: ${typeof c.value === 'number' ? +c.value.toPrecision(3) : String(c.value)}`;
  const reason =
    use === 'model'
      ? `fitted model in use: ${checks.map(fmt).join('; ')}`
      : `empirical repeat estimate in use because ${o.fitError ? `the fit failed (${o.fitError})` : ''}${o.fitError && failed.length > 1 ? ' and ' : ''}${failed.filter((c) => c.rule !== 'fit ran').map((c) => `${fmt(c)} fails`).join('; ')}`;
  return { use, checks, reason };
}
