import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type FeatureSnapshotStatus = 'computing' | 'ready' | 'failed';

/** One computation of every customer's features at a reference date `asOf`. */
@Entity('feature_snapshot')
@Check('feature_snapshot_status_check', `status IN ('computing', 'ready', 'failed')`)
@Index('feature_snapshot_status_idx', ['status', 'asOf'])
export class FeatureSnapshot {
  @PrimaryGeneratedColumn() id: number;
  /** Only facts strictly before this instant count. */
  @Column('timestamptz', { name: 'as_of' }) asOf: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('integer', { nullable: true }) customers: number | null;
  @Column('integer', { name: 'duration_ms', nullable: true }) durationMs: number | null;
  @Column('text', { default: 'computing' }) status: FeatureSnapshotStatus;
}
