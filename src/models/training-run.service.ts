import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/data-source';
import { conflict, notFound } from '../shared/errors';
import { TrainingRun, type StepTiming } from './training-run.entity';

/** Key of the PostgreSQL advisory lock held for the whole of a training run: one at a time per database. */
export const TRAIN_LOCK_KEY = 0x5e6e7a01;

/** Name of the unique partial index that admits one queued-or-running run (migration 1764000000070). */
export const ONE_IN_PROGRESS_INDEX = 'training_run_one_in_progress';

/** True for the unique_violation of the one-run-in-progress index. */
export function isRunInProgressViolation(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === '23505' && err.constraint === ONE_IN_PROGRESS_INDEX;
}

/** CONFLICT naming the run that is queued or running now (read after the refusal, so it is the real one). */
export async function runInProgressConflict(ds: Pick<DataSource, 'query'>) {
  const [row] = (await ds.query(`SELECT id, status FROM training_run WHERE status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`)) as {
    id: number;
    status: string;
  }[];
  return conflict(
    `a training run is already in progress${row ? ` (run ${row.id}, ${row.status})` : ''}: wait for it to finish, then retry`,
    { runningRunId: row ? String(row.id) : null },
  );
}

/**
 * Records a queued run. The database admits one queued-or-running run at a time: a second one is refused
 * with CONFLICT naming the first, whichever instance (or CLI) asked.
 */
