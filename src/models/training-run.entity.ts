import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ModelVersion } from './model-version.entity';

export type TrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export interface StepTiming {
  step: string;
  ms: number;
}

@Entity('training_run')
@Check('training_run_status_check', `status IN ('queued', 'running', 'succeeded', 'failed')`)
@Check('training_run_progress_check', 'progress BETWEEN 0 AND 1')
/** At most one run queued or running (a unique partial index over a constant; migration 1764000000070). */
@Index('training_run_one_in_progress', { synchronize: false })
export class TrainingRun {
  @PrimaryGeneratedColumn() id: number;
  @Index('training_run_status_idx')
  @Column('text', { default: 'queued' }) status: TrainingStatus;
  @Column('jsonb', { default: () => `'{}'` }) params: Record<string, unknown>;
  /** 0–1 over the whole run. */
  @Column('double precision', { default: 0 }) progress: number;
  @Column('text', { nullable: true }) step: string | null;
  @Column('jsonb', { name: 'step_timings', default: () => `'[]'` }) stepTimings: StepTiming[];
  @Column('text', { nullable: true }) error: string | null;
  @Index('training_run_model_version_idx')
  @ForeignKey(() => ModelVersion, { name: 'training_run_model_version_fk', onDelete: 'SET NULL' })
  @Column('integer', { name: 'model_version_id', nullable: true }) modelVersionId: number | null;
  @Column('text', { name: 'requested_by', nullable: true }) requestedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('timestamptz', { name: 'heartbeat_at', nullable: true }) heartbeatAt: Date | null;
}
