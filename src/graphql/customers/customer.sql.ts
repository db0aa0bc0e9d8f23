import { FEATURES } from '../../features/catalogue';
import type { AbcXyz, ChurnEstimate, ClusterRef, RfmScore } from './customer.type';
import type { CustomerFeatures } from './customer-features.type';
import type { ChurnTier } from './customer-enums';

/**
 * The SELECT list of the statements that read customers by id through a model (lookups, loaders): the person
 * (alias `c`), the model's row (`cs`, with the cluster's name from `sp`) and the snapshot's features (`f`, as-of
 * from `m_as_of`). Columns are prefixed (s_, f_) because the three tables share names (state, frequency, …).
 * A page of customers reads its own list, only the selected columns (customer-page.ts).
 */
export const CUSTOMER_COLUMNS = `c.id AS "dbId", c.customer_unique_id AS "id", COALESCE(c.state, f.state) AS "state", c.city AS "city",
       c.zip_prefix AS "zipPrefix"`;

export const SEGMENT_COLUMNS = `cs.cluster_id AS "s_clusterId", cs.r AS "s_r", cs.f AS "s_f", cs.m AS "s_m", cs.rfm_score AS "s_rfmScore",
       cs.rfm_segment AS "s_rfmSegment", cs.churn_tier AS "s_churnTier", cs.abc AS "s_abc", cs.xyz AS "s_xyz",
       cs.p_alive AS "s_pAlive", cs.churn_probability AS "s_churnProbability",
       cs.expected_purchases_90d AS "s_expectedPurchases90d", cs.expected_avg_spend AS "s_expectedAvgSpend",
       cs.clv AS "s_clv", cs.priority_score AS "s_priorityScore", sp.name AS "s_clusterName",
       cs.value_if_retained AS "s_valueIfRetained", cs.value_at_risk AS "s_valueAtRisk"`;

/**
 * Feature columns (all, or those named), with `f_present` telling a missing feature row from NULL features and
 * the snapshot's as-of (`m_as_of`, from `asOf`, an SQL expression) when asked for.
 */
export function featureColumns(names: ReadonlySet<string> | null, asOf: string): string {
  const defs = names ? FEATURES.filter((f) => names.has(f.name)) : FEATURES;
  return [
    '(f.customer_id IS NOT NULL) AS "f_present"',
    ...(names === null || names.has('asOf') ? [`${asOf} AS "m_as_of"`] : []),
    ...defs.map((f) => `f.${f.column} AS "f_${f.name}"`),
  ].join(', ');
}

/**
 * Where counting stops for a list whose filter the summary tables do not cover: past it the count would scan
 * the model's matching rows one by one, so totalCount says "this many or more" instead.
 */
export const COUNT_LIMIT = 10_000;

export const segmentKey = (modelId: number, customerDbId: number) => `${modelId}:${customerDbId}`;
export const featureKey = (snapshotId: number, customerDbId: number) => `${snapshotId}:${customerDbId}`;

/** segment_profile of the row's cluster (for its name). Needs `cs` joined. */
export const CLUSTER_PROFILE_JOIN = `LEFT JOIN segment_profile sp
       ON sp.model_version_id = cs.model_version_id AND sp.kind = 'CLUSTER' AND sp.segment_key = cs.cluster_id::text`;

/** A customer's row of one model (customer_segment) with its cluster's name. */
export interface SegmentRow {
  clusterId: number;
  clusterName: string | null;
  r: number;
  f: number;
  m: number;
  rfmScore: number;
  rfmSegment: string;
  churnTier: ChurnTier;
  abc: string;
  xyz: string;
  pAlive: number | null;
  churnProbability: number | null;
  expectedPurchases90d: number | null;
  expectedAvgSpend: number | null;
  clv: number | null;
  priorityScore: number | null;
  valueIfRetained: number | null;
  valueAtRisk: number | null;
}

const SEGMENT_KEYS: (keyof SegmentRow)[] = [
  'clusterId', 'clusterName', 'r', 'f', 'm', 'rfmScore', 'rfmSegment', 'churnTier', 'abc', 'xyz', 'pAlive',
  'churnProbability', 'expectedPurchases90d', 'expectedAvgSpend', 'clv', 'priorityScore', 'valueIfRetained', 'valueAtRisk',
];
const SEGMENT_ALIASES = SEGMENT_KEYS.map((k) => [`s_${k}`, k] as const);
const FEATURE_ALIASES = FEATURES.map((f) => [`f_${f.name}`, f.name] as const);

type Row = Record<string, unknown>;

/** The SegmentRow of a result row holding SEGMENT_COLUMNS; null when the customer has no row in the model. */
export function segmentFromRow(row: Row): SegmentRow | null {
  if (row.s_clusterId === null || row.s_clusterId === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [alias, key] of SEGMENT_ALIASES) out[key] = row[alias];
  return out as unknown as SegmentRow;
}

/**
 * The CustomerFeatures of a result row holding featureColumns(); null without a feature row. Only the columns
 * the row holds are set (a page reads the features its query selects).
 */
export function featuresFromRow(row: Row): CustomerFeatures | null {
  if (!row.f_present) return null;
  const out: Record<string, unknown> = {};
  if ('m_as_of' in row) out.asOf = row.m_as_of;
  for (const [alias, key] of FEATURE_ALIASES) if (alias in row) out[key] = row[alias];
  return out as unknown as CustomerFeatures;
}

export function rfmOf(s: SegmentRow | null): RfmScore | null {
  return s && { r: s.r, f: s.f, m: s.m, score: s.rfmScore, segment: s.rfmSegment, churnTier: s.churnTier };
}

export function abcXyzOf(s: SegmentRow | null): AbcXyz | null {
  return s && { abc: s.abc, xyz: s.xyz, class: s.abc + s.xyz };
}

export function clusterOf(s: SegmentRow | null): ClusterRef | null {
  return s && { id: String(s.clusterId), name: s.clusterName ?? `Cluster ${s.clusterId}` };
}

export function churnFromSegment(s: SegmentRow | null): ChurnEstimate | null {
  if (!s) return null;
  if (s.pAlive === null && s.churnProbability === null && s.expectedPurchases90d === null && s.expectedAvgSpend === null && s.clv === null) {
    return null;
  }
  return {
    pAlive: s.pAlive,
    churnProbability: s.churnProbability,
    expectedPurchases90d: s.expectedPurchases90d,
    expectedAvgSpend: s.expectedAvgSpend,
    clv: s.clv,
    valueIfRetained: s.valueIfRetained,
    valueAtRisk: s.valueAtRisk,
  };
}

/** The model a statement reads, as scalar subqueries (run once, as InitPlans, so indexes on model_version_id apply). */
export function modelSql(modelId: number | null, params: unknown[]): { id: string; snapshot: string; asOf: string } {
  let where = 'is_active';
  if (modelId !== null) {
    params.push(modelId);
    where = `id = $${params.length}`;
  }
  return {
    id: `(SELECT id FROM model_version WHERE ${where})`,
    snapshot: `(SELECT snapshot_id FROM model_version WHERE ${where})`,
    asOf: `(SELECT as_of FROM model_version WHERE ${where})`,
  };
}
