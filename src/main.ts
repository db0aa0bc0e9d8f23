import 'reflect-metadata';
import { seedWarehouse } from '../seeds/seed.service';
import { terminalProgress } from './cli/progress';
import { config } from './config';
import type { Database } from './db/database';
import { logger } from './logger';
import { activeModel } from './models/model-registry.service';
import { parseReadUrls, ReadReplicas } from './db/replicas';
import { startInstanceServices, type InstanceServices } from './models/jobs/instance';
import { onServerStart } from './models/retrain.service';
import { train } from './models/train.pipeline';
import { startServer } from './server';

/**
 * `npm start`: the database (DATABASE_URL, else an embedded PostgreSQL), migrations, the demo warehouse when the
 * warehouse is empty, a first model when none is active, then the API.
 */
async function prepare(db: Database): Promise<void> {
  const c = config();
  const say = (m: string) => process.stdout.write(`${m}\n`);
  say(`database: ${db.description}`);
  // Runs left 'running' by a crashed process are marked failed before anything else looks at them.
  const { interruptedRuns } = await onServerStart(db.ds);
  if (interruptedRuns) say(`marked ${interruptedRuns} interrupted training run(s) as failed`);
  const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer`);
  if (n === 0) {
    say(`empty warehouse: writing the demo store (${c.DEMO_CUSTOMERS} customers, seed ${c.DEMO_SEED})`);
    const bar = terminalProgress(process.stdout);
    try {
      const r = await seedWarehouse(db.ds, { customers: c.DEMO_CUSTOMERS, seed: c.DEMO_SEED, onProgress: bar });
      bar.stop();
      say(`demo warehouse written: ${r.rows.orders} orders of ${r.rows.customer} customers in ${(r.elapsedMs / 1000).toFixed(1)} s`);
    } finally {
      bar.stop();
    }
  }
  if (!(await activeModel(db.ds))) {
    say('no active model: training the first one');
    const bar = terminalProgress(process.stdout);
    try {
      const r = await train(db.ds, { seed: c.DEMO_SEED, onProgress: bar, requestedBy: 'startup' });
      bar.stop();
      say(`model ${r.modelId} active: k = ${r.k}, ${r.customers} customers, ${(r.durationMs / 1000).toFixed(1)} s`);
    } finally {
      bar.stop();
    }
    // Load the new model into the classifier cache before the first request.
    const { warmError } = await onServerStart(db.ds);
    if (warmError) say(`warning: the active model could not be preloaded: ${warmError}`);
  }
}

/**
 * Beside the API: the activation listener, the sweep of interrupted runs and, unless TRAINING_ENABLED=false
 * (then `segmenta worker` runs them), the queue worker that executes retrains.
 */
let services: InstanceServices | undefined;
let replicas: ReadReplicas | undefined;
async function startServices(db: Database): Promise<void> {
  const c = config();
  services = await startInstanceServices({ ds: db.ds, url: c.DATABASE_LISTEN_URL ?? db.url }, {
    training: c.TRAINING_ENABLED,
    leaseSeconds: c.TRAINING_LEASE_SECONDS,
    log: (level, m) => (level === 'error' ? logger.error(m) : logger.warn(m)),
    // Every activation, wherever it happened, raises the WAL position a replica must reach to serve reads.
    onActivated: () => void replicas?.noteModelChange().catch((e) => logger.warn({ err: e }, 'could not read the primary WAL position')),
  });
  if (!c.TRAINING_ENABLED) process.stdout.write('training is off here (TRAINING_ENABLED=false): retrains are queued for `segmenta worker`\n');
}

startServer({
  beforeListen: async (db) => {
    await prepare(db);
    await startServices(db);
  },
  replicas: async (db) => {
    const urls = parseReadUrls(config().DATABASE_READ_URL);
    if (!urls.length) return undefined;
    replicas = new ReadReplicas(db.ds, urls);
    await replicas.start();
    process.stdout.write(`read replicas: ${urls.length} (queries read there once they have replayed the active model)\n`);
    return replicas;
  },
  // The replicas' pools close with the process, after the requests using them have drained.
  beforeStop: () => services?.stop('interrupted by shutdown') ?? Promise.resolve(),
}).catch((e: unknown) => {
  logger.error({ err: e }, 'start-up failed');
  process.stderr.write(`segmenta could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
