import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { FeatureSnapshot } from '../features/feature-snapshot.entity';
import { TrainingRun } from './training-run.entity';

/** Everything needed to reproduce and serve one trained model. */
@Entity('model_version')
/** At most one active model, enforced by the database. */
@Index('model_version_one_active', ['isActive'], { unique: true, where: 'is_active' })
@Check('model_version_algorithm_check', "algorithm IN ('kmeans', 'gmm')")
export class ModelVersion {
  @PrimaryGeneratedColumn() id: number;
  @Column('text') name: string;
  @Column('text', { default: 'ready' }) status: string;
  @Column('boolean', { name: 'is_active', default: false }) isActive: boolean;
  @Index('model_version_training_run_idx')
  @ForeignKey(() => TrainingRun, { name: 'model_version_training_run_id_fkey', onDelete: 'SET NULL' })
  @Column('integer', { name: 'training_run_id', nullable: true }) trainingRunId: number | null;
  @Index('model_version_snapshot_idx')
  @ForeignKey(() => FeatureSnapshot, { name: 'model_version_snapshot_id_fkey', onDelete: 'SET NULL' })
  @Column('integer', { name: 'snapshot_id', nullable: true }) snapshotId: number | null;
  @Column('timestamptz', { name: 'as_of' }) asOf: Date;
  @Column('integer') seed: number;
  @Column('integer') k: number;
  /** Clustering engine; the fitted model (column kmeans) is this engine's JSON. */
  @Column('text', { default: 'kmeans' }) algorithm: string;
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
