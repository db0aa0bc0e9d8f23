import { Client } from 'pg';
import { TRAIN_STEPS } from '../../src/models/train.pipeline';
import { TRAIN_LOCK_KEY } from '../../src/models/training-run.service';
import { onServerStart, startRetrain, waitForRetrain } from '../../src/models/retrain.service';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from './helpers';

/**
 * The retrain mutation over real HTTP: background run with progress, one run at a time, activation only on
 * success, rollback with activateModel, input validation without side effects, and recovery of runs left
 * behind by a process that died.
 */

type Db = Awaited<ReturnType<typeof createTrainedDb>>;

const RUN = `id status progress step stepTimings { step ms } error params note requestedBy createdAt startedAt finishedAt modelVersion { id isActive k seed }`;
const RETRAIN = `mutation($input: RetrainInput) { retrain(input: $input) { ${RUN} } }`;
const TRAINING_RUN = `query($id: ID!) { trainingRun(id: $id) { ${RUN} } }`;
const ACTIVE = `{ activeModel { id k seed } }`;
const ACTIVATE = `mutation($id: ID!) { activateModel(id: $id) { id isActive status } }`;
const CLASSIFY = `mutation($input: CustomerFeaturesInput!) { classifyFeatures(input: $input) { modelId cluster { id } } }`;

interface Run {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  progress: number;
  step: string | null;
  stepTimings: { step: string; ms: number }[];
  error: string | null;
  params: Record<string, unknown>;
  note: string | null;
  requestedBy: string | null;
  modelVersion: { id: string; isActive: boolean; k: number; seed: number } | null;
}