export async function createRun(ds: DataSource, params: Record<string, unknown>, requestedBy?: string): Promise<TrainingRun> {
  let id: number;
  try {
    [{ id }] = await ds.query(
      `INSERT INTO training_run (status, params, requested_by) VALUES ('queued', $1, $2) RETURNING id`,
      [JSON.stringify(params), requestedBy ?? null],
    );
  } catch (e) {
    if (isRunInProgressViolation(e)) throw await runInProgressConflict(ds);
    throw e;
  }
  return getRun(ds, id);
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
export async function acquireTrainingLock(ds: DataSource, opts: { waitMs?: number } = {}): Promise<{ release(): Promise<void> }> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  // A short wait (queue workers) rides out a sweep that holds the lock for a moment; never a blocking wait.
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let ok = false;
  for (;;) {
    ok = (await client.query('SELECT pg_try_advisory_lock($1) AS ok', [TRAIN_LOCK_KEY])).rows[0].ok;
    if (ok || Date.now() >= deadline) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  if (!ok) {
    await qr.release();
    throw await runInProgressConflict(ds);
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

  private heartbeat: NodeJS.Timeout | undefined;

  /**
   * Claims the queued run (refusing one that is no longer queued: failed by a sweep or a shutdown meanwhile)
   * and keeps its lease alive: heartbeat_at is renewed every `heartbeatMs` even through long statements, so
   * that a silent lease means a dead or stuck process (see sweepInterruptedRuns).
   */
  async start(heartbeatMs = HEARTBEAT_MS): Promise<void> {
    const rows = (await this.ds.query(
      `UPDATE training_run SET status = 'running', started_at = now(), heartbeat_at = now(), progress = 0
        WHERE id = $1 AND status = 'queued' RETURNING id`,
      [this.runId],
    )) as unknown[];
    if (!rows.length) throw new Error(`training run ${this.runId} is no longer queued (it was failed or cancelled before it started)`);
    this.heartbeat = setInterval(() => {
      this.ds.query(`UPDATE training_run SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, [this.runId]).catch(() => undefined);
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
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
    // Fenced: a run marked failed meanwhile (lease expired, shutdown) must not turn into a success; the
    // error rolls back the caller's transaction, so its model never becomes active.
    const sql = `UPDATE training_run SET status = 'succeeded', progress = 1, step = 'done', model_version_id = $2,
                   step_timings = $3, finished_at = now(), heartbeat_at = now() WHERE id = $1 AND status = 'running' RETURNING id`;
    const args = [this.runId, modelVersionId, JSON.stringify(this.timings)];
    const rows = client ? (await client.query(sql, args)).rows : ((await this.ds.query(sql, args)) as unknown[]);
    if (!rows.length) throw new Error(`training run ${this.runId} was marked failed while it ran; its result is discarded`);
    this.stopHeartbeat();
  }

  async fail(error: string): Promise<void> {
    this.stopHeartbeat();
    const failedStep = this.step;
    this.closeStep();
    await this.pending;
    // The first reason recorded stays (e.g. "interrupted by shutdown" rather than the abort it caused).
    await this.ds.query(
      `UPDATE training_run SET status = 'failed', error = $2, step = COALESCE($3, step), step_timings = $4, finished_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [this.runId, error, failedStep || null, JSON.stringify(this.timings)],
    );
  }
}

/** How often a running training renews its lease (heartbeat_at). */
export const HEARTBEAT_MS = 5_000;

/** Marks one queued or running run failed with `reason` (no-op when it has already ended). True when it did. */
export async function markRunFailed(ds: Pick<DataSource, 'query'>, runId: number, reason: string): Promise<boolean> {
  const rows = (await ds.query(
    `UPDATE training_run SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [runId, reason],
  )) as unknown[];
  return rows.length > 0;
}

export const INTERRUPTED = 'interrupted: the process running it stopped before it finished';

/**
 * Finds runs whose process is gone and marks them failed ("interrupted"), so that the next retrain is accepted
 * without restarting anything. Any instance may call it, as often as it likes:
 * - a run executing anywhere holds the training lock for its whole life (it is claimed after the lock is
 *   taken and finished before it is released); a session that dies loses the lock with its connection. So
 *   when this call gets the lock, every 'running' row is dead;
 * - a 'queued' run is waiting for a worker as long as its job is in the queue (`jobExists`); one whose job is
 *   gone (left by an older version, or its job removed) will never start;
 * - a run whose lease expired (no heartbeat for `leaseSeconds`) while its session still holds the lock is a
 *   stuck or cut-off process: it is marked failed and that session is terminated, which fences it (its
 *   final write is conditional on 'running', and its open transaction rolls back).
 * Returns the ids it marked.
 */
export async function sweepInterruptedRuns(
  ds: DataSource,
  opts: { leaseSeconds: number; jobExists?: (runId: number) => Promise<boolean> },
): Promise<number[]> {
  // One transaction with a transaction-level try-lock (it conflicts with the session-level lock a training
  // holds), so the sweep also works through a transaction-mode pooler such as PgBouncer.
  return withTransaction(ds, async (client) => {
    const marked: number[] = [];
    const { rows } = await client.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [TRAIN_LOCK_KEY]);
    if (rows[0].ok) {
      const dead = await client.query(
        `UPDATE training_run SET status = 'failed', finished_at = now(), error = $1 WHERE status = 'running' RETURNING id`,
        [INTERRUPTED],
      );
      marked.push(...dead.rows.map((r: { id: number }) => r.id));
      const queued = await client.query(`SELECT id FROM training_run WHERE status = 'queued'`);
      for (const { id } of queued.rows as { id: number }[]) {
        if (opts.jobExists && (await opts.jobExists(id))) continue;
        const r = await client.query(
          `UPDATE training_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1 AND status = 'queued' RETURNING id`,
          [id, 'interrupted: its queued job is gone, so it would never start'],
        );
        if (r.rowCount) marked.push(id);
      }
      return marked;
    }
    const stale = await client.query(
      `UPDATE training_run SET status = 'failed', finished_at = now(),
              error = 'interrupted: its process stopped renewing the lease (no heartbeat for ' || $1::int || ' s)'
        WHERE status = 'running' AND COALESCE(heartbeat_at, started_at, created_at) < now() - make_interval(secs => $1::int)
        RETURNING id`,
      [opts.leaseSeconds],
    );
    if (stale.rows.length) {
      marked.push(...stale.rows.map((r: { id: number }) => r.id));
      await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()`,
        [TRAIN_LOCK_KEY],
      );
    }
    return marked;
  });
}

/**
 * Called at start: marks runs left behind by a process that died (see sweepInterruptedRuns). Returns how many.
 */
export async function recoverInterruptedRuns(ds: DataSource, opts: { leaseSeconds?: number; jobExists?: (runId: number) => Promise<boolean> } = {}): Promise<number> {
  return (await sweepInterruptedRuns(ds, { leaseSeconds: opts.leaseSeconds ?? 30, jobExists: opts.jobExists })).length;
}
