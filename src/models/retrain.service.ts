import type { DataSource } from 'typeorm';
import { invalidateModelCache, SERVABLE_STATUS, warmActiveModel } from './serving/classify.service';
import { config } from '../config';
import { badInput } from '../shared/errors';
import { sweepOnce } from './jobs/instance';
import { enqueueRetrain, ensureQueue } from './jobs/queue';
import { validateTrainRequest } from './train-request';
import { activateModel as activateInRegistry } from './model-registry.service';
import { runInProgressConflict, TRAIN_LOCK_KEY } from './training-run.service';
import type { TrainingRun } from './training-run.entity';
import type { TrainOptions } from './train.pipeline';

/**
 * Retraining as a job on the PostgreSQL queue (src/models/jobs/). `startRetrain` validates, records a queued
 * run and its job in one transaction and returns the run at once; a queue worker (inside the API, or a
 * separate `segmenta worker`) executes it through train(), which holds the database's training lock, writes
 * its progress and heartbeat to the run's row (readable via trainingRun(id)) and switches the active model
 * only when every step has succeeded.
 *
 * One run at a time across every instance: the run table admits one queued-or-running row (a unique
 * index), so a second request is refused with CONFLICT naming the run in progress, not queued behind it,
 * so that nobody waits on a run they cannot see. A run whose process dies is marked failed by the next
 * sweep of any instance (src/models/jobs/instance.ts).
 */

export interface RetrainRequest {
  /** Clustering engine ('kmeans' or 'gmm'); omitted = 'kmeans'. */
  algorithm?: string | null;
  /** Number of clusters, 2–50; omitted = chosen by silhouette. */
  k?: number | null;
  /** The single-day buyers as a cluster of their own; omitted = false. */
  singleDayCluster?: boolean | null;
  /** Seed of every random choice, ≥ 0; omitted = 42. */
  seed?: number | null;
  /** Reference date of the features; omitted = the day after the last purchase. */
  asOf?: Date | null;
  /** Who asked (an API key's id). */
  requestedBy?: string | null;
  /** Why, in words; stored in the run's params (params.note), trimmed, up to NOTE_MAX characters. */
  note?: string | null;
}

export interface RetrainOptions {
  /** Extra train() options, stored with the run (tests use these for small, fast runs). */
  train?: Pick<TrainOptions, 'kMax' | 'fitSampleSize' | 'failAt'>;
}

/** Runs this process enqueued, with their database, until they end (waitForRetrain). */
const enqueued = new Map<number, DataSource>();

/**
 * Resolves when every run this process enqueued has ended (succeeded or failed), wherever it executed, or
 * after `timeoutMs`. For tests and scripts.
 */
export async function waitForRetrain(timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (enqueued.size && Date.now() < deadline) {
    for (const [runId, ds] of [...enqueued]) {
      if (!ds.isInitialized) {
        enqueued.delete(runId);
        continue;
      }
      const [row] = (await ds.query(`SELECT status FROM training_run WHERE id = $1`, [runId]).catch(() => [])) as { status: string }[];
      if (!row || row.status === 'succeeded' || row.status === 'failed') enqueued.delete(runId);
    }
    if (enqueued.size) await new Promise((res) => setTimeout(res, 100));
  }
}

/** True when any session of this database holds the training lock (a run is executing somewhere). */
async function trainingLockHeld(ds: DataSource): Promise<boolean> {
  const [row] = (await ds.query(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1) AS held`,
    [TRAIN_LOCK_KEY],
  )) as { held: boolean }[];
  return row.held;
}

/**
 * Records a queued run and its job; returns the run at once. One at a time: CONFLICT (details.runningRunId)
 * when a run is queued or running anywhere (the database refuses the second row), or when a training outside
 * the queue holds the lock — checked before anything is written, so refused requests leave no rows behind.
 */
export async function startRetrain(ds: DataSource, r: RetrainRequest, opts: RetrainOptions = {}): Promise<TrainingRun> {
  await validateTrainRequest(ds, r, { argument: 'input' });
  if (await trainingLockHeld(ds)) throw await runInProgressConflict(ds);
  const params = { algorithm: r.algorithm ?? undefined, k: r.k ?? 'auto', singleDayCluster: r.singleDayCluster ?? false, seed: r.seed ?? 42, asOf: r.asOf?.toISOString() ?? null, requestedBy: r.requestedBy ?? null, note: r.note?.trim() || null, ...opts.train };
  const run = await enqueueRetrain(ds, params, r.requestedBy ?? null);
  enqueued.set(run.id, ds);
  return run;
}

/** Makes model `id` the active one (rollback or roll forward) and drops the classifier cache. */
export async function activateModelVersion(ds: DataSource, id: number) {
  const [row] = (await ds.query(`SELECT id, status FROM model_version WHERE id = $1`, [id])) as { id: number; status: string }[];
  if (row && row.status !== SERVABLE_STATUS) {
    throw badInput(`model version ${id} is a ${row.status} model (trained for evaluation) and cannot serve; activate a model with status "${SERVABLE_STATUS}"`, { argument: 'id' });
  }
  const m = await activateInRegistry(ds, id); // NOT_FOUND for an unknown id; notifies every instance
  invalidateModelCache();
  await warmActiveModel(ds).catch(() => undefined); // a cold cache only costs the next request time
  return m;
}

/**
 * Called once when a process attached to the database starts: the queue's schema is created or upgraded, runs
 * left behind by a process that died are marked failed (see sweepInterruptedRuns), then the active model is
 * loaded into the classification cache. Returns how many runs were marked and the active model's id.
 */
export async function onServerStart(ds: DataSource): Promise<{ interruptedRuns: number; activeModelId: number | null; warmError?: string }> {
  await ensureQueue(ds);
  const interruptedRuns = (await sweepOnce(ds, config().TRAINING_LEASE_SECONDS)).length;
  try {
    return { interruptedRuns, activeModelId: await warmActiveModel(ds) };
  } catch (e) {
    // The server still starts; classification reports the problem when it is asked for.
    return { interruptedRuns, activeModelId: null, warmError: e instanceof Error ? e.message : String(e) };
  }
}
