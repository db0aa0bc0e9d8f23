import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import { invalidateModelCache, SERVABLE_STATUS, warmActiveModel } from '../classifier/classify.service';
import { badInput, conflict } from '../shared/errors';
import { activateModel as activateInRegistry } from './model-registry.service';
import { createRun, recoverInterruptedRuns, runningRun, TRAIN_LOCK_KEY } from './training-run.service';
import type { TrainingRun } from './training-run.entity';
import { train, type TrainOptions, type TrainResult } from './train.pipeline';

/**
 * Retraining as a background job of the API process. `startRetrain` validates, refuses while a training is
 * in progress anywhere (CONFLICT naming the running run), records a queued run and returns it at once; the
 * run then executes in this process through train(), which holds the database's training lock, writes its
 * progress to the run's row (readable via trainingRun(id)) and switches the active model only when every step
 * has succeeded. A process that dies mid-run leaves the row 'running': onServerStart marks such rows failed
 * (the active model was never touched).
 *
 * One run per process at a time (a module-level slot), and one per database (the advisory lock): a second
 * request is refused, not queued, so that nobody waits on a run they cannot see.
 */

export interface RetrainRequest {
  /** Number of clusters, 2–50; omitted = chosen by silhouette. */
  k?: number | null;
  /** Seed of every random choice, ≥ 0; omitted = 42. */
  seed?: number | null;
  /** Reference date of the features; omitted = the day after the last purchase. */
  asOf?: Date | null;
  /** Who asked (an API key's id). */
  requestedBy?: string | null;
  /** Why, in words; stored in the run's params (params.note), trimmed, up to NOTE_MAX characters. */
  note?: string | null;
}

export const NOTE_MAX = 500;

export interface RetrainOptions {
  /** Extra train() options (tests use these for small, fast runs). */
  train?: Pick<TrainOptions, 'kMax' | 'fitSampleSize' | 'failAt'>;
  /** Called with the outcome when the background run ends. */
  onDone?: (outcome: { runId: number; result?: TrainResult; error?: unknown }) => void;
}

const SEED_MAX = 2_147_483_647; // model_version.seed is an integer column

/**
 * Runs a function outside the async context of whoever called (captured at load, where no request context
 * exists): the background run must not count its statements towards the request that started it.
 */
const detached = AsyncLocalStorage.snapshot();

/** The one background run of this process, if any. */
let inFlight: { runId: number | null; done: Promise<void> } | null = null;

/** Resolves when this process's background run (if any) has ended (for a graceful shutdown, and for tests). */
export async function waitForRetrain(): Promise<void> {
  while (inFlight) await inFlight.done;
}

