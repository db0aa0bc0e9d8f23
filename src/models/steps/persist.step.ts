import { notifyActivation } from '../activation-bus';
import type { PoolClient } from 'pg';
import { copyIn, copyNum, linesInBatches } from '../../db/copy';
import { adjustedRandIndexFromContingency } from '../../segmentation/ari';
import { nameClusters, type ClusterProfile } from '../../segmentation/profiles';
import { actionText, prioritize, type RiskSource } from '../../segmentation/priority';
import { churnTierOf } from '../../segmentation/rfm';
import type { SegmentKind } from '../segment-profile.entity';
import type { ChurnEstimates } from './churn.step';
import type { SegmentScores } from './scoring.step';
import { PROFILE_FEATURES } from './clustering.step';

/** Everything a `model_version` row holds (migration 0002), by name; JSON columns take plain values. */
export interface ModelVersionRow {
  name: string;
  status: string;
  trainingRunId: number;
  snapshotId: number;
  asOf: Date;
  seed: number;
  k: number;
  /** Clustering engine ('kmeans' or 'gmm'); the model JSON in `kmeans` is that engine's. */
  algorithm: string;
  customers: number;
  params: Record<string, unknown>;
  featureNames: string[];
  /** Per feature: the median that replaces a missing value. */
  imputation: Record<string, number>;
  scaler: unknown;
  kmeans: unknown;
  classifier: unknown;
  churnModel: unknown | null;
  priority: unknown;
  projection: unknown;
  metrics: Record<string, unknown>;
}

