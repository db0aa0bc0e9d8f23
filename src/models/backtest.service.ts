import type { DataSource } from 'typeorm';
import { BgNbdModel, type BgNbdModelJson } from '../churn/bgnbd';
import { calibrationOf, calibrationTable, meanAbsoluteError, type Calibration, rocAuc, sumRatio, topDecileLift, type CalibrationBin } from '../churn/metrics';
import { withClient } from '../db/data-source';
import { badInput } from '../shared/errors';
import type { ProgressFn } from '../shared/progress';
import { loadChurnInputs, type ChurnModelInfo } from './steps/churn.step';
import { COVERAGES, gainOf, orderByScore, orderBySegments, type RankingGain } from './decision-backtest';
import { train } from './train.pipeline';

/**
 * A time-split backtest: every model is fitted as of `cutoff` on earlier facts only (a stored, never-active
 * model version), then compared with what happened in the `horizonDays` after it.
 *
 * Churn = no purchase in the horizon. When the warehouse has no facts after the cutoff but carries a seed
 * truth table written for that date (the synthetic demo store), the truth's churn flag is the label instead.
 */
export interface BacktestOptions {
  cutoff: Date;
  horizonDays?: number;
  seed?: number;
  k?: number;
  onProgress?: ProgressFn;
}

export interface ScoreAuc {
  score: string;
  auc: number;
  topDecileLift: number;
}

export interface SegmentOutcome {
  kind: 'CLUSTER' | 'RFM';
  key: string;
  name: string;
  priorityRank: number;
  size: number;
  predictedChurnRisk: number | null;
  actualChurnRate: number;
  predictedPurchases: number;
  actualPurchases: number;
  predictedSpend: number;
  actualRevenue: number;
}

export interface BacktestResults {
  modelId: number;
  cutoff: string;
  horizonDays: number;
  labels: 'observed' | 'seed_truth';
  customers: number;
  churnRate: number;
  churn: ScoreAuc[];
  /** The best of the simple baselines, and whether the churn model is at least as good. */
  bestBaseline: ScoreAuc;
  modelBeatsBaselines: boolean;
  /** Expected vs actual purchases by decile of expected purchases (observed labels only). */
  calibration: CalibrationBin[];
  /** Calibration of churnProbability (P(no purchase within the horizon)) against the labels; null without a churn estimate. */
  churnCalibration: (Calibration & { source: string }) | null;
  value: { purchasesSumRatio: number; purchasesMae: number; spendSumRatio: number; spendMae: number } | null;
  segments: SegmentOutcome[];
  /**
   * The decision backtest (src/models/decision-backtest.ts): share of the value really lost in the horizon that
   * each ranking reaches when acting on 10%, 20% and 30% of customers. Value lost: with seed truth, the yearly
   * value if retained of customers really gone by the horizon's end; observed, the yearly run-rate of past spend
   * (monetary × 365 / max(tenure, horizon) days) of customers who bought nothing in the horizon.
   */
  decision: { lostValue: string; totalLost: number; rankings: RankingGain[] };
  churnModel: ChurnModelInfo | null;
}

interface Row {
  customer_id: number;
  churn_probability: number | null;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_avg_spend: number | null;
  recency_days: number;
  frequency: number;
  monetary: number | null;
  tenure_days: number | null;
  rfm_score: number;
  value_at_risk: number | null;
  abc_xyz: string;
  truth_value: number | null;
  truth_dead: boolean | null;
  churn_tier: string;
  rfm_segment: string;
  cluster_id: number;
  actual_days: number;
  actual_spend: number;
  truth_churned: boolean | null;
}

