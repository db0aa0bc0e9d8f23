import { AsyncLocalStorage } from 'node:async_hooks';
import { run, type Runner, type Task } from 'graphile-worker';
import type { DataSource } from 'typeorm';
import { train, type TrainOptions, type TrainResult, type TrainStep } from '../train.pipeline';
import { markRunFailed } from '../training-run.service';
import { ensureQueue, poolOf, queueLogger, RETRAIN_TASK, type RetrainJob } from './queue';

/**
 * A worker that executes queued retrains, one at a time (concurrency 1; the database admits one run in
 * progress anyway). It runs inside the API (`npm start`, TRAINING_ENABLED) or alone (`segmenta worker`).
 *
 * stop() is the shutdown path: the run in progress is marked failed "interrupted by shutdown" at once (so
 * nobody waits for a lease to expire), told to stop at its next step, and given until `graceMs` to unwind;
 * its final write is fenced on 'running', so a run stopped this way can never activate its model.
 */
export interface TrainingWorker {
  /** Id of the run this worker is executing, or null. */
  current(): number | null;
  /** Resolves when no run is executing here. */
  idle(): Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface TrainingWorkerOptions {
  log?: (level: string, message: string) => void;
  /** How long stop() lets a stopped run unwind before returning (default 5 s). */
  graceMs?: number;
  /** How often the queue is polled besides its notifications (default 2 s). */
  pollIntervalMs?: number;
  onDone?: (outcome: { runId: number; result?: TrainResult; error?: unknown }) => void;
}

/** Runs outside any request's async context, so a run's statements never count towards a request. */
const detached = AsyncLocalStorage.snapshot();

/** The train() options stored in a run's params by startRetrain. */
function optionsFromParams(runId: number, p: Record<string, unknown>): TrainOptions {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    runId,
    k: num(p.k),
    singleDayCluster: p.singleDayCluster === true,
    algorithm: p.algorithm === 'kmeans' || p.algorithm === 'gmm' ? p.algorithm : undefined,
    seed: num(p.seed),
    asOf: typeof p.asOf === 'string' ? new Date(p.asOf) : undefined,
    requestedBy: typeof p.requestedBy === 'string' ? p.requestedBy : undefined,
    kMax: num(p.kMax),
    fitSampleSize: num(p.fitSampleSize),
    failAt: typeof p.failAt === 'string' ? (p.failAt as TrainStep) : undefined,
  };
}

export async function startTrainingWorker(ds: DataSource, opts: TrainingWorkerOptions = {}): Promise<TrainingWorker> {
  const log = opts.log ?? (() => undefined);
  await ensureQueue(ds);
  let current: { runId: number; abort: AbortController; done: Promise<void> } | null = null;

  const retrain: Task = async (payload) => {
    const { runId } = payload as RetrainJob;
    const [row] = (await ds.query(`SELECT status, params FROM training_run WHERE id = $1`, [runId])) as { status: string; params: Record<string, unknown> }[];
    if (!row || row.status !== 'queued') return; // failed or cancelled before a worker got to it
    const abort = new AbortController();
    let finished!: () => void;
    current = { runId, abort, done: new Promise<void>((res) => (finished = res)) };
    try {
      const result = await detached(() => train(ds, { ...optionsFromParams(runId, row.params), signal: abort.signal }));
      opts.onDone?.({ runId, result });
    } catch (error) {
      // train() has recorded the failure in the run's row; the active model is unchanged.
      log('warn', `training run ${runId} failed: ${error instanceof Error ? error.message : String(error)}`);
      opts.onDone?.({ runId, error });
    } finally {
      current = null;
      finished();
    }
  };

  const runner: Runner = await run({
    pgPool: poolOf(ds),
    taskList: { [RETRAIN_TASK]: retrain },
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: opts.pollIntervalMs ?? 2000,
    logger: queueLogger(log),
  });

  let stopping: Promise<void> | undefined;
  return {
    current: () => current?.runId ?? null,
    async idle() {
      while (current) await current.done;
    },
    stop(reason = 'interrupted by shutdown') {
      stopping ??= (async () => {
        const c = current;
        if (c) {
          await markRunFailed(ds, c.runId, reason).catch(() => undefined);
          c.abort.abort(reason);
          await Promise.race([c.done, new Promise((res) => setTimeout(res, opts.graceMs ?? 5000).unref())]);
        }
        await Promise.race([runner.stop().catch(() => undefined), new Promise((res) => setTimeout(res, 2000).unref())]);
      })();
      return stopping;
    },
  };
}
