import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ModelVersion } from './model-version.entity';

export type SegmentKind = 'CLUSTER' | 'RFM' | 'ABC_XYZ';
export interface FeatureDeviation {
  feature: string;
  mean: number | null;
  z: number | null;
}

/** A segment of one model version (a cluster, an RFM segment or an ABC/XYZ class) with its priority. */
@Entity('segment_profile')
@Check('segment_profile_kind_check', `kind IN ('CLUSTER', 'RFM', 'ABC_XYZ')`)
export class SegmentProfile {
  @ForeignKey(() => ModelVersion, { name: 'segment_profile_model_version_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'model_version_id' }) modelVersionId: number;
  @PrimaryColumn('text') kind: SegmentKind;
  @PrimaryColumn('text', { name: 'segment_key' }) segmentKey: string;
  @Column('text') name: string;
  @Column('integer') size: number;
  @Column('double precision') share: number;
  @Column('double precision', { name: 'revenue_share' }) revenueShare: number;
  @Column('double precision', { name: 'avg_recency_days', nullable: true }) avgRecencyDays: number | null;
  @Column('double precision', { name: 'avg_frequency', nullable: true }) avgFrequency: number | null;
  @Column('double precision', { name: 'avg_monetary', nullable: true }) avgMonetary: number | null;
  @Column('double precision', { name: 'churn_risk', nullable: true }) churnRisk: number | null;
  /** 'bg_nbd' when churn risk is the members' mean model churn probability; 'rfm_tier' when it is the RFM tier share. */
  @Column('text', { name: 'churn_risk_source' }) churnRiskSource: string;
  @Column('double precision', { name: 'expected_value_total', nullable: true }) expectedValueTotal: number | null;
  @Column('double precision', { name: 'expected_value_mean', nullable: true }) expectedValueMean: number | null;
  /** Σ members' value if retained (currency units, CLV horizon, discounted). */
  @Column('double precision', { name: 'value_if_retained_total', nullable: true }) valueIfRetainedTotal: number | null;
  /** Σ members' churn probability × value if retained. */
  @Column('double precision', { name: 'value_at_risk', nullable: true }) valueAtRisk: number | null;
  @Column('double precision', { name: 'priority_score' }) priorityScore: number;
  @Column('integer', { name: 'priority_rank' }) priorityRank: number;
  @Column('text', { name: 'recommended_action' }) recommendedAction: string;
  @Column('text', { name: 'action_reason', nullable: true }) actionReason: string | null;
  @Column('jsonb', { default: () => `'[]'` }) profile: FeatureDeviation[];
  @Column('jsonb', { nullable: true }) centroid: Record<string, number> | null;
}
