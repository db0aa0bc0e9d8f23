import { TRAIN_STEPS } from '../../src/models/train.pipeline';
import { onServerStart } from '../../src/models/retrain.service';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from './helpers';

/**
 * Model registry queries (activeModel, modelVersions, modelVersion, trainingRun(s), backtests) and
 * activateModel over real HTTP. Expected values are read from the stored rows with SQL.
 */

type Db = Awaited<ReturnType<typeof createTrainedDb>>;

const MODEL = `id name status isActive createdAt activatedAt asOf seed k customers featureNames trainingRunId priorityFormula
  clusters { id name }
  classifier { accuracy macroF1 labels features holdoutShare confusionMatrix perClass { label precision recall f1 support } }
  churnModel { model params logLikelihood converged spendParams spendFallback clvHorizonMonths monthlyDiscount horizonDays repeatCustomers }
  quality { modelId k silhouette inertia chosenBy kSearch { k inertia silhouette degenerate } ariVsPrevious degenerate }
  metrics`;
const ACTIVE = `{ activeModel { ${MODEL} } }`;
const VERSIONS = `query($first: Int, $after: String) { modelVersions(first: $first, after: $after) {
  totalCount edges { cursor node { id isActive status } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
const VERSION = `query($id: ID!) { modelVersion(id: $id) { id k isActive } }`;
const RUNS = `query($first: Int, $after: String) { trainingRuns(first: $first, after: $after) {
  totalCount edges { node { id status progress step stepTimings { step ms } modelVersion { id k } } } pageInfo { hasNextPage endCursor } } }`;
const RUN = `query($id: ID!) { trainingRun(id: $id) { id status } }`;
const BACKTESTS = `query($first: Int) { backtests(first: $first) { id status cutoff horizonDays createdAt results } }`;
const ACTIVATE = `mutation($id: ID!) { activateModel(id: $id) { id isActive activatedAt } }`;

describe('model registry API', () => {
  let db: Db;
  let t: TestServer;
  let modelId: number;
  const { keys, spec } = testKeys();
  const viewer = { key: keys.viewer };
  const admin = { key: keys.admin };

  beforeAll(async () => {
    db = await createTrainedDb();
    await onServerStart(db.ds);
    t = await startTestServer({ db, settings: { apiKeys: spec } });
    [{ id: modelId }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** A copy of the trained version (registry rows only), e.g. to page through or to activate. */
  async function copyModel(status: string): Promise<number> {
    const [{ id }] = await db.ds.query(
      `INSERT INTO model_version (name, status, is_active, training_run_id, snapshot_id, as_of, seed, k, customers, params, feature_names,
                                  imputation, scaler, kmeans, classifier, churn_model, priority, projection, metrics)
       SELECT name || ' (copy)', $2, false, NULL, snapshot_id, as_of, seed + 1, k, customers, params, feature_names, imputation, scaler,
              kmeans, classifier, churn_model, priority, projection, metrics
         FROM model_version WHERE id = $1 RETURNING id`,
      [modelId, status],
    );
    return id;
  }

  it('activeModel shows the stored version with its metrics, churn model and quality', async () => {
    const r = await t.gql<{ activeModel: Record<string, any> }>(ACTIVE, {}, viewer);
    expect(r.body.errors).toBeUndefined();
    const m = r.body.data!.activeModel;
    const [row] = await db.ds.query(`SELECT * FROM model_version WHERE id = $1`, [modelId]);
    expect(m).toMatchObject({
      id: String(modelId),
      name: row.name,
      status: 'ready',
      isActive: true,
      seed: row.seed,
      k: row.k,
      customers: row.customers,
      featureNames: row.feature_names,
      trainingRunId: String(row.training_run_id),
      priorityFormula: row.priority.formula,
    });
    expect(new Date(m.asOf).getTime()).toBe(new Date(row.as_of).getTime());
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer_segment WHERE model_version_id = $1`, [modelId]);
    expect(m.customers).toBe(n);
    // Clusters: the stored ids with their profile names.
    const clusters = await db.ds.query(
      `SELECT segment_key AS id, name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' ORDER BY segment_key::int`,
      [modelId],
    );
    expect(m.clusters).toEqual(clusters);
    expect(m.clusters).toHaveLength(row.k);
    // Classifier metrics.
    const c = row.metrics.classifier;
    expect(m.classifier.accuracy).toBeCloseTo(c.accuracy, 12);
    expect(m.classifier.macroF1).toBeCloseTo(c.macroF1, 12);
    expect(m.classifier.labels).toEqual(c.labels.map(String));
    expect(m.classifier.confusionMatrix).toEqual(c.confusionMatrix);
    expect(m.classifier.perClass.map((p: { support: number }) => p.support).reduce((a: number, b: number) => a + b, 0)).toBe(
      c.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0),
    );
    expect(m.classifier.features).toEqual([...row.feature_names, 'state', 'topCategory']);
    // Churn model.
    expect(row.churn_model).not.toBeNull();
    expect(m.churnModel.model).toBe(row.churn_model.model);
    expect(m.churnModel.params).toEqual(row.churn_model.transaction.params);
    expect(m.churnModel.logLikelihood).toBeCloseTo(row.churn_model.transaction.fit.logLikelihood, 9);
    expect(m.churnModel.clvHorizonMonths).toBe(row.churn_model.clvHorizonMonths);
    expect(m.churnModel.spendParams).toEqual(row.churn_model.spend?.params ?? null);
    // Quality (ClusterQuality from the stored metrics).
    expect(m.quality).toMatchObject({ modelId: String(modelId), k: row.k, ariVsPrevious: null });
    expect(m.quality.silhouette).toBeCloseTo(row.metrics.silhouette, 12);
    expect(m.quality.inertia).toBeCloseTo(row.metrics.inertia, 6);
    expect(m.quality.kSearch.map((p: { k: number }) => p.k)).toEqual(row.metrics.kSearch.map((p: { k: number }) => p.k).sort((a: number, b: number) => a - b));
    expect(m.metrics).toEqual(row.metrics);
  });

  it('trainingRun and trainingRuns show the run that trained the model, with its steps', async () => {
    const [run] = await db.ds.query(`SELECT id FROM training_run WHERE model_version_id = $1`, [modelId]);
    const r = await t.gql<{ trainingRuns: any }>(RUNS, { first: 10 }, { ...viewer, headers: { 'x-debug-sql-count': '1' } });
    expect(r.body.errors).toBeUndefined();
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM training_run`);
    expect(r.body.data!.trainingRuns.totalCount).toBe(n);
    const node = r.body.data!.trainingRuns.edges.find((e: any) => e.node.id === String(run.id)).node;
    expect(node).toMatchObject({ status: 'SUCCEEDED', progress: 1, step: 'done', modelVersion: { id: String(modelId) } });
    expect(node.stepTimings.map((s: { step: string }) => s.step)).toEqual([...TRAIN_STEPS]);
    // Runs, count, and their model versions batched: a fixed number of statements.
    expect(r.body.extensions?.sqlStatements).toBeLessThanOrEqual(3);
    const one = await t.gql<{ trainingRun: { id: string; status: string } }>(RUN, { id: String(run.id) }, viewer);
    expect(one.body.data!.trainingRun).toEqual({ id: String(run.id), status: 'SUCCEEDED' });
    expect((await t.gql(RUN, { id: '999999' }, viewer)).body.data).toEqual({ trainingRun: null });
  });

  it('modelVersions pages newest first with cursors and a total count', async () => {
    const a = await copyModel('ready');
    const b = await copyModel('backtest');
    const c = await copyModel('ready');
    const ids: number[] = (await db.ds.query(`SELECT id FROM model_version ORDER BY id DESC`)).map((r: { id: number }) => r.id);
    expect(ids.slice(0, 3)).toEqual([c, b, a]);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: any = await t.gql(VERSIONS, { first: 2, after }, viewer);
      expect(r.body.errors).toBeUndefined();
      const conn = r.body.data.modelVersions;
      expect(conn.totalCount).toBe(ids.length);
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...conn.edges.map((e: any) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids.map(String));
    const single = await t.gql<{ modelVersion: { id: string } | null }>(VERSION, { id: String(b) }, viewer);
    expect(single.body.data!.modelVersion).toMatchObject({ id: String(b), isActive: false });
    expect((await t.gql(VERSION, { id: '99999' }, viewer)).body.data).toEqual({ modelVersion: null });
  });

  it('activateModel switches the active model and back; refuses backtest versions and unknown ids', async () => {
    const copy = await copyModel('ready');
    const backtest = await copyModel('backtest');
    const r = await t.gql<{ activateModel: { id: string; isActive: boolean; activatedAt: string } }>(ACTIVATE, { id: String(copy) }, admin);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.activateModel).toMatchObject({ id: String(copy), isActive: true });
    expect((await db.ds.query(`SELECT id FROM model_version WHERE is_active`)).map((x: { id: number }) => x.id)).toEqual([copy]);
    const active = await t.gql<{ activeModel: { id: string } }>(`{ activeModel { id } }`, {}, viewer);
    expect(active.body.data!.activeModel.id).toBe(String(copy));

    const bt = await t.gql(ACTIVATE, { id: String(backtest) }, admin);
    expect(bt.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bt.body.errors?.[0].message).toMatch(/backtest/);
    const missing = await t.gql(ACTIVATE, { id: '424242' }, admin);
    expect(missing.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await db.ds.query(`SELECT id FROM model_version WHERE is_active`)).map((x: { id: number }) => x.id)).toEqual([copy]);

    const back = await t.gql(ACTIVATE, { id: String(modelId) }, admin);
    expect(back.body.errors).toBeUndefined();
    expect((await db.ds.query(`SELECT id FROM model_version WHERE is_active`)).map((x: { id: number }) => x.id)).toEqual([modelId]);
  });

  it('backtests lists stored backtest rows, newest first (empty at first)', async () => {
    expect((await t.gql(BACKTESTS, {}, viewer)).body.data).toEqual({ backtests: [] });
    await db.ds.query(
      `INSERT INTO backtest_run (status, cutoff, horizon_days, results, finished_at) VALUES
         ('succeeded', '2018-03-01Z', 90, '{"auc": 0.7}', now()), ('running', '2018-05-01Z', 60, NULL, NULL)`,
    );
    const r = await t.gql<{ backtests: any[] }>(BACKTESTS, { first: 5 }, viewer);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.backtests.map((b) => [b.status, b.horizonDays, b.results])).toEqual([
      ['running', 60, null],
      ['succeeded', 90, { auc: 0.7 }],
    ]);
    expect((await t.gql<{ backtests: any[] }>(BACKTESTS, { first: 1 }, viewer)).body.data!.backtests).toHaveLength(1);
  });

  it('modelComparison: sizes of both versions and the customers that moved, for clusters and RFM segments', async () => {
    const COMPARE = `query($from: ID!, $to: ID!, $kind: SegmentKind) { modelComparison(from: $from, to: $to, kind: $kind) {
      from to kind sizes { key name fromSize toSize } moves { fromKey toKey customers } customersInBoth customersMoved } }`;
    // A second version whose assignment is known: every third customer moves to the next cluster (and to
    // "Lost" in RFM), every seventh is gone.
    const other = await copyModel('ready');
    const [{ k }] = await db.ds.query(`SELECT k FROM model_version WHERE id = $1`, [modelId]);
    await db.ds.query(`CREATE TABLE customer_segment_m${other} PARTITION OF customer_segment FOR VALUES IN (${other})`);
    await db.ds.query(
      `INSERT INTO customer_segment SELECT (jsonb_populate_record(cs, jsonb_build_object(
           'model_version_id', $2::int,
           'cluster_id', CASE WHEN cs.customer_id % 3 = 0 THEN cs.cluster_id % $3 + 1 ELSE cs.cluster_id END,
           'rfm_segment', CASE WHEN cs.customer_id % 3 = 0 THEN 'Lost' ELSE cs.rfm_segment END))).*
         FROM customer_segment cs WHERE cs.model_version_id = $1 AND cs.customer_id % 7 <> 0`,
      [modelId, other, k],
    );
    const rows: { id: number; cluster: number; rfm: string }[] = await db.ds.query(
      `SELECT customer_id AS id, cluster_id AS cluster, rfm_segment AS rfm FROM customer_segment WHERE model_version_id = $1`,
      [modelId],
    );
    for (const kind of ['CLUSTER', 'RFM'] as const) {
      const before = (r: (typeof rows)[number]) => (kind === 'CLUSTER' ? String(r.cluster) : r.rfm);
      const after = (r: (typeof rows)[number]) => (r.id % 7 === 0 ? null : r.id % 3 === 0 ? (kind === 'CLUSTER' ? String((r.cluster % k) + 1) : 'Lost') : before(r));
      const moves = new Map<string, number>();
      const sizes = new Map<string, [number, number]>();
      for (const r of rows) {
        const a = before(r);
        const b = after(r);
        moves.set(JSON.stringify([a, b]), (moves.get(JSON.stringify([a, b])) ?? 0) + 1);
        sizes.set(a, [(sizes.get(a)?.[0] ?? 0) + 1, sizes.get(a)?.[1] ?? 0]);
        if (b !== null) sizes.set(b, [sizes.get(b)?.[0] ?? 0, (sizes.get(b)?.[1] ?? 0) + 1]);
      }
      const r = await t.gql<any>(COMPARE, { from: String(modelId), to: String(other), kind }, viewer);
      expect(r.body.errors).toBeUndefined();
      const c = r.body.data.modelComparison;
      expect(Object.fromEntries(c.moves.map((m: any) => [JSON.stringify([m.fromKey, m.toKey]), m.customers]))).toEqual(Object.fromEntries(moves));
      expect(Object.fromEntries(c.sizes.map((s: any) => [s.key, [s.fromSize, s.toSize]]))).toEqual(Object.fromEntries(sizes));
      const both = rows.filter((x) => after(x) !== null);
      expect(c.customersInBoth).toBe(both.length);
      expect(c.customersMoved).toBe(both.filter((x) => after(x) !== before(x)).length);
      expect(c.customersMoved).toBeGreaterThan(0);
    }
    // The same version against itself: nobody moved.
    const self = (await t.gql<any>(COMPARE, { from: String(modelId), to: String(modelId) }, viewer)).body.data.modelComparison;
    expect(self.customersMoved).toBe(0);
    expect(self.customersInBoth).toBe(rows.length);
    const e = (await t.gql(COMPARE, { from: String(modelId), to: '99999' }, viewer)).body.errors?.[0];
    expect(e?.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'to' });
    expect((await t.gql(COMPARE, { from: 'x', to: '1' }, viewer)).body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
    await db.ds.query(`DROP TABLE customer_segment_m${other}`);
    await db.ds.query(`DELETE FROM model_version WHERE id = $1`, [other]);
  });

  it('/readyz fails while no model is active', async () => {
    const ok = await t.get('/readyz');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).checks.activeModel).toMatchObject({ ok: true, detail: `model ${modelId}` });
    await db.ds.query(`UPDATE model_version SET is_active = false WHERE id = $1`, [modelId]);
    try {
      const r = await t.get('/readyz');
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).checks.activeModel.ok).toBe(false);
      expect((await t.gql(`{ activeModel { id } }`, {}, viewer)).body.data).toEqual({ activeModel: null });
    } finally {
      await db.ds.query(`UPDATE model_version SET is_active = true WHERE id = $1`, [modelId]);
    }
  });

  describe('bad arguments', () => {
    const INJECTION = `1; DROP TABLE model_version; --`;
    it.each([
      ['modelVersion', { id: 'abc' }, VERSION],
      ['modelVersion', { id: INJECTION }, VERSION],
      ['modelVersion', { id: '-3' }, VERSION],
      ['modelVersion', { id: '99999999999' }, VERSION],
      ['trainingRun', { id: `' OR 1=1 --` }, RUN],
      ['modelVersions', { first: 0 }, VERSIONS],
      ['modelVersions', { first: 501 }, VERSIONS],
      ['modelVersions', { after: 'not-a-cursor' }, VERSIONS],
      ['modelVersions', { first: 'ten' }, VERSIONS],
      ['trainingRuns', { after: INJECTION }, RUNS],
      ['backtests', { first: -1 }, BACKTESTS],
    ])('%s %j → BAD_USER_INPUT', async (_name, variables, query) => {
      const r = await t.gql(query, variables, viewer);
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('activateModel: malformed ids are refused and change nothing', async () => {
      const before = await db.ds.query(`SELECT id, is_active, activated_at FROM model_version ORDER BY id`);
      for (const id of ['abc', INJECTION, '0', '', 1.5]) {
        const r = await t.gql(ACTIVATE, { id }, admin);
        expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      }
      expect(await db.ds.query(`SELECT id, is_active, activated_at FROM model_version ORDER BY id`)).toEqual(before);
    });

    it('viewers and analysts cannot activate', async () => {
      for (const key of [keys.viewer, keys.analyst]) {
        const r = await t.gql(ACTIVATE, { id: String(modelId) }, { key });
        expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
    });
  });
});
