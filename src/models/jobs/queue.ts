import { Logger, runMigrations, type LogFunctionFactory } from 'graphile-worker';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { withTransaction } from '../../db/data-source';
import { isRunInProgressViolation, runInProgressConflict } from '../training-run.service';
import type { TrainingRun } from '../training-run.entity';
import { getRun } from '../training-run.service';

/**
 * The training queue is graphile-worker's (schema `graphile_worker`, created and upgraded by the library
 * itself): a job is one row there, picked by a worker with SKIP LOCKED and announced by NOTIFY, so any
 * instance may enqueue and any worker may run. A retrain is a `training_run` row (what the API shows) plus a
 * job naming it, written in ONE transaction: there is never a queued run without its job or a job without
 * its run. The run row's one-in-progress index refuses a second retrain before any job is written.
 */
export const RETRAIN_TASK = 'segmenta_retrain';
export const QUEUE_SCHEMA = 'graphile_worker';

export interface RetrainJob {
  runId: number;
}

/**
 * The pg pool under a TypeORM data source (the queue shares it rather than opening its own). A client that
 * loses its connection while idle emits 'error'; unhandled, that would end the process, so every client gets
 * a handler (the query in flight, if any, still rejects with the error).
 */
export function poolOf(ds: DataSource): Pool {
  const pool = (ds.driver as PostgresDriver).master as Pool;
  if (pool.listeners('connect').length === 0) {
    pool.on('connect', (client) => client.on('error', () => undefined));
  }
  if (pool.listeners('error').length === 0) pool.on('error', () => undefined);
  return pool;
}

/** graphile-worker's log lines, sent to `log` (warnings and errors only: its info lines are per job). */
export function queueLogger(log: (level: string, message: string) => void): Logger {
  const factory: LogFunctionFactory = () => (level, message) => {
    if (level === 'error' || level === 'warning') log(level, message);
  };
  return new Logger(factory);
}

const migrated = new WeakMap<DataSource, Promise<void>>();

/** Creates or upgrades the queue's schema once per data source (idempotent; safe from several instances). */
export function ensureQueue(ds: DataSource): Promise<void> {
  let p = migrated.get(ds);
  if (!p) {
    p = runMigrations({ pgPool: poolOf(ds), logger: queueLogger(() => undefined) });
    migrated.set(ds, p);
    p.catch(() => migrated.delete(ds));
  }
  return p;
}

/**
 * Records a queued run with `params` and enqueues its job, atomically. CONFLICT (naming the run in
 * progress) when one is queued or running anywhere.
 */
export async function enqueueRetrain(ds: DataSource, params: Record<string, unknown>, requestedBy: string | null): Promise<TrainingRun> {
  await ensureQueue(ds);
  let runId: number;
  try {
    runId = await withTransaction(ds, async (client) => {
      const {
        rows: [{ id }],
      } = await client.query(`INSERT INTO training_run (status, params, requested_by) VALUES ('queued', $1, $2) RETURNING id`, [
        JSON.stringify(params),
        requestedBy,
      ]);
      await client.query(`SELECT ${QUEUE_SCHEMA}.add_job($1, $2::json, job_key := $3, max_attempts := 1)`, [
        RETRAIN_TASK,
        JSON.stringify({ runId: id } satisfies RetrainJob),
        jobKey(id),
      ]);
      return id as number;
    });
  } catch (e) {
    if (isRunInProgressViolation(e)) throw await runInProgressConflict(ds);
    throw e;
  }
  return getRun(ds, runId);
}

export function jobKey(runId: number): string {
  return `${RETRAIN_TASK}:${runId}`;
}

/** True while the run's job can still run: waiting with attempts left, or held by a worker. */
export async function retrainJobExists(ds: Pick<DataSource, 'query'>, runId: number): Promise<boolean> {
  const rows = (await ds.query(`SELECT 1 FROM ${QUEUE_SCHEMA}.jobs WHERE key = $1 AND (locked_at IS NOT NULL OR attempts < max_attempts)`, [jobKey(runId)]).catch((e: { code?: string }) => {
    if (e.code === '42P01' || e.code === '3F000') return []; // no queue schema yet: no job can exist
    throw e;
  })) as unknown[];
  return rows.length > 0;
}
