import { Client } from 'pg';
import { ReadReplicas } from '../../src/db/replicas';
import { startActivationListener, type ActivationListener } from '../../src/models/activation-bus';
import { train } from '../../src/models/train.pipeline';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, type TestServer } from '../graphql/helpers';
import { until } from '../helpers/until';

/**
 * Reads on a REAL streaming replica of the test server's PostgreSQL (.ci/run starts one with
 * scripts/start-replica.sh and exports SEGMENTA_TEST_REPLICA_URL). Queries read there; while the replica has
 * not replayed the latest activation, or lacks a model version a query names, they read on the primary, so
 * no client ever sees an older model than the one it was told about. Replay is paused on the replica to make
 * the lag certain rather than hoped for.
 */

const REPLICA_URL = process.env.SEGMENTA_TEST_REPLICA_URL;
if (!REPLICA_URL) {
  console.warn('skipping the read-replica tests: SEGMENTA_TEST_REPLICA_URL is not set (start one with scripts/start-replica.sh, as .ci/run does)');
}
const describeReplica = REPLICA_URL ? describe : describe.skip;

type Db = Awaited<ReturnType<typeof createTrainedDb>>;
const ACTIVE = `{ activeModel { id } }`;
const CUSTOMERS = `query($m: ID) { customers(first: 5, modelId: $m) { totalCount nodes { id } } }`;
const SEGMENTS = `query($m: ID) { segments(kind: CLUSTER, modelId: $m) { key } }`;
const ACTIVATE = `mutation($id: ID!) { activateModel(id: $id) { id } }`;


