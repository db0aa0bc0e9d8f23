import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { dataModel } from '../../src/data-model';
import { startActivationListener, type ActivationListener } from '../../src/models/activation-bus';
import { startInstanceServices, type InstanceServices } from '../../src/models/jobs/instance';
import { enqueueRetrain } from '../../src/models/jobs/queue';
import { markRunFailed } from '../../src/models/training-run.service';
import { train } from '../../src/models/train.pipeline';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from '../graphql/helpers';
import { sleep, until } from '../helpers/until';

/**
 * Several instances on one database: concurrent retrains sent to two instances (one accepted, the other
 * refused naming it), a worker process killed with SIGKILL mid-run (another instance marks the run failed
 * and the next retrain is accepted), a worker stopped with SIGTERM mid-run, and an activation seen by three
 * instances. Each instance has its own pool (DataSource) and its own listening connection.
 */

type Db = Awaited<ReturnType<typeof createTrainedDb>>;
const RETRAIN = `mutation($input: RetrainInput) { retrain(input: $input) { id status } }`;
const ACTIVATE = `mutation($id: ID!) { activateModel(id: $id) { id } }`;
const CLASSIFY = `mutation($input: CustomerFeaturesInput!) { classifyFeatures(input: $input) { modelId } }`;
const CLI = path.resolve(__dirname, '../../dist/src/cli.js');
const features = { recencyDays: 20, frequency: 3, monetary: 400, tenureDays: 300 };


