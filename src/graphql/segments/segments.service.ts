import type { DataSource } from 'typeorm';
import { actionText, GROWTH_ACTIONS, type RecommendedAction } from '../../segmentation/priority';
import type { CustomerListFilter } from '../customers/customer.service';
import type { FeatureDeviation, Segment } from './segment.type';
import { segmentId, type SegmentRef } from '../../models/segment-id';
import { SegmentKind } from './segment-kind.enum';

type Db = Pick<DataSource, 'query'>;

interface SegmentRow {
  modelId: number;
  kind: SegmentKind;
  key: string;
  name: string;
  size: number;
  share: number;
  revenueShare: number;
  avgRecencyDays: number | null;
  avgFrequency: number | null;
  avgMonetary: number | null;
  churnRisk: number | null;
  churnRiskSource: string;
  expectedValueTotal: number | null;
  expectedValueMean: number | null;
  valueIfRetainedTotal: number | null;
  valueAtRisk: number | null;
  priorityScore: number;
  priorityRank: number;
  recommendedAction: string;
  actionReason: string | null;
  profile: FeatureDeviation[];
}

/** A Segment as served, with the parts the `customers` field needs. */
export type SegmentNode = Segment & { ref: SegmentRef };

const COLUMNS = `model_version_id AS "modelId", kind, segment_key AS "key", name, size, share, revenue_share AS "revenueShare",
       avg_recency_days AS "avgRecencyDays", avg_frequency AS "avgFrequency", avg_monetary AS "avgMonetary",
       churn_risk AS "churnRisk", churn_risk_source AS "churnRiskSource", expected_value_total AS "expectedValueTotal",
       expected_value_mean AS "expectedValueMean", value_if_retained_total AS "valueIfRetainedTotal", value_at_risk AS "valueAtRisk", priority_score AS "priorityScore", priority_rank AS "priorityRank",
       recommended_action AS "recommendedAction", action_reason AS "actionReason", profile`;

function toNode(r: SegmentRow): SegmentNode {
  const ref = { modelId: r.modelId, kind: r.kind, key: r.key };
  const text = actionText(r.recommendedAction as RecommendedAction) ?? r.recommendedAction;
  // The stored reason reads "<action text> (<why>)": serve the why alone next to actionText.
  const prefix = `${text} (`;
  const reason = r.actionReason && r.actionReason.startsWith(prefix) && r.actionReason.endsWith(')') ? r.actionReason.slice(prefix.length, -1) : r.actionReason;
  return {
    ...r,
    ref,
    id: segmentId(ref),
    modelId: String(r.modelId),
    actionText: text,
    actionReason: reason,
    growth: GROWTH_ACTIONS.includes(r.recommendedAction as RecommendedAction),
    profile: (r.profile ?? []).map((p) => ({ feature: p.feature, mean: p.mean ?? null, z: p.z ?? null })),
  };
}

/** Segments of one kind of model `modelId` (an existing id), by priority rank. */
export async function listSegments(ds: Db, modelId: number, kind: SegmentKind): Promise<SegmentNode[]> {
  const rows = (await ds.query(
    `SELECT ${COLUMNS} FROM segment_profile WHERE model_version_id = $1 AND kind = $2 ORDER BY priority_rank, segment_key`,
    [modelId, kind],
  )) as SegmentRow[];
  return rows.map(toNode);
}

/** One segment, or null when the model or the segment does not exist. */
export async function getSegment(ds: Db, ref: SegmentRef): Promise<SegmentNode | null> {
  const rows = (await ds.query(`SELECT ${COLUMNS} FROM segment_profile WHERE model_version_id = $1 AND kind = $2 AND segment_key = $3`, [
    ref.modelId,
    ref.kind,
    ref.key,
  ])) as SegmentRow[];
  return rows.length ? toNode(rows[0]) : null;
}

/** The customer-list filter that selects exactly a segment's members. */
export function segmentCustomerFilter(ref: SegmentRef): CustomerListFilter {
  switch (ref.kind) {
    case SegmentKind.CLUSTER:
      return { clusterId: ref.key };
    case SegmentKind.RFM:
      return { rfmSegment: ref.key };
    case SegmentKind.ABC_XYZ:
      return { abc: ref.key.slice(0, 1), xyz: ref.key.slice(1) };
  }
}