describeReplica('read replicas', () => {
  let db: Db;
  let replicaUrl: string;
  let replicas: ReadReplicas;
  let listener: ActivationListener;
  let t: TestServer;
  let standby: Client; // superuser session on the replica, to pause and resume its replay

  const setReplay = async (paused: boolean) => {
    await standby.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
  };
  const reads = () => ({ primary: replicas.primaryReads, replica: replicas.status()[0].reads });

  beforeAll(async () => {
    db = await createTrainedDb();
    const u = new URL(REPLICA_URL!);
    u.pathname = `/${db.name}`;
    replicaUrl = u.toString();
    standby = new Client({ connectionString: REPLICA_URL });
    await standby.connect();
    const [{ standby: inRecovery }] = (await standby.query('SELECT pg_is_in_recovery() AS standby')).rows;
    if (!inRecovery) throw new Error(`${REPLICA_URL} is not a standby`);
    // The replica follows the whole cluster: the test database appears there by itself.
    await until('the test database on the replica', async () => {
      const c = new Client({ connectionString: replicaUrl });
      try {
        await c.connect();
        const [{ n }] = (await c.query('SELECT count(*)::int AS n FROM model_version WHERE is_active')).rows;
        return n === 1;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
    }, 30_000, 200);
    replicas = new ReadReplicas(db.ds, [replicaUrl], { poolSize: 3, pollMs: 50 });
    await replicas.start();
    listener = startActivationListener(db.ds, db.url, { onActivated: () => void replicas.noteModelChange() });
    await listener.ready;
    t = await startTestServer({ db, replicas });
  });
  afterAll(async () => {
    await standby?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await standby?.end().catch(() => undefined);
    await t?.close();
    await listener?.stop();
    await replicas?.stop();
    await db?.drop();
  });

  it('queries read on the replica once it has replayed the active model; mutations write on the primary', async () => {
    await until('the replica to be fresh', async () => replicas.status()[0].fresh, 10_000);
    const before = reads();
    const active = await t.gql<{ activeModel: { id: string } }>(ACTIVE);
    expect(active.body.data!.activeModel.id).toBe(String(db.model.modelId));
    const page = await t.gql<{ customers: { totalCount: number; nodes: unknown[] } }>(CUSTOMERS);
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data!.customers.nodes).toHaveLength(5);
    const after = reads();
    expect(after.replica - before.replica).toBe(2);
    expect(after.primary).toBe(before.primary);
  });

  it('after an activation the replica has not replayed, reads fall back to the primary and show the new model; /readyz shows the lag', async () => {
    const other = await train(db.ds, { seed: 31, kMax: 4, fitSampleSize: 20_000, activate: false });
    await until('the replica to replay the new version', async () => replicas.status()[0].fresh, 10_000);
    await setReplay(true);
    try {
      const activated = await t.gql(ACTIVATE, { id: String(other.modelId) });
      expect(activated.body.errors).toBeUndefined();
      // The client was just told about `other`: every read from now on shows it (or a newer one).
      await until('the activation to be heard', async () => !replicas.status()[0].fresh, 2000, 10);
      const before = reads();
      for (let i = 0; i < 3; i++) {
        const active = await t.gql<{ activeModel: { id: string } }>(ACTIVE);
        expect(active.body.data!.activeModel.id).toBe(String(other.modelId));
      }
      const page = await t.gql<{ customers: { totalCount: number } }>(CUSTOMERS);
      expect(page.body.errors).toBeUndefined();
      expect(reads().primary - before.primary).toBe(4);
      expect(reads().replica).toBe(before.replica);

      // The replica itself still has the old model active: reading there would have been wrong.
      const c = new Client({ connectionString: replicaUrl });
      await c.connect();
      try {
        const [{ id }] = (await c.query('SELECT id FROM model_version WHERE is_active')).rows;
        expect(Number(id)).toBe(db.model.modelId);
      } finally {
        await c.end();
      }

      const ready = (await (await t.get('/readyz')).json()) as {
        checks: Record<string, { ok: boolean; detail: string; replicas: { fresh: boolean; lagBytes: number }[] }>;
      };
      const check = ready.checks.replicas;
      expect(check.ok).toBe(true);
      expect(check.replicas).toHaveLength(1);
      expect(check.replicas[0].fresh).toBe(false);
      expect(check.replicas[0].lagBytes).toBeGreaterThan(0);
      expect(check.detail).toMatch(/bytes/);
    } finally {
      await setReplay(false);
    }
    // Replayed: reads return to the replica, which now answers the new model.
    await until('the replica to catch up', async () => replicas.status()[0].fresh, 10_000);
    const before = reads();
    const active = await t.gql<{ activeModel: { id: string } }>(ACTIVE);
    expect(active.body.data!.activeModel.id).toBe(String(other.modelId));
    expect(reads().replica - before.replica).toBe(1);
    await t.gql(ACTIVATE, { id: String(db.model.modelId) });
  });

  it('a query naming a model version the replica has not replayed reads on the primary', async () => {
    await until('the replica to be fresh', async () => replicas.status()[0].fresh, 10_000);
    await setReplay(true);
    try {
      // A new version (not activated, so no notification): only the primary has it.
      const fresh = await train(db.ds, { seed: 32, kMax: 4, fitSampleSize: 20_000, activate: false });
      expect(replicas.status()[0].fresh).toBe(true); // the active model did not change
      const before = reads();
      const segs = await t.gql<{ segments: { key: string }[] }>(SEGMENTS, { m: String(fresh.modelId) });
      expect(segs.body.errors).toBeUndefined();
      expect(segs.body.data!.segments.length).toBe(fresh.k);
      const page = await t.gql<{ customers: { totalCount: number } }>(CUSTOMERS, { m: String(fresh.modelId) });
      expect(page.body.errors).toBeUndefined();
      expect(page.body.data!.customers.totalCount).toBe(fresh.customers);
      expect(reads().primary - before.primary).toBe(2);
      // A model both have is read on the replica.
      const old = await t.gql<{ segments: { key: string }[] }>(SEGMENTS, { m: String(db.model.modelId) });
      expect(old.body.errors).toBeUndefined();
      expect(reads().replica - before.replica).toBe(1);

      // A run the client was just given by retrain is found at once (no worker here: it stays queued).
      const queued = await t.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { seed: 3 }) { id } }`);
      expect(queued.body.errors).toBeUndefined();
      const polled = await t.gql<{ trainingRun: { id: string; status: string } | null }>(`query($id: ID!) { trainingRun(id: $id) { id status } }`, {
        id: queued.body.data!.retrain.id,
      });
      expect(polled.body.data!.trainingRun).toEqual({ id: queued.body.data!.retrain.id, status: 'QUEUED' });
      await db.ds.query(`UPDATE training_run SET status = 'failed', error = 'test cleanup' WHERE status = 'queued'`);
    } finally {
      await setReplay(false);
    }
  });
});