describe('several instances on one database', () => {
  let db: Db;
  const extra: DataSource[] = [];
  const { keys, spec } = testKeys();
  const admin = { key: keys.admin };

  /** Another instance's pool on the same database. */
  const pool = async () => {
    const ds = createDataSource(db.url, dataModel, { poolSize: 4 });
    await ds.initialize();
    extra.push(ds);
    return ds;
  };
  /** An API instance with its own pool; training off unless asked (it only enqueues). */
  const instance = async (training = false): Promise<TestServer> =>
    startTestServer({ db: { ...db, ds: await pool(), drop: async () => undefined }, settings: { apiKeys: spec }, training });
  const run = async (id: number | string) =>
    ((await db.ds.query(`SELECT id, status, error, model_version_id FROM training_run WHERE id = $1`, [id])) as {
      id: number;
      status: string;
      error: string | null;
      model_version_id: number | null;
    }[])[0];
  const activeId = async () => Number((await db.ds.query(`SELECT id FROM model_version WHERE is_active`))[0].id);
  /** Ends whatever a test left queued (no worker ran it), jobs included. */
  const clearInProgress = async () => {
    await db.ds.query(`UPDATE training_run SET status = 'failed', error = 'test cleanup', finished_at = now() WHERE status IN ('queued', 'running')`);
    await db.ds.query(`DELETE FROM graphile_worker._private_jobs WHERE locked_at IS NULL`);
  };

  beforeAll(async () => {
    db = await createTrainedDb();
  });
  afterAll(async () => {
    for (const ds of extra) if (ds.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('accepts exactly one of two retrains sent to two instances at the same moment; the other names it', async () => {
    const a = await instance();
    const b = await instance();
    try {
      for (let round = 0; round < 5; round++) {
        const [ra, rb] = await Promise.all([a.gql<{ retrain: { id: string } }>(RETRAIN, { input: { seed: round } }, admin), b.gql<{ retrain: { id: string } }>(RETRAIN, { input: { seed: round } }, admin)]);
        const accepted = [ra, rb].filter((r) => r.body.data?.retrain);
        const refused = [ra, rb].filter((r) => r.body.errors);
        expect(accepted).toHaveLength(1);
        expect(refused).toHaveLength(1);
        const id = accepted[0].body.data!.retrain.id;
        expect(refused[0].body.errors![0].extensions?.code).toBe('CONFLICT');
        expect(refused[0].body.errors![0].extensions?.runningRunId).toBe(id);
        expect(refused[0].body.errors![0].message).toContain(`run ${id}`);
        const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM training_run WHERE status IN ('queued', 'running')`);
        expect(n).toBe(1);
        await clearInProgress();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the database itself admits one run in progress: 8 concurrent enqueues from two pools, one row and one job', async () => {
    const [p1, p2] = [await pool(), await pool()];
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => enqueueRetrain(i % 2 ? p1 : p2, { seed: i }, 'test')));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    const id = (ok[0] as PromiseFulfilledResult<{ id: number }>).value.id;
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { details?: { runningRunId?: string } }).details?.runningRunId).toBe(String(id));
    }
    const [{ jobs }] = await db.ds.query(`SELECT count(*)::int AS jobs FROM graphile_worker.jobs WHERE task_identifier = 'segmenta_retrain' AND attempts < max_attempts`);
    expect(jobs).toBe(1);
    await clearInProgress();
  });

  const haveDist = existsSync(CLI);
  const itDist = haveDist ? it : it.skip;
  if (!haveDist) console.warn(`skipping the worker-process tests: ${CLI} is missing (run npm run build)`);

  /** `segmenta worker` as its own process on the test database; resolves when it waits for jobs. */
  const startWorker = async (env: Record<string, string> = {}): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> => {
    const child = spawn(process.execPath, [CLI, 'worker'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', TRAINING_LEASE_SECONDS: '10', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await until('the worker to start', async () => out.includes('worker ready') || child.exitCode !== null, 30_000);
    if (child.exitCode !== null) throw new Error(`worker exited at start:\n${out}`);
    return { child, output: () => out, exited };
  };

  itDist('a worker killed with SIGKILL mid-run: another instance marks the run failed within 60 s, the next retrain is accepted and runs', async () => {
    const before = await activeId();
    const api = await instance(); // training off: only enqueues
    const sweeper: InstanceServices = await startInstanceServices({ ds: await pool(), url: db.url }, { training: false, leaseSeconds: 10, sweepMs: 1000 });
    const w = await startWorker();
    try {
      const started = await api.gql<{ retrain: { id: string } }>(RETRAIN, { input: { seed: 3 } }, admin);
      const id = started.body.data!.retrain.id;
      await until('the worker to start the run', async () => (await run(id)).status === 'running', 30_000, 20);
      w.child.kill('SIGKILL');
      await w.exited;
      const killedAt = Date.now();
      const failed = await until('the run to be marked failed', async () => {
        const r = await run(id);
        return r.status === 'failed' ? r : null;
      }, 60_000, 100);
      expect(Date.now() - killedAt).toBeLessThan(60_000);
      expect(failed.error).toMatch(/interrupted/);
      expect(failed.model_version_id).toBeNull();
      expect(await activeId()).toBe(before);

      // Nothing restarted: the next retrain is accepted, and a live worker runs it to the end.
      const next = await api.gql<{ retrain: { id: string; status: string } }>(RETRAIN, { input: { seed: 4 } }, admin);
      expect(next.body.errors).toBeUndefined();
      expect(next.body.data!.retrain.status).toBe('QUEUED');
      const live = await instance(true);
      try {
        const done = await until('the next run to finish', async () => {
          const r = await run(next.body.data!.retrain.id);
          return r.status === 'succeeded' || r.status === 'failed' ? r : null;
        }, 120_000, 200);
        expect(done.error).toBeNull();
        expect(done.status).toBe('succeeded');
        expect(await activeId()).toBe(done.model_version_id);
      } finally {
        await live.close();
      }
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await sweeper.stop();
      await api.close();
    }
  });

  itDist('a worker stopped with SIGTERM mid-run marks the run failed ("interrupted by shutdown") and exits within its grace period', async () => {
    const before = await activeId();
    const api = await instance();
    const w = await startWorker();
    try {
      const started = await api.gql<{ retrain: { id: string } }>(RETRAIN, { input: { seed: 5 } }, admin);
      const id = started.body.data!.retrain.id;
      await until('the worker to start the run', async () => (await run(id)).status === 'running', 30_000, 20);
      const t0 = Date.now();
      w.child.kill('SIGTERM');
      const code = await Promise.race([w.exited, sleep(15_000).then(() => 'timeout' as const)]);
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const r = await run(id);
      expect(r.status).toBe('failed');
      expect(r.error).toBe('interrupted by shutdown');
      expect(r.model_version_id).toBeNull();
      expect(await activeId()).toBe(before);
      // Accepted at once: nobody waits for a lease.
      const next = await api.gql(RETRAIN, { input: { seed: 6 } }, admin);
      expect(next.body.errors).toBeUndefined();
      await clearInProgress();
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await api.close();
    }
  });

  it('activateModel and a finished retrain reach three instances, each answering the new model id within 1 s', async () => {
    await clearInProgress();
    const servers = [await instance(), await instance(), await instance()];
    const heard: number[][] = [[], [], []];
    const listeners: ActivationListener[] = servers.map((s, i) =>
      startActivationListener(s.db.ds, db.url, { onActivated: (id) => id !== null && heard[i].push(id) }),
    );
    try {
      await Promise.all(listeners.map((l) => l.ready));
      const answer = async (s: TestServer) => Number((await s.gql<{ classifyFeatures: { modelId: string } }>(CLASSIFY, { input: features }, admin)).body.data!.classifyFeatures.modelId);
      const first = await activeId();
      for (const s of servers) expect(await answer(s)).toBe(first);

      // A second servable version, not active, trained on a fourth pool.
      const other = await train(await pool(), { seed: 99, kMax: 4, fitSampleSize: 20_000, activate: false });
      const allAnswer = async (id: number, since: number) => {
        for (const s of servers) await until(`instance ${s.server.url} to answer model ${id}`, async () => (await answer(s)) === id, 1000, 20);
        return Date.now() - since;
      };

      // Activation through one instance: all three switch.
      const t0 = Date.now();
      expect((await servers[0].gql(ACTIVATE, { id: String(other.modelId) }, admin)).body.errors).toBeUndefined();
      expect(await allAnswer(other.modelId, t0)).toBeLessThan(1000);
      for (const h of heard) expect(h).toContain(other.modelId);

      // A retrain finished elsewhere (a worker with its own pool): all three switch again.
      const retrained = await train(await pool(), { seed: 100, kMax: 4, fitSampleSize: 20_000 });
      expect(await allAnswer(retrained.modelId, Date.now())).toBeLessThan(1000);
      for (const h of heard) expect(h).toContain(retrained.modelId);

      // And back.
      const t1 = Date.now();
      await servers[2].gql(ACTIVATE, { id: String(first) }, admin);
      expect(await allAnswer(first, t1)).toBeLessThan(1000);
    } finally {
      for (const l of listeners) await l.stop();
      for (const s of servers) await s.close();
    }
  });
});
