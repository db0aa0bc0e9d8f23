import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Everything needed to reproduce and serve one trained model. */
@Entity('model_version')
export class ModelVersion {
  @PrimaryGeneratedColumn() id: number;
  @Column('text') name: string;
  @Column('text') status: string;
  @Column('boolean', { name: 'is_active' }) isActive: boolean;
  @Column('integer', { name: 'training_run_id', nullable: true }) trainingRunId: number | null;
  @Column('integer', { name: 'snapshot_id', nullable: true }) snapshotId: number | null;
  @Column('timestamptz', { name: 'as_of' }) asOf: Date;
  @Column('integer') seed: number;
  @Column('integer') k: number;
  @Column('integer') customers: number;
  @Column('jsonb') params: Record<string, unknown>;
  @Column('jsonb', { name: 'feature_names' }) featureNames: string[];
  @Column('jsonb') imputation: Record<string, number>;
  @Column('jsonb') scaler: unknown;
  @Column('jsonb') kmeans: unknown;
  @Column('jsonb') classifier: unknown;
  @Column('jsonb', { name: 'churn_model', nullable: true }) churnModel: unknown;
  @Column('jsonb') priority: unknown;
  @Column('jsonb', { nullable: true }) projection: unknown;
  @Column('jsonb') metrics: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'activated_at', nullable: true }) activatedAt: Date | null;
}
