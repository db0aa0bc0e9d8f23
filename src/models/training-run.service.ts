import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { conflict, notFound } from '../shared/errors';
import { TrainingRun, type StepTiming } from './training-run.entity';

/** Key of the PostgreSQL advisory lock held for the whole of a training run: one at a time per database. */
export const TRAIN_LOCK_KEY = 0x5e6e7a01;

export async function createRun(ds: DataSource, params: Record<string, unknown>, requestedBy?: string): Promise<TrainingRun> {
  const [row] = await ds.query(
    `INSERT INTO training_run (status, params, requested_by) VALUES ('queued', $1, $2) RETURNING id`,
    [JSON.stringify(params), requestedBy ?? null],
  );
  return getRun(ds, row.id);
}

export async function getRun(ds: DataSource, id: number): Promise<TrainingRun> {
  const run = await ds.getRepository(TrainingRun).findOneBy({ id });
  if (!run) throw notFound(`training run ${id} does not exist`, { id });
  return run;
}

export async function runningRun(ds: DataSource): Promise<TrainingRun | null> {
  return ds.getRepository(TrainingRun).findOne({ where: [{ status: 'running' }, { status: 'queued' }], order: { id: 'DESC' } });
}

/**
 * Takes the training lock on a dedicated connection and keeps it until `release()`. Refuses with CONFLICT
 * when another training holds it (in this process or any other sharing the database).
 */
export async function acquireTrainingLock(ds: DataSource): Promise<{ release(): Promise<void> }> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [TRAIN_LOCK_KEY]);
  if (!rows[0].ok) {
    await qr.release();
    const running = await runningRun(ds);
    throw conflict(`a training run is already in progress${running ? ` (run ${running.id})` : ''}; wait for it to finish`, {
      runningRunId: running?.id ?? null,
    });
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('SELECT pg_advisory_unlock($1)', [TRAIN_LOCK_KEY]).catch(() => undefined);
      await qr.release();
    },
  };
}

/** Tracks a run's progress in its row. Writes are throttled so that tight loops can report freely. */
export class RunTracker {
  private timings: StepTiming[] = [];
  private stepStarted = Date.now();
  private step = '';
  private lastWrite = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ds: DataSource,
    readonly runId: number,
    /** Each step's share of the whole run, in order. */
    private readonly weights: Record<string, number>,
  ) {}

  async start(): Promise<void> {
    await this.ds.query(
      `UPDATE training_run SET status = 'running', started_at = now(), heartbeat_at = now(), progress = 0 WHERE id = $1`,
      [this.runId],
    );
  }

  /** Enters `step` (closing the previous one's timing). */
  enter(step: string): void {
    this.closeStep();
    this.step = step;
    this.stepStarted = Date.now();
    this.write(0, true);
  }

  /** Progress within the current step, 0–1. */
  report(fraction: number): void {
    this.write(Math.min(1, Math.max(0, fraction)), false);
  }

  get stepTimings(): StepTiming[] {
    return this.timings;
  }

  private closeStep(): void {
    if (this.step) this.timings.push({ step: this.step, ms: Date.now() - this.stepStarted });
    this.step = '';
  }

  private overall(fraction: number): number {
    const steps = Object.keys(this.weights);
    const total = steps.reduce((a, s) => a + this.weights[s], 0) || 1;
    const idx = steps.indexOf(this.step);
    const before = steps.slice(0, Math.max(0, idx)).reduce((a, s) => a + this.weights[s], 0);
    const here = idx >= 0 ? this.weights[this.step] * fraction : 0;
    return Math.min(0.999, (before + here) / total);
  }

  private write(fraction: number, force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastWrite < 250) return;
    this.lastWrite = now;
    const progress = this.overall(fraction);
    const step = this.step;
    const timings = JSON.stringify(this.timings);
    this.pending = this.pending
      .then(() =>
        this.ds.query(
          `UPDATE training_run SET step = $2, progress = GREATEST(progress, $3), step_timings = $4, heartbeat_at = now() WHERE id = $1`,
          [this.runId, step, progress, timings],
        ),
      )
      .catch(() => undefined); // progress is best effort; the final state is written by succeed()/fail()
  }

  async succeed(modelVersionId: number, client?: PoolClient): Promise<void> {
    this.closeStep();
    await this.pending;
    const sql = `UPDATE training_run SET status = 'succeeded', progress = 1, step = 'done', model_version_id = $2,
                   step_timings = $3, finished_at = now(), heartbeat_at = now() WHERE id = $1`;
    const args = [this.runId, modelVersionId, JSON.stringify(this.timings)];
    if (client) await client.query(sql, args);
    else await this.ds.query(sql, args);
  }

  async fail(error: string): Promise<void> {
    const failedStep = this.step;
    this.closeStep();
    await this.pending;
    await this.ds.query(
      `UPDATE training_run SET status = 'failed', error = $2, step = $3, step_timings = $4, finished_at = now() WHERE id = $1`,
      [this.runId, error, failedStep || null, JSON.stringify(this.timings)],
    );
  }
}

/**
 * A process that died mid-training leaves its run 'running' (or 'queued') forever. When nobody holds the
 * training lock, no run can really be in progress, so such rows are marked failed. Returns how many.
 */
export async function recoverInterruptedRuns(ds: DataSource): Promise<number> {
  let lock: { release(): Promise<void> };
  try {
    lock = await acquireTrainingLock(ds);
  } catch {
    return 0; // a training is genuinely running somewhere
  }
  try {
    const [{ n }] = await ds.query(
      `WITH u AS (
         UPDATE training_run SET status = 'failed', finished_at = now(),
                error = 'interrupted: the process running it stopped before it finished'
          WHERE status IN ('queued', 'running') RETURNING id)
       SELECT count(*)::int AS n FROM u`,
    );
    return n as number;
  } finally {
    await lock.release();
  }
}