/** The row's fields in column order; each column is its field in snake_case (trainingRunId → training_run_id). */
const MODEL_VERSION_FIELDS: (keyof ModelVersionRow)[] = [
  'name', 'status', 'trainingRunId', 'snapshotId', 'asOf', 'seed', 'k', 'algorithm', 'customers', 'params', 'featureNames',
  'imputation', 'scaler', 'kmeans', 'classifier', 'churnModel', 'priority', 'projection', 'metrics',
];
/** jsonb columns: sent as JSON text and cast by PostgreSQL. */
const MODEL_VERSION_JSON = new Set<keyof ModelVersionRow>(['params', 'featureNames', 'imputation', 'scaler', 'kmeans', 'classifier', 'churnModel', 'priority', 'projection', 'metrics']);
const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Writes the model's own row (inactive) in the caller's transaction; returns its id. */
export async function insertModelVersion(client: PoolClient, row: ModelVersionRow): Promise<number> {
  const values = MODEL_VERSION_FIELDS.map((f) => {
    const v = row[f];
    return MODEL_VERSION_JSON.has(f) && v !== null && v !== undefined ? JSON.stringify(v) : v;
  });
  const {
    rows: [{ id }],
  } = await client.query(
    `INSERT INTO model_version (${MODEL_VERSION_FIELDS.map(snakeCase).join(', ')})
     VALUES (${MODEL_VERSION_FIELDS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    values,
  );
  return id as number;
}

/**
 * Makes `id` the one active model, in the caller's transaction (the partial unique index
 * model_version_one_active allows no second active row, so the old one is switched off first).
 */
export async function activateModelVersion(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, id: number): Promise<void> {
  await db.query(`UPDATE model_version SET is_active = false WHERE is_active AND id <> $1`, [id]);
  await db.query(`UPDATE model_version SET is_active = true, activated_at = now() WHERE id = $1 AND NOT is_active`, [id]);
  await notifyActivation(db, id); // delivered to every instance when the caller's transaction commits
}

/** The partition of `customer_segment` that holds one model version's rows. */
export const modelPartition = (modelId: number) => `customer_segment_m${Number(modelId)}`;

/** Numeric weight of an RFM churn tier, for the fallback risk when no churn model could be fitted. */
const TIER_RISK_SQL = `CASE churn_tier WHEN 'HIGH' THEN 1.0 WHEN 'MEDIUM' THEN 0.5 ELSE 0.0 END`;
const TIER_RISK: Record<string, number> = { HIGH: 1, MEDIUM: 0.5, LOW: 0 };

const SEGMENT_COLUMNS = [
  'model_version_id', 'customer_id', 'cluster_id', 'r', 'f', 'm', 'rfm_score', 'rfm_segment', 'churn_tier', 'abc', 'xyz',
  'p_alive', 'churn_probability', 'expected_purchases_90d', 'expected_avg_spend', 'clv', 'priority_score',
  'value_if_retained', 'value_at_risk',
];

/**
 * Each customer's churn tier as the model stores it: the churn estimate's tier, else the RFM tier. In the order of
 * `scores` (the assignment order).
 */
export function churnTiers(scores: SegmentScores, churn: ChurnEstimates | null): string[] {
  return scores.churnTier.map((rfmTier, i) => {
    const p = churn ? churn.churnProbability[i] : NaN;
    return Number.isFinite(p) ? churnTierOf(p) : rfmTier;
  });
}

/**
 * Writes every customer's row of the model — cluster, RFM, ABC/XYZ, churn estimates and priority
 * (churn risk × value) — by one COPY into a fresh table that is then attached as the model's partition.
 * All arrays are in the order of `assign.customerIds`.
 */
export async function writeAssignments(
  client: PoolClient,
  modelId: number,
  assign: { customerIds: Int32Array; clusterIds: Int32Array },
  scores: SegmentScores,
  churn: ChurnEstimates | null,
  churnCustomerIds: Int32Array | null,
  lap: (label: string) => void = () => undefined,
): Promise<number> {
  const ids = assign.customerIds;
  if (churn && churnCustomerIds && churnCustomerIds.length !== ids.length) {
    throw new Error(`churn estimates cover ${churnCustomerIds.length} customers, clusters ${ids.length}`);
  }
  const part = modelPartition(modelId);
  const tiers = churnTiers(scores, churn);
  // The CHECK lets ATTACH skip scanning the table to prove the partition bound.
  await client.query(`CREATE TABLE ${part} (LIKE customer_segment INCLUDING DEFAULTS, CHECK (model_version_id = ${modelId}))`);
  const rows = await copyIn(
    client,
    `COPY ${part} (${SEGMENT_COLUMNS.join(', ')}) FROM STDIN`,
    linesInBatches(ids.length, (i) => {
      if (churn && churnCustomerIds && churnCustomerIds[i] !== ids[i]) {
        throw new Error(`customer order differs at row ${i}: ${churnCustomerIds[i]} vs ${ids[i]}`);
      }
      const p = churn ? churn.churnProbability[i] : NaN;
      const vir = churn ? churn.valueIfRetained[i] : NaN;
      // Risk: the churn estimate, else the RFM tier's; value if retained: the estimate, else the spend so far (none: 0).
      const hasP = Number.isFinite(p);
      const tier = tiers[i];
      const risk = hasP ? p : TIER_RISK[tier];
      const value = Number.isFinite(vir) ? vir : Math.max(scores.monetary[i] ?? 0, 0);
      const atRisk = copyNum(risk * value);
      const est = churn
        ? [churn.pAlive[i], p, churn.expectedPurchases[i], churn.expectedAvgSpend[i], churn.clv[i]].map(copyNum).join('\t')
        : '\\N\t\\N\t\\N\t\\N\t\\N';
      return `${modelId}\t${ids[i]}\t${assign.clusterIds[i]}\t${scores.r[i]}\t${scores.f[i]}\t${scores.m[i]}\t${scores.rfmScore[i]}\t${scores.segment[i]}\t${tier}\t${scores.abc[i]}\t${scores.xyz[i]}\t${est}\t${atRisk}\t${copyNum(value)}\t${atRisk}`;
    }),
  );
  lap('copy');
  // Attaching builds the partition's indexes in bulk and checks its foreign keys with one query each.
  await client.query(`ALTER TABLE customer_segment ATTACH PARTITION ${part} FOR VALUES IN (${modelId})`);
  lap('attach');
  await client.query(`ANALYZE ${part}`);
  lap('analyze');
  return rows;
}

interface GroupRow {
  kind: SegmentKind | null;
  key: string | null;
  size: number;
  revenue: number;
  avg_recency_days: number | null;
  avg_frequency: number | null;
  avg_monetary: number | null;
  churn_model: number | null;
  churn_tier_risk: number;
  clv_total: number | null;
  clv_mean: number | null;
  vir_total: number;
  var_total: number;
  [k: string]: unknown;
}

const signedLog = (col: string) => `sign(f.${col}) * ln(1 + abs(f.${col}))`;

/** Count, mean and sum of squared deviations of a sample; merged exactly across groups (Chan et al.). */
interface Moments {
  n: number;
  mean: number;
  m2: number;
}

function mergeMoments(a: Moments, b: Moments): Moments {
  if (b.n === 0) return a;
  if (a.n === 0) return { ...b };
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  return { n, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n };
}

const moments = (n: unknown, mean: unknown, m2: unknown): Moments =>
  Number(n) > 0 ? { n: Number(n), mean: Number(mean), m2: Number(m2) } : { n: 0, mean: 0, m2: 0 };

/**
 * Aggregates of every segment of every kind and of the whole population from ONE grouped scan of the model's
 * rows at the finest grain (cluster × RFM segment × ABC/XYZ class, a few hundred cells), merged per segment
 * in Node: counts, means and deviations combine exactly, so this equals grouping each kind separately at a
 * fraction of the cost (GROUPING SETS updates every aggregate once per set for every customer).
 * kind is null on the population row.
 */
async function segmentAggregates(client: PoolClient, modelId: number, snapshotId: number): Promise<GroupRow[]> {
  const plain = ['monetary', 'recency_days', 'frequency'];
  const cols = PROFILE_FEATURES.map((f) => ({ col: f.column, t: f.logTransform ? signedLog(f.column) : `f.${f.column}` }));
  const { rows } = await client.query<Record<string, unknown>>(
    `SELECT cs.cluster_id::text AS k_cluster, cs.rfm_segment AS k_rfm, cs.abc || cs.xyz AS k_abc,
            count(*)::int AS size,
            COALESCE(sum(GREATEST(f.monetary, 0)), 0)::float8 AS revenue,
            ${plain.map((c) => `count(f.${c})::int AS "pn_${c}", avg(f.${c})::float8 AS "pm_${c}"`).join(', ')},
            count(cs.churn_probability)::int AS n_churn, avg(cs.churn_probability)::float8 AS churn_model,
            avg(${TIER_RISK_SQL.replace('churn_tier', 'cs.churn_tier')})::float8 AS churn_tier_risk,
            count(cs.clv)::int AS n_clv, sum(cs.clv)::float8 AS clv_total,
            COALESCE(sum(cs.value_if_retained), 0)::float8 AS vir_total, COALESCE(sum(cs.value_at_risk), 0)::float8 AS var_total,
            ${cols
              .map(
                ({ col, t }) =>
                  `count(f.${col})::int AS "n_${col}", avg(f.${col})::float8 AS "m_${col}", ` +
                  `count(${t})::int AS "tn_${col}", avg(${t})::float8 AS "t_${col}", (var_pop(${t}) * count(${t}))::float8 AS "q_${col}"`,
              )
              .join(',\n            ')}
       FROM customer_segment cs
       JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
      WHERE cs.model_version_id = $1
      GROUP BY 1, 2, 3`,
    [modelId, snapshotId],
  );

  interface Acc {
    size: number;
    revenue: number;
    plain: Record<string, Moments>;
    churn: Moments;
    tier: Moments;
    clvN: number;
    clvTotal: number;
    vir: number;
    var: number;
    raw: Record<string, Moments>;
    t: Record<string, Moments>;
  }
  const empty = (): Acc => ({
    size: 0,
    revenue: 0,
    plain: Object.fromEntries(plain.map((c) => [c, moments(0, 0, 0)])),
    churn: moments(0, 0, 0),
    tier: moments(0, 0, 0),
    clvN: 0,
    clvTotal: 0,
    vir: 0,
    var: 0,
    raw: Object.fromEntries(cols.map(({ col }) => [col, moments(0, 0, 0)])),
    t: Object.fromEntries(cols.map(({ col }) => [col, moments(0, 0, 0)])),
  });
  const groups = new Map<string, { kind: SegmentKind | null; key: string | null; acc: Acc }>();
  const into = (kind: SegmentKind | null, key: string | null, r: Record<string, unknown>) => {
    const id = `${kind}\u0000${key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { kind, key, acc: empty() }));
    const a = g.acc;
    a.size += r.size as number;
    a.revenue += r.revenue as number;
    for (const c of plain) a.plain[c] = mergeMoments(a.plain[c], moments(r[`pn_${c}`], r[`pm_${c}`], 0));
    a.churn = mergeMoments(a.churn, moments(r.n_churn, r.churn_model, 0));
    a.tier = mergeMoments(a.tier, moments(r.size, r.churn_tier_risk, 0));
    a.clvN += r.n_clv as number;
    a.clvTotal += (r.clv_total as number | null) ?? 0;
    a.vir += r.vir_total as number;
    a.var += r.var_total as number;
    for (const { col } of cols) {
      a.raw[col] = mergeMoments(a.raw[col], moments(r[`n_${col}`], r[`m_${col}`], 0));
      a.t[col] = mergeMoments(a.t[col], moments(r[`tn_${col}`], r[`t_${col}`], r[`q_${col}`]));
    }
  };
  for (const r of rows) {
    into('CLUSTER', r.k_cluster as string, r);
    into('RFM', r.k_rfm as string, r);
    into('ABC_XYZ', r.k_abc as string, r);
    into(null, null, r);
  }
  const mean = (m: Moments) => (m.n > 0 ? m.mean : null);
  return [...groups.values()].map(({ kind, key, acc: a }) => ({
    kind,
    key,
    size: a.size,
    revenue: a.revenue,
    avg_recency_days: mean(a.plain.recency_days),
    avg_frequency: mean(a.plain.frequency),
    avg_monetary: mean(a.plain.monetary),
    churn_model: mean(a.churn),
    churn_tier_risk: mean(a.tier) ?? 0,
    clv_total: a.clvN > 0 ? a.clvTotal : null,
    clv_mean: a.clvN > 0 ? a.clvTotal / a.clvN : null,
    vir_total: a.vir,
    var_total: a.var,
    ...Object.fromEntries(
      cols.flatMap(({ col }) => [
        [`m_${col}`, mean(a.raw[col])],
        [`t_${col}`, mean(a.t[col])],
        [`s_${col}`, a.t[col].n > 0 ? Math.sqrt(Math.max(0, a.t[col].m2 / a.t[col].n)) : null],
      ]),
    ),
  }));
}