export async function runBacktest(ds: DataSource, o: BacktestOptions): Promise<{ id: number; results: BacktestResults }> {
  const horizonDays = o.horizonDays ?? 90;
  if (!(o.cutoff instanceof Date) || Number.isNaN(o.cutoff.getTime())) throw badInput('cutoff must be a valid date', { argument: 'cutoff' });
  if (!Number.isInteger(horizonDays) || horizonDays < 1) throw badInput('horizonDays must be a positive integer', { argument: 'horizonDays' });
  const [span] = await ds.query(`SELECT min(purchased_at) AS first, max(purchased_at) AS last FROM order_fact WHERE is_purchase`);
  if (!span?.first) throw badInput('the warehouse has no purchase orders');
  if (o.cutoff <= new Date(span.first)) throw badInput(`cutoff ${o.cutoff.toISOString()} is not after the first order (${new Date(span.first).toISOString()})`, { argument: 'cutoff' });

  const labels = await chooseLabels(ds, o.cutoff, horizonDays, new Date(span.last));
  const [{ id }] = await ds.query(
    `INSERT INTO backtest_run (status, cutoff, horizon_days, params) VALUES ('running', $1, $2, $3) RETURNING id`,
    [o.cutoff, horizonDays, JSON.stringify({ seed: o.seed ?? 42, k: o.k ?? 'auto' })],
  );
  try {
    // Facts before the cutoff: trained as of the day before it (the as-of day is included).
    const trained = await train(ds, { asOf: new Date(o.cutoff.getTime() - 86_400_000), horizonDays, seed: o.seed, k: o.k, activate: false, status: 'backtest', onProgress: o.onProgress, requestedBy: 'backtest' });
    const results = await evaluate(ds, trained.modelId, trained.snapshotId, o.cutoff, horizonDays, labels);
    await ds.query(`UPDATE backtest_run SET status = 'succeeded', results = $2, finished_at = now() WHERE id = $1`, [id, JSON.stringify(results)]);
    return { id, results };
  } catch (e) {
    await ds.query(`UPDATE backtest_run SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, (e as Error).message]);
    throw e;
  }
}

/** Which labels a backtest can use: observed orders in the horizon, or the seed truth at the warehouse's end. */
async function chooseLabels(ds: DataSource, cutoff: Date, horizonDays: number, lastOrder: Date): Promise<BacktestResults['labels']> {
  const end = new Date(cutoff.getTime() + horizonDays * 86_400_000);
  if (lastOrder < cutoff) {
    const [truth] = await ds.query(`SELECT count(*)::int AS n FROM seed_truth WHERE as_of = ($1::timestamptz AT TIME ZONE 'UTC')::date`, [cutoff]);
    if (truth.n > 0) return 'seed_truth';
    throw badInput(`the warehouse has no orders after the cutoff (last ${lastOrder.toISOString()}): nothing to compare with`, { argument: 'cutoff' });
  }
  if (lastOrder < end) {
    // The horizon runs past the data: the comparison would count the missing weeks as churn.
    throw badInput(`the horizon ends ${end.toISOString().slice(0, 10)}, after the last order (${lastOrder.toISOString().slice(0, 10)}): use an earlier cutoff or a shorter horizon`, { argument: 'horizonDays' });
  }
  return 'observed';
}

async function evaluate(ds: DataSource, modelId: number, snapshotId: number, cutoff: Date, horizonDays: number, labels: BacktestResults['labels']): Promise<BacktestResults> {
  const end = new Date(cutoff.getTime() + horizonDays * 86_400_000);
  const rows = await withClient(ds, (c) =>
    c.query<Row>(
      `WITH act AS (
         SELECT customer_id, count(DISTINCT (purchased_at AT TIME ZONE 'UTC')::date)::int AS days, COALESCE(sum(value), 0)::float8 AS spend
           FROM order_fact WHERE is_purchase AND purchased_at >= $2 AND purchased_at < $3 GROUP BY customer_id)
       SELECT cs.customer_id, cs.churn_probability, cs.p_alive, cs.expected_purchases_90d AS expected_purchases, cs.expected_avg_spend,
              f.recency_days, f.frequency, f.monetary::float8 AS monetary, f.tenure_days::float8 AS tenure_days, cs.rfm_score, cs.value_at_risk,
              cs.abc || cs.xyz AS abc_xyz, st.value_if_retained_yearly AS truth_value, st.dead_by_horizon_end AS truth_dead, cs.churn_tier, cs.rfm_segment, cs.cluster_id,
              COALESCE(act.days, 0) AS actual_days, COALESCE(act.spend, 0) AS actual_spend, st.churned_after_as_of AS truth_churned
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = $4 AND f.customer_id = cs.customer_id
         LEFT JOIN act ON act.customer_id = cs.customer_id
         LEFT JOIN seed_truth st ON st.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1
        ORDER BY cs.customer_id`,
      [modelId, cutoff, end, snapshotId],
    ),
  ).then((r) => r.rows);
  const n = rows.length;
  const churned = rows.map((r) => (labels === 'seed_truth' ? Boolean(r.truth_churned) : r.actual_days === 0) ? 1 : 0);
  const churnRate = churned.reduce((a: number, b) => a + b, 0) / n;

  const [mv] = await ds.query(`SELECT churn_model FROM model_version WHERE id = $1`, [modelId]);
  const churnModel = (mv?.churn_model ?? null) as ChurnModelInfo | null;
  const scores: { score: string; values: number[]; baseline: boolean }[] = [
    { score: 'recency (days since last purchase)', values: rows.map((r) => r.recency_days), baseline: true },
    { score: 'RFM churn tier', values: rows.map((r) => ({ HIGH: 2, MEDIUM: 1, LOW: 0 })[r.churn_tier as 'HIGH'] ?? 0), baseline: true },
    { score: 'frequency (fewer orders = riskier)', values: rows.map((r) => -r.frequency), baseline: true },
  ];
  if (churnModel) {
    scores.unshift({ score: `${churnModel.model} churn probability (P(no purchase within the horizon))`, values: rows.map((r) => r.churn_probability ?? 0), baseline: false });
    scores.splice(1, 0, { score: `${churnModel.model} expected purchases (fewer = riskier)`, values: rows.map((r) => -(r.expected_purchases ?? 0)), baseline: false });
    scores.splice(2, 0, { score: `${churnModel.model} 1 − P(alive)`, values: rows.map((r) => 1 - (r.p_alive ?? 1)), baseline: false });
    if (churnModel.alternative) {
      const inputs = await loadChurnInputs(ds, snapshotId, cutoff);
      const data = { x: inputs.x, tx: inputs.tx, T: inputs.T };
      const alt = BgNbdModel.fromJSON(churnModel.alternative as BgNbdModelJson);
      const p = alt.probNoPurchaseWithinMany(horizonDays / 7, data);
      scores.splice(3, 0, { score: `${alt.kind} P(no purchase within the horizon)`, values: Array.from(p), baseline: false });
    }
  }
  scores.push({ score: 'monetary (less spend = riskier)', values: rows.map((r) => -(r.monetary ?? 0)), baseline: true });
  const aucs = scores.map((s) => ({ score: s.score, auc: rocAuc(s.values, churned), topDecileLift: topDecileLift(s.values, churned), baseline: s.baseline }));
  const baselines = aucs.filter((a) => a.baseline);
  const bestBaseline = baselines.reduce((a, b) => (b.auc > a.auc ? b : a));
  // The reported churn probability is the first model score; the comparison uses the best model-derived score.
  const modelAuc = aucs.filter((a) => !a.baseline).reduce<number | null>((m, a) => (m === null || a.auc > m ? a.auc : m), null);

  // Expected purchases are stored for the model's horizon (train was given horizonDays).
  const predicted = rows.map((r) => r.expected_purchases ?? 0);
  const actual = rows.map((r) => r.actual_days);
  const value =
    labels === 'observed' && churnModel
      ? {
          purchasesSumRatio: sumRatio(predicted, actual),
          purchasesMae: meanAbsoluteError(predicted, actual),
          spendSumRatio: sumRatio(rows.map((r, i) => predicted[i] * (r.expected_avg_spend ?? 0)), rows.map((r) => r.actual_spend)),
          spendMae: meanAbsoluteError(rows.map((r, i) => predicted[i] * (r.expected_avg_spend ?? 0)), rows.map((r) => r.actual_spend)),
        }
      : null;
  const calibration = labels === 'observed' && churnModel ? calibrationTable(predicted, actual, 10) : [];
  const withP = rows.filter((r) => r.churn_probability !== null).length === n && n > 0;
  const churnCalibration = withP
    ? { source: churnModel ? `${churnModel.model} P(no purchase within ${horizonDays} days)` : 'churn probability', ...calibrationOf(rows.map((r) => r.churn_probability as number), churned, 10) }
    : null;

  const profiles: { kind: 'CLUSTER' | 'RFM'; segment_key: string; name: string; priority_rank: number; churn_risk: number | null }[] = await ds.query(
    `SELECT kind, segment_key, name, priority_rank, churn_risk FROM segment_profile WHERE model_version_id = $1 AND kind IN ('CLUSTER', 'RFM') ORDER BY kind, priority_rank`,
    [modelId],
  );
  // One pass over the customers, summing into each of their two segments (cluster and RFM).
  type Sums = { size: number; churned: number; predicted: number; actual: number; predictedSpend: number; revenue: number };
  const sums = new Map<string, Sums>();
  const add = (key: string, i: number) => {
    let t = sums.get(key);
    if (!t) sums.set(key, (t = { size: 0, churned: 0, predicted: 0, actual: 0, predictedSpend: 0, revenue: 0 }));
    t.size++;
    t.churned += churned[i];
    t.predicted += predicted[i];
    t.actual += actual[i];
    t.predictedSpend += predicted[i] * (rows[i].expected_avg_spend ?? 0);
    t.revenue += rows[i].actual_spend;
  };
  rows.forEach((r, i) => {
    add(`CLUSTER:${r.cluster_id}`, i);
    add(`RFM:${r.rfm_segment}`, i);
  });
  const segments = profiles.map((p): SegmentOutcome => {
    const t = sums.get(`${p.kind}:${p.segment_key}`) ?? { size: 0, churned: 0, predicted: 0, actual: 0, predictedSpend: 0, revenue: 0 };
    return {
      kind: p.kind,
      key: p.segment_key,
      name: p.name,
      priorityRank: p.priority_rank,
      size: t.size,
      predictedChurnRisk: p.churn_risk,
      actualChurnRate: t.size ? t.churned / t.size : 0,
      predictedPurchases: t.predicted,
      actualPurchases: t.actual,
      predictedSpend: t.predictedSpend,
      actualRevenue: t.revenue,
    };
  });
  const decision = await decisionBacktest(ds, modelId, rows, churned, labels, horizonDays);
  return {
    modelId,
    cutoff: cutoff.toISOString(),
    horizonDays,
    labels,
    customers: n,
    churnRate,
    churn: aucs.map(({ baseline: _b, ...a }) => a),
    bestBaseline: { score: bestBaseline.score, auc: bestBaseline.auc, topDecileLift: bestBaseline.topDecileLift },
    modelBeatsBaselines: modelAuc !== null && modelAuc >= bestBaseline.auc,
    calibration,
    churnCalibration,
    value,
    segments,
    decision,
    churnModel,
  };
}

async function decisionBacktest(
  ds: DataSource,
  modelId: number,
  rows: Row[],
  churned: number[],
  labels: BacktestResults['labels'],
  horizonDays: number,
): Promise<BacktestResults['decision']> {
  const truth = labels === 'seed_truth' && rows.every((r) => r.truth_value !== null && r.truth_dead !== null);
  const lost = rows.map((r, i) =>
    truth
      ? (r.truth_dead ? (r.truth_value as number) : 0)
      : churned[i] ? (Math.max(r.monetary ?? 0, 0) * 365) / Math.max(r.tenure_days ?? 0, horizonDays) : 0,
  );
  const totalLost = lost.reduce((a, b) => a + b, 0);
  const var_ = rows.map((r) => r.value_at_risk ?? 0);
  const ranks: { kind: string; segment_key: string; priority_rank: number }[] = await ds.query(
    `SELECT kind, segment_key, priority_rank FROM segment_profile WHERE model_version_id = $1`,
    [modelId],
  );
  const rankOf = new Map(ranks.map((r) => [`${r.kind}:${r.segment_key}`, r.priority_rank]));
  const keyOf: Record<string, (r: Row) => string> = { RFM: (r) => r.rfm_segment, CLUSTER: (r) => String(r.cluster_id), ABC_XYZ: (r) => r.abc_xyz };
  const rankings: RankingGain[] = [];
  for (const kind of ['RFM', 'CLUSTER', 'ABC_XYZ']) {
    const segRank = rows.map((r) => rankOf.get(`${kind}:${keyOf[kind](r)}`) ?? Number.MAX_SAFE_INTEGER);
    rankings.push({ ranking: `${kind} segments by priority`, points: gainOf(orderBySegments(segRank, var_), lost) });
  }
  rankings.push({ ranking: 'customers by value at risk', points: gainOf(orderByScore(var_), lost) });
  rankings.push({ ranking: 'recency alone (longest since last purchase first)', points: gainOf(orderByScore(rows.map((r) => r.recency_days)), lost) });
  rankings.push({ ranking: 'monetary alone (highest spend first)', points: gainOf(orderByScore(rows.map((r) => r.monetary ?? -Infinity)), lost) });
  rankings.push({ ranking: 'RFM score (highest first)', points: gainOf(orderByScore(rows.map((r) => r.rfm_score)), lost) });
  return {
    lostValue: truth ? 'seed truth: yearly value if retained of customers gone by the horizon end' : 'yearly run-rate of past spend of customers with no purchase in the horizon',
    totalLost,
    rankings,
  };
}

export { COVERAGES };
