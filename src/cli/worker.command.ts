import { dataModel } from '../data-model';
import type { Command } from 'commander';
import { config } from '../config';
import { openDatabase } from '../db/database';
import { startInstanceServices } from '../models/jobs/instance';
import { onServerStart } from '../models/retrain.service';

/**
 * `segmenta worker`: executes queued retrains outside the API (pair it with API instances started with
 * TRAINING_ENABLED=false). Runs until SIGINT/SIGTERM; a run in progress at that moment is marked failed
 * ("interrupted by shutdown") before the process exits, and the next retrain is accepted at once.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run queued retrains (the training side of the API, as its own process); stops cleanly on SIGINT/SIGTERM')
    .action(async () => {
      const c = config();
      const say = (m: string) => process.stderr.write(`${m}\n`);
      const db = await openDatabase({ model: dataModel, migrate: true, log: say });
      say(`database: ${db.description}`);
      const { interruptedRuns } = await onServerStart(db.ds);
      if (interruptedRuns) say(`marked ${interruptedRuns} interrupted training run(s) as failed`);
      const services = await startInstanceServices(db, {
        training: true,
        leaseSeconds: c.TRAINING_LEASE_SECONDS,
        log: (level, m) => say(`${level}: ${m}`),
        worker: { onDone: ({ runId, result, error }) => say(error ? `run ${runId} failed` : `run ${runId} succeeded: model ${result?.modelId} active`) },
      });
      say('worker ready: waiting for retrains');
      await new Promise<void>((resolve) => {
        let closing = false;
        for (const sig of ['SIGINT', 'SIGTERM'] as const) {
          process.once(sig, () => {
            if (closing) return;
            closing = true;
            say(`${sig} received, shutting down`);
            services
              .stop('interrupted by shutdown')
              .catch((e) => say(`shutdown error: ${String(e)}`))
              .finally(() => db.close().finally(resolve));
          });
        }
      });
    });
}