describe('retrain', () => {
  let db: Db;
  let t: TestServer;
  let firstModelId: string;
  const { keys, spec } = testKeys();
  const admin = { key: keys.admin };

  const counts = async () => {
    const [row] = await db.ds.query(`SELECT (SELECT count(*) FROM training_run)::int AS runs, (SELECT count(*) FROM model_version)::int AS models`);
    return row as { runs: number; models: number };
  };
  const activeId = async () => String((await db.ds.query(`SELECT id FROM model_version WHERE is_active`))[0]?.id ?? null);

  beforeAll(async () => {
    db = await createTrainedDb();
    await onServerStart(db.ds);
    t = await startTestServer({ db, settings: { apiKeys: spec }, training: true });
    firstModelId = await activeId();
  });
  afterAll(async () => {
    await waitForRetrain();
    await t?.close();
    await db?.drop();
  });

  describe('refuses bad input without creating anything', () => {
    it.each([
      ['k = 1', { k: 1 }, 'input.k'],
      ['k = 51', { k: 51 }, 'input.k'],
      ['fractional k', { k: 3.5 }, /k/],
      ['k as a string', { k: '3' }, /k/],
      ['negative seed', { seed: -1 }, 'input.seed'],
      ['NaN-like seed', { seed: 'NaN' }, /seed/],
      ['asOf in the future', { asOf: new Date(Date.now() + 86_400_000 * 30).toISOString() }, 'input.asOf'],
      ['asOf before the first order', { asOf: '2001-01-01T00:00:00Z' }, 'input.asOf'],
      ['asOf not a date', { asOf: 'yesterday' }, /asOf/],
      ['asOf NaN', { asOf: 'NaN' }, /asOf/],
      ['asOf injection', { asOf: `2018-01-01'; DELETE FROM model_version; --` }, /asOf/],
      ['unknown field', { kMax: 4 }, /kMax/],
      ['note too long', { note: 'x'.repeat(501) }, 'input.note'],
      ['unknown clustering engine', { algorithm: 'dbscan' }, 'input.algorithm'],
      ['single-day cluster with k = 2', { singleDayCluster: true, k: 2 }, 'input.k'],
      ['single-day cluster not a boolean', { singleDayCluster: 'yes' }, /singleDayCluster/],
    ])('%s', async (_name, input, mention) => {
      const before = await counts();
      const r = await t.gql(RETRAIN, { input }, admin);
      expect(r.body.data ?? null).toBeNull();
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0].message).toMatch(mention);
      if (typeof mention === 'string') expect(r.body.errors?.[0].extensions?.field).toBe(mention);
      expect(await counts()).toEqual(before);
      expect(await activeId()).toBe(firstModelId);
    });

    it('refuses viewers and analysts (FORBIDDEN) and anonymous callers', async () => {
      const before = await counts();
      for (const key of [keys.viewer, keys.analyst]) {
        for (const [q, v] of [
          [RETRAIN, { input: { k: 3 } }],
          [ACTIVATE, { id: firstModelId }],
        ] as const) {
          const r = await t.gql(q, v, { key });
          expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
          expect(r.body.data).toBeNull();
        }
      }
      expect((await t.gql(RETRAIN, {})).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(await counts()).toEqual(before);
    });

    it('refuses while another process holds the training lock (CONFLICT, no run row)', async () => {
      const other = new Client({ connectionString: db.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [TRAIN_LOCK_KEY]);
        const before = await counts();
        const r = await t.gql(RETRAIN, { input: { k: 3 } }, admin);
        expect(r.body.errors?.[0].extensions?.code).toBe('CONFLICT');
        expect(await counts()).toEqual(before);
      } finally {
        await other.end();
      }
    });
  });

  it('runs in the background with progress, refuses a second run, activates on success, rolls back', async () => {
    const before = await counts();
    const started = await t.gql<{ retrain: Run }>(RETRAIN, { input: { k: 3, seed: 11, singleDayCluster: true, note: '  September orders loaded ' } }, admin);
    expect(started.body.errors).toBeUndefined();
    const run = started.body.data!.retrain;
    expect(['QUEUED', 'RUNNING']).toContain(run.status);
    expect(run.modelVersion).toBeNull();
    expect(run.params).toMatchObject({ k: 3, seed: 11, singleDayCluster: true });
    expect(run).toMatchObject({ note: 'September orders loaded', requestedBy: expect.stringMatching(/./) });

    // A second request while the first runs: CONFLICT naming the running run, and no new row.
    const second = await t.gql(RETRAIN, { input: { k: 4 } }, admin);
    expect(second.body.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(second.body.errors?.[0].extensions?.runningRunId).toBe(run.id);
    expect(second.body.errors?.[0].message).toContain(`run ${run.id}`);
    expect((await counts()).runs).toBe(before.runs + 1);

    // Poll until done: progress never goes back, several steps are seen.
    const seen: Run[] = [];
    const deadline = Date.now() + 60_000;
    let last: Run;
    for (;;) {
      // Read before the run's status: the run succeeds and activates in one transaction, so an unfinished run
      // seen after this read means the old model was still serving at it.
      const activeBefore = await activeId();
      const r = await t.gql<{ trainingRun: Run }>(TRAINING_RUN, { id: run.id }, { key: keys.viewer });
      expect(r.body.errors).toBeUndefined();
      last = r.body.data!.trainingRun;
      seen.push(last);
      if (last.status === 'SUCCEEDED' || last.status === 'FAILED' || Date.now() > deadline) break;
      // The old model serves until the new one is complete.
      expect(activeBefore).toBe(firstModelId);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(last.error).toBeNull();
    expect(last.status).toBe('SUCCEEDED');
    const progress = seen.map((s) => s.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress[progress.length - 1]).toBe(1);
    const steps = new Set(seen.map((s) => s.step).filter((s): s is string => s !== null && s !== 'done'));
    expect(steps.size).toBeGreaterThanOrEqual(2);
    for (const s of steps) expect(TRAIN_STEPS as readonly string[]).toContain(s);
    expect(last.stepTimings.map((s) => s.step)).toEqual([...TRAIN_STEPS]);

    // The new version is active, with what was asked for.
    const newId = last.modelVersion!.id;
    expect(newId).not.toBe(firstModelId);
    expect(last.modelVersion).toMatchObject({ isActive: true, k: 3, seed: 11 });
    // The job carried the single-day cluster to the run: cluster 1 of 3 is exactly the single-day buyers.
    const [{ single, misplaced }] = await db.ds.query(
      `SELECT mv.metrics->'singleDayCluster' AS single,
              count(*) FILTER (WHERE (f.purchase_days = 1) <> (cs.cluster_id = (mv.metrics->'singleDayCluster'->>'clusterId')::int))::int AS misplaced
         FROM model_version mv JOIN customer_segment cs ON cs.model_version_id = mv.id
         JOIN customer_features f ON f.snapshot_id = mv.snapshot_id AND f.customer_id = cs.customer_id
        WHERE mv.id = $1 GROUP BY 1`,
      [Number(newId)],
    );
    expect(single).toMatchObject({ clusterId: expect.any(Number), sampleShare: expect.any(Number) });
    expect(misplaced).toBe(0);
    const active = await t.gql<{ activeModel: { id: string } }>(ACTIVE, {}, { key: keys.viewer });
    expect(active.body.data!.activeModel.id).toBe(newId);
    expect(await counts()).toEqual({ runs: before.runs + 1, models: before.models + 1 });

    // Classification follows the active model (the cached classifier is keyed by model id).
    const input = { recencyDays: 20, frequency: 3, monetary: 400, tenureDays: 300 };
    const c1 = await t.gql<{ classifyFeatures: { modelId: string } }>(CLASSIFY, { input }, admin);
    expect(c1.body.data!.classifyFeatures.modelId).toBe(newId);

    // Rollback.
    const back = await t.gql<{ activateModel: { id: string; isActive: boolean } }>(ACTIVATE, { id: firstModelId }, admin);
    expect(back.body.errors).toBeUndefined();
    expect(back.body.data!.activateModel).toMatchObject({ id: firstModelId, isActive: true });
    expect(await activeId()).toBe(firstModelId);
    const c2 = await t.gql<{ classifyFeatures: { modelId: string } }>(CLASSIFY, { input }, admin);
    expect(c2.body.data!.classifyFeatures.modelId).toBe(firstModelId);

    // The retrained run's model can be activated again, and a retrain is accepted once the first is over.
    expect((await t.gql(ACTIVATE, { id: newId }, admin)).body.errors).toBeUndefined();
    expect((await t.gql(ACTIVATE, { id: firstModelId }, admin)).body.errors).toBeUndefined();
  });

  it('a run that fails leaves the active model as it was and records why', async () => {
    const before = await counts();
    const run = await startRetrain(db.ds, { k: 3, seed: 5, requestedBy: 'test' }, { train: { failAt: 'churn' } });
    await waitForRetrain();
    const r = await t.gql<{ trainingRun: Run }>(TRAINING_RUN, { id: String(run.id) }, admin);
    expect(r.body.data!.trainingRun).toMatchObject({ status: 'FAILED', modelVersion: null });
    expect(r.body.data!.trainingRun.error).toMatch(/churn/);
    expect(await activeId()).toBe(firstModelId);
    expect(await counts()).toEqual({ runs: before.runs + 1, models: before.models });
  });

  it('onServerStart marks runs left running by a dead process as failed; the active model is intact', async () => {
    const [{ id }] = await db.ds.query(
      `INSERT INTO training_run (status, params, progress, step, started_at) VALUES ('running', '{"k":3}', 0.4, 'clusters', now()) RETURNING id`,
    );
    expect((await onServerStart(db.ds)).interruptedRuns).toBe(1);
    // A queued run without a job in the queue (left by an older version) would never start.
    const [{ id: queued }] = await db.ds.query(`INSERT INTO training_run (status, params) VALUES ('queued', '{}') RETURNING id`);
    expect((await onServerStart(db.ds)).interruptedRuns).toBe(1);
    for (const runId of [id, queued]) {
      const r = await t.gql<{ trainingRun: Run }>(TRAINING_RUN, { id: String(runId) }, admin);
      expect(r.body.data!.trainingRun.status).toBe('FAILED');
      expect(r.body.data!.trainingRun.error).toMatch(/interrupted/);
    }
    expect(await activeId()).toBe(firstModelId);
    // Nothing left running: a new retrain is not refused.
    expect((await onServerStart(db.ds)).interruptedRuns).toBe(0);
  });
});
