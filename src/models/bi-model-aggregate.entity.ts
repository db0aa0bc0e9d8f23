import { Column, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ModelVersion } from './model-version.entity';

/**
 * The BI summaries of one model version, written by the train pipeline in the version's own transaction.
 * A version's rows never change, so the summaries over them (geo, RFM grid, overlap) hold for its life; the
 * ones that also read the warehouse (timeline, counts by state) hold for warehouse load `load_no` and are
 * rebuilt for the active model by every load.
 */
@Entity('bi_model_aggregate')
export class BiModelAggregate {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_model_aggregate_pkey' }) modelVersionId: number;
  @OneToOne(() => ModelVersion, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_version_id', foreignKeyConstraintName: 'bi_model_aggregate_model_version_id_fkey' })
  model: Relation<ModelVersion>;
  /** The feature snapshot the summaries read (the model's snapshot when they were built). */
  @Column('integer', { name: 'snapshot_id', nullable: true }) snapshotId: number | null;
  /** The warehouse load the timeline and the state counts were built over. */
  @Column('integer', { name: 'load_no', nullable: true }) loadNo: number | null;
  @Column('timestamptz', { name: 'built_at', default: () => 'now()' }) builtAt: Date;
}

const fk = (table: string) => ({ name: 'model_version_id', foreignKeyConstraintName: `${table}_model_version_id_fkey` });

/** Timeline cells of a model: per (month, series) active buyers, purchase orders and revenue (exact). */
@Entity('bi_timeline_cell')
export class BiTimelineCell {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_timeline_cell_pkey' }) modelVersionId: number;
  /** The UTC month (its first day). */
  @PrimaryColumn('date', { primaryKeyConstraintName: 'bi_timeline_cell_pkey' }) month: string;
  /** "all", "tier:<churn tier>" or "segment:<RFM segment>". */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_timeline_cell_pkey' }) series: string;
  @Column('integer') active: number;
  @Column('integer') orders: number;
  /** Revenue in the store's currency, summed exactly. */
  @Column('numeric') revenue: string;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_timeline_cell')) aggregate: Relation<BiModelAggregate>;
}

/** Per state of a model's feature snapshot: customers, mean churn risk and revenue. */
@Entity('bi_geo_state')
export class BiGeoState {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_geo_state_pkey' }) modelVersionId: number;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_geo_state_pkey' }) state: string;
  @Column('integer') customers: number;
  @Column('double precision', { name: 'churn_risk', nullable: true }) churnRisk: number | null;
  @Column('double precision') revenue: number;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_geo_state')) aggregate: Relation<BiModelAggregate>;
}

/** Customers per (state, RFM segment) of a model's feature snapshot. */
@Entity('bi_geo_segment')
export class BiGeoSegment {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_geo_segment_pkey' }) modelVersionId: number;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_geo_segment_pkey' }) state: string;
  @PrimaryColumn('text', { name: 'rfm_segment', primaryKeyConstraintName: 'bi_geo_segment_pkey' }) rfmSegment: string;
  @Column('integer') customers: number;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_geo_segment')) aggregate: Relation<BiModelAggregate>;
}

/** Customers and revenue per (R score, F score) of a model. */
@Entity('bi_rfm_cell')
export class BiRfmCell {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_rfm_cell_pkey' }) modelVersionId: number;
  @PrimaryColumn('smallint', { primaryKeyConstraintName: 'bi_rfm_cell_pkey' }) r: number;
  @PrimaryColumn('smallint', { primaryKeyConstraintName: 'bi_rfm_cell_pkey' }) f: number;
  @Column('integer') customers: number;
  @Column('double precision') revenue: number;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_rfm_cell')) aggregate: Relation<BiModelAggregate>;
}

/** Customers per (RFM segment, cluster) of a model: the overlap table, and the list's counts by segment and cluster. */
@Entity('bi_segment_overlap')
export class BiSegmentOverlap {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_segment_overlap_pkey' }) modelVersionId: number;
  @PrimaryColumn('text', { name: 'rfm_segment', primaryKeyConstraintName: 'bi_segment_overlap_pkey' }) rfmSegment: string;
  @PrimaryColumn('integer', { name: 'cluster_id', primaryKeyConstraintName: 'bi_segment_overlap_pkey' }) clusterId: number;
  @Column('integer') customers: number;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_segment_overlap')) aggregate: Relation<BiModelAggregate>;
}

/** Customers per (list state, RFM segment, cluster) of a model: the list's counts filtered by state. */
@Entity('bi_state_count')
export class BiStateCount {
  @PrimaryColumn('integer', { name: 'model_version_id', primaryKeyConstraintName: 'bi_state_count_pkey' }) modelVersionId: number;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_state_count_pkey' }) state: string;
  @PrimaryColumn('text', { name: 'rfm_segment', primaryKeyConstraintName: 'bi_state_count_pkey' }) rfmSegment: string;
  @PrimaryColumn('integer', { name: 'cluster_id', primaryKeyConstraintName: 'bi_state_count_pkey' }) clusterId: number;
  @Column('integer') customers: number;
  @ManyToOne(() => BiModelAggregate, { onDelete: 'CASCADE' }) @JoinColumn(fk('bi_state_count')) aggregate: Relation<BiModelAggregate>;
}

export const biModelEntities = [BiModelAggregate, BiTimelineCell, BiGeoState, BiGeoSegment, BiRfmCell, BiSegmentOverlap, BiStateCount];
