import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('backtest_run')
@Check('backtest_run_status_check', `status IN ('running', 'succeeded', 'failed')`)
export class BacktestRun {
  @PrimaryGeneratedColumn() id: number;
  @Column('text') status: 'running' | 'succeeded' | 'failed';
  @Column('timestamptz') cutoff: Date;
  @Column('integer', { name: 'horizon_days' }) horizonDays: number;
  @Column('jsonb', { default: () => `'{}'` }) params: Record<string, unknown>;
  @Column('jsonb', { nullable: true }) results: Record<string, unknown> | null;
  @Column('text', { nullable: true }) error: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
}