/** Id of the run this process is executing, or null. */
export function retrainInProgress(): number | null {
  return inFlight?.runId ?? null;
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

/** Validates a retrain request; BAD_USER_INPUT naming `input.<field>`. */
export async function validateRetrain(ds: DataSource, r: RetrainRequest): Promise<void> {
  const bad = (field: string, why: string) => badInput(`input.${field} ${why}`, { argument: 'input', field: `input.${field}` });
  if (r.k !== undefined && r.k !== null && (!Number.isInteger(r.k) || r.k < 2 || r.k > 50)) throw bad('k', `must be an integer from 2 to 50, got ${String(r.k)}`);
  if (r.seed !== undefined && r.seed !== null && (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > SEED_MAX)) {
    throw bad('seed', `must be an integer from 0 to ${SEED_MAX}, got ${String(r.seed)}`);
  }
  if (r.note !== undefined && r.note !== null && (typeof r.note !== 'string' || r.note.trim().length > NOTE_MAX)) {
    throw bad('note', `must be text of at most ${NOTE_MAX} characters`);
  }
  if (r.asOf !== undefined && r.asOf !== null) {
    if (!(r.asOf instanceof Date) || Number.isNaN(r.asOf.getTime())) throw bad('asOf', 'must be a valid date-time');
    if (r.asOf.getTime() > Date.now()) throw bad('asOf', `(${r.asOf.toISOString()}) is in the future`);
    const [{ first }] = (await ds.query(`SELECT min(purchased_at) AS first FROM order_fact WHERE is_purchase`)) as { first: Date | null }[];
    if (!first) throw badInput('the warehouse has no purchase orders: there is nothing to train on', { argument: 'input' });
    if (r.asOf.getTime() <= new Date(first).getTime()) {
      throw bad('asOf', `(${r.asOf.toISOString()}) must be after the first purchase (${new Date(first).toISOString()})`);
    }
  }
}

/**
 * Queues a training run and starts it in the background; returns the queued run at once.
 * One at a time: CONFLICT (details.runningRunId) when this process or another holds a run in progress —
 * checked before the run row is created, so refused requests leave no rows behind.
 */
export async function startRetrain(ds: DataSource, r: RetrainRequest, opts: RetrainOptions = {}): Promise<TrainingRun> {
  await validateRetrain(ds, r);
  if (inFlight) throw busy(inFlight.runId ?? (await runningRun(ds))?.id ?? null);
  // Claimed synchronously (before the next await) so that two concurrent requests cannot both pass.
  let release!: () => void;
  const slot: { runId: number | null; done: Promise<void> } = { runId: null, done: new Promise<void>((res) => (release = res)) };
  inFlight = slot;
  let started = false;
  try {
    if (await trainingLockHeld(ds)) throw busy((await runningRun(ds))?.id ?? null);
    const params = { k: r.k ?? 'auto', seed: r.seed ?? 42, asOf: r.asOf?.toISOString() ?? null, requestedBy: r.requestedBy ?? null, note: r.note?.trim() || null, ...opts.train };
    const run = await createRun(ds, params, r.requestedBy ?? undefined);
    slot.runId = run.id;
    started = true;
    void detached(() => execute(ds, run.id, r, opts)).finally(() => {
      inFlight = null;
      release();
    });
    return run;
  } finally {
    if (!started) {
      inFlight = null;
      release();
    }
  }
}

function busy(runId: number | null) {
  return conflict(`a training run is already in progress${runId ? ` (run ${runId})` : ''}: wait for it to finish, then retry`, { runningRunId: runId === null ? null : String(runId) });
}

async function execute(ds: DataSource, runId: number, r: RetrainRequest, opts: RetrainOptions): Promise<void> {
  try {
    const result = await train(ds, {
      runId,
      k: r.k ?? undefined,
      seed: r.seed ?? undefined,
      asOf: r.asOf ?? undefined,
      requestedBy: r.requestedBy ?? undefined,
      ...opts.train,
    });
    invalidateModelCache();
    await warmActiveModel(ds).catch(() => undefined); // a cold cache only costs the next request time
    opts.onDone?.({ runId, result });
  } catch (error) {
    // train() has recorded the failure in the run's row; the active model is unchanged.
    opts.onDone?.({ runId, error });
  }
}

/** Makes model `id` the active one (rollback or roll forward) and drops the classifier cache. */
export async function activateModelVersion(ds: DataSource, id: number) {
  const [row] = (await ds.query(`SELECT id, status FROM model_version WHERE id = $1`, [id])) as { id: number; status: string }[];
  if (row && row.status !== SERVABLE_STATUS) {
    throw badInput(`model version ${id} is a ${row.status} model (trained for evaluation) and cannot serve; activate a model with status "${SERVABLE_STATUS}"`, { argument: 'id' });
  }
  const m = await activateInRegistry(ds, id); // NOT_FOUND for an unknown id
  invalidateModelCache();
  await warmActiveModel(ds).catch(() => undefined); // a cold cache only costs the next request time
  return m;
}

/**
 * Called once when the API server starts: a run left 'queued'/'running' by a process that died cannot be in
 * progress any more (nobody holds the training lock), so it is marked failed; then the active model is
 * loaded into the classification cache. Returns how many runs were marked and the active model's id.
 */
export async function onServerStart(ds: DataSource): Promise<{ interruptedRuns: number; activeModelId: number | null; warmError?: string }> {
  const interruptedRuns = await recoverInterruptedRuns(ds);
  try {
    return { interruptedRuns, activeModelId: await warmActiveModel(ds) };
  } catch (e) {
    // The server still starts; classification reports the problem when it is asked for.
    return { interruptedRuns, activeModelId: null, warmError: e instanceof Error ? e.message : String(e) };
  }
}
