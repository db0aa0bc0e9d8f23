import type { DataSource } from 'typeorm';
import { startActivationListener, type ActivationListener } from '../activation-bus';
import { sweepInterruptedRuns } from '../training-run.service';
import { ensureQueue, retrainJobExists } from './queue';
import { startTrainingWorker, type TrainingWorker, type TrainingWorkerOptions } from './training-worker';

/**
 * What every process attached to the database runs beside its main job (API or worker):
 * - the activation listener (switches the cached active model when any instance activates one);
 * - the lease sweep: every few seconds, runs whose process died are marked failed ("interrupted"), so a
 *   killed worker never blocks the next retrain for longer than the sweep interval (or the lease, for a
 *   process that hangs without dying);
 * - with `training`, a queue worker that executes retrains.
 */
export interface InstanceServices {
  worker: TrainingWorker | null;
  listener: ActivationListener;
  /** Stops the worker first (its run is marked failed "interrupted by shutdown"), then the rest. */
  stop(reason?: string): Promise<void>;
}

export interface InstanceOptions {
  /** Run a queue worker here (TRAINING_ENABLED); false = this instance only enqueues. */
  training: boolean;
  /** Seconds without a heartbeat after which a running run counts as interrupted (TRAINING_LEASE_SECONDS). */
  leaseSeconds: number;
  /** Sweep interval; default a third of the lease, at most 10 s. */
  sweepMs?: number;
  log?: (level: string, message: string) => void;
  worker?: Omit<TrainingWorkerOptions, 'log'>;
  /** Called on every activation heard (and on each (re)connection of the listener, with null). */
  onActivated?: (modelId: number | null) => void;
}

/** One sweep (exposed for start-up and tests). Returns the ids it marked failed. */
export function sweepOnce(ds: DataSource, leaseSeconds: number): Promise<number[]> {
  return sweepInterruptedRuns(ds, { leaseSeconds, jobExists: (id) => retrainJobExists(ds, id) });
}

export async function startInstanceServices(db: { ds: DataSource; url: string }, opts: InstanceOptions): Promise<InstanceServices> {
  const log = opts.log ?? (() => undefined);
  await ensureQueue(db.ds);
  const listener = startActivationListener(db.ds, db.url, { log: (m) => log('warn', m), onActivated: opts.onActivated });
  const sweepMs = opts.sweepMs ?? Math.min(10_000, Math.max(1000, (opts.leaseSeconds * 1000) / 3));
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping || !db.ds.isInitialized) return;
    sweeping = true;
    sweepOnce(db.ds, opts.leaseSeconds)
      .then((ids) => ids.length && log('warn', `marked interrupted training run(s) ${ids.join(', ')} as failed`))
      .catch((e) => log('warn', `training sweep failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (sweeping = false));
  }, sweepMs);
  sweep.unref();
  let worker: TrainingWorker | null = null;
  try {
    worker = opts.training ? await startTrainingWorker(db.ds, { ...opts.worker, log }) : null;
  } catch (e) {
    clearInterval(sweep);
    await listener.stop();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    worker,
    listener,
    stop(reason) {
      stopping ??= (async () => {
        clearInterval(sweep);
        await worker?.stop(reason);
        await listener.stop();
      })();
      return stopping;
    },
  };
}
