import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type TrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export interface StepTiming {
  step: string;
  ms: number;
}

@Entity('training_run')
/** At most one run queued or running (a unique partial index over a constant; migration 1764000000070). */
@Index('training_run_one_in_progress', { synchronize: false })
export class TrainingRun {
  @PrimaryGeneratedColumn() id: number;
  @Column('text') status: TrainingStatus;
  @Column('jsonb') params: Record<string, unknown>;
  /** 0–1 over the whole run. */
  @Column('double precision') progress: number;
  @Column('text', { nullable: true }) step: string | null;
  @Column('jsonb', { name: 'step_timings' }) stepTimings: StepTiming[];
  @Column('text', { nullable: true }) error: string | null;
  @Column('integer', { name: 'model_version_id', nullable: true }) modelVersionId: number | null;
  @Column('text', { name: 'requested_by', nullable: true }) requestedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('timestamptz', { name: 'heartbeat_at', nullable: true }) heartbeatAt: Date | null;
}