const ABC_TEXT: Record<string, string> = { A: 'top revenue', B: 'middle revenue', C: 'low revenue' };
const XYZ_TEXT: Record<string, string> = { X: 'steady order values', Y: 'variable order values', Z: 'erratic order values', S: 'single purchase' };

export interface ClusterNaming {
  /** Cluster id → centroid in original units (by column). */
  centroids: Map<number, Record<string, number>>;
  /** Cluster id → the previous model's name when the cluster continues one. */
  keptNames: Map<number, string>;
}

export interface ProfilesResult {
  clusterNames: Map<number, string>;
  riskSource: RiskSource;
  kinds: Record<SegmentKind, number>;
}

/**
 * Profiles, names and priorities of every segment of every kind, written to segment_profile.
 * Deviation z = (segment mean − population mean) / population std, on the signed-log scale for heavy-tailed
 * features so a few huge spenders do not decide every name.
 */
export async function writeProfiles(
  client: PoolClient,
  modelId: number,
  snapshotId: number,
  naming: ClusterNaming,
  lap: (label: string) => void = () => undefined,
  source: RiskSource = 'bg_nbd',
): Promise<ProfilesResult> {
  const clusterNames = new Map<number, string>();
  let riskSource: RiskSource = source;
  const kinds = { CLUSTER: 0, RFM: 0, ABC_XYZ: 0 } as Record<SegmentKind, number>;
  const all = await segmentAggregates(client, modelId, snapshotId);
  lap('aggregates');
  const total = all.find((r) => r.kind === null);
  for (const kind of ['CLUSTER', 'RFM', 'ABC_XYZ'] as SegmentKind[]) {
    const groups = all.filter((r) => r.kind === kind).sort((a, b) => String(a.key).localeCompare(String(b.key), 'en', { numeric: true }));
    if (!total || groups.length === 0) continue;
    const hasModel = total.churn_model !== null;
    if (!hasModel) riskSource = 'rfm_tier';
    const z = (g: GroupRow, col: string): number | null => {
      const m = g[`t_${col}`] as number | null;
      const pm = total[`t_${col}`] as number | null;
      const ps = total[`s_${col}`] as number | null;
      if (m === null || pm === null || ps === null) return null;
      return ps > 0 ? (m - pm) / ps : 0;
    };
    const profiles = groups.map((g) =>
      PROFILE_FEATURES.map((f) => ({ feature: f.column, mean: (g[`m_${f.column}`] as number | null) ?? null, z: z(g, f.column) })),
    );

    // Names
    let names: string[];
    if (kind === 'CLUSTER') {
      const asProfiles: ClusterProfile[] = groups.map((g, i) => {
        const zs = Object.fromEntries(profiles[i].filter((p) => p.z !== null).map((p) => [p.feature, p.z as number]));
        return { cluster: Number(g.key), size: g.size, share: g.size / total.size, centroid: {}, z: zs, features: [] };
      });
      const generated = nameClusters(asProfiles).map((n) => n.name);
      const used = new Set<string>();
      names = groups.map((g, i) => naming.keptNames.get(Number(g.key)) ?? generated[i]);
      names = names.map((n) => {
        let name = n;
        for (let s = 2; used.has(name); s++) name = `${n} ${s}`;
        used.add(name);
        return name;
      });
      groups.forEach((g, i) => clusterNames.set(Number(g.key), names[i]));
    } else if (kind === 'ABC_XYZ') {
      names = groups.map((g) => `${g.key}: ${ABC_TEXT[String(g.key)[0]] ?? ''}, ${XYZ_TEXT[String(g.key).slice(1)] ?? ''}`);
    } else {
      names = groups.map((g) => String(g.key));
    }

    const stats = groups.map((g) => ({
      key: String(g.key),
      size: g.size,
      churnRisk: Math.min(1, Math.max(0, hasModel ? (g.churn_model ?? 0) : g.churn_tier_risk)),
      valueIfRetainedTotal: g.vir_total,
      valueAtRisk: Math.max(0, g.var_total),
      avgRecencyDays: g.avg_recency_days,
    }));
    const prio = prioritize(stats);
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      const p = prio[i];
      await client.query(
        `INSERT INTO segment_profile (model_version_id, kind, segment_key, name, size, share, revenue_share, avg_recency_days,
            avg_frequency, avg_monetary, churn_risk, churn_risk_source, expected_value_total, expected_value_mean,
            priority_score, priority_rank, recommended_action, action_reason, profile, centroid, value_if_retained_total, value_at_risk)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
        [
          modelId, kind, p.key, names[i], g.size, g.size / total.size, total.revenue > 0 ? g.revenue / total.revenue : 0,
          g.avg_recency_days, g.avg_frequency, g.avg_monetary, stats[i].churnRisk, riskSource,
          hasModel ? g.clv_total : g.revenue, hasModel ? g.clv_mean : g.size ? g.revenue / g.size : null,
          p.priorityScore, p.priorityRank, p.action, `${actionText(p.action)} (${p.reason})`,
          JSON.stringify(profiles[i]),
          kind === 'CLUSTER' ? JSON.stringify(naming.centroids.get(Number(g.key)) ?? null) : null,
          g.vir_total, p.valueAtRisk,
        ],
      );
    }
    kinds[kind] = groups.length;
  }
  return { clusterNames, riskSource, kinds };
}

/** Adjusted Rand index between two models' cluster assignments, over the customers both assigned. */
export async function ariBetweenModels(client: PoolClient, previousId: number, modelId: number): Promise<{ ari: number; commonCustomers: number } | null> {
  const { rows } = await client.query<{ a: number; b: number; count: number }>(
    `SELECT p.cluster_id AS a, n.cluster_id AS b, count(*)::int AS count
       FROM customer_segment n JOIN customer_segment p ON p.customer_id = n.customer_id AND p.model_version_id = $1
      WHERE n.model_version_id = $2 GROUP BY 1, 2`,
    [previousId, modelId],
  );
  if (rows.length === 0) return null;
  return { ari: adjustedRandIndexFromContingency(rows), commonCustomers: rows.reduce((s, r) => s + r.count, 0) };
}

