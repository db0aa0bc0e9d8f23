import { seedWarehouse } from '../../seeds/seed.service';
import { activeModel } from '../../src/models/model-registry.service';
import { acquireTrainingLock, recoverInterruptedRuns } from '../../src/models/training-run.service';
import { train } from '../../src/models/train.pipeline';
import { createTestDb, type TestDb } from '../helpers/db';

const assignments = (db: TestDb, modelId: number): Promise<{ customer_id: number; cluster_id: number; rfm_segment: string; clv: number }[]> =>
  db.ds.query(`SELECT customer_id, cluster_id, rfm_segment, clv FROM customer_segment WHERE model_version_id = $1 ORDER BY customer_id`, [modelId]);

describe('train pipeline on a seeded warehouse', () => {
  let db: TestDb;
  let first: Awaited<ReturnType<typeof train>>;
  beforeAll(async () => {
    db = await createTestDb();
    await seedWarehouse(db.ds, { customers: 3000, seed: 11 });
    first = await train(db.ds, { seed: 5, kMax: 6 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('writes every customer of the snapshot, all segment kinds, and activates the version', async () => {
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer_segment WHERE model_version_id = $1`, [first.modelId]);
    const [{ f }] = await db.ds.query(`SELECT count(*)::int AS f FROM customer_features WHERE snapshot_id = $1`, [first.snapshotId]);
    expect(n).toBe(f);
    expect(first.customers).toBe(f);
    expect((await activeModel(db.ds))?.id).toBe(first.modelId);
    const kinds = await db.ds.query(
      `SELECT kind, count(*)::int AS segments, sum(size)::int AS members, sum(priority_score) AS priority
         FROM segment_profile WHERE model_version_id = $1 GROUP BY kind ORDER BY kind`,
      [first.modelId],
    );
    expect(kinds.map((k: { kind: string }) => k.kind)).toEqual(['ABC_XYZ', 'CLUSTER', 'RFM']);
    for (const k of kinds) {
      expect(k.members).toBe(n); // every customer in exactly one segment of each kind
      expect(k.priority).toBeCloseTo(1, 9); // priority scores are shares of value at risk
    }
    const clusters = await db.ds.query(`SELECT name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'`, [first.modelId]);
    expect(clusters).toHaveLength(first.k);
    expect(new Set(clusters.map((c: { name: string }) => c.name)).size).toBe(first.k); // unique names
    const [run] = await db.ds.query(`SELECT status, progress, model_version_id, step_timings FROM training_run WHERE id = $1`, [first.runId]);
    expect(run).toMatchObject({ status: 'succeeded', progress: 1, model_version_id: first.modelId });
    expect(run.step_timings.map((s: { step: string }) => s.step)).toEqual(['features', 'clusters', 'assign', 'churn', 'classifier', 'persist']);
    expect(first.classifierMacroF1).toBeGreaterThan(0.8);
  });

  it('stores segment profiles equal to grouping the model\'s rows by each kind directly', async () => {
    const direct = await db.ds.query(
      `SELECT kind, key, count(*)::int AS size, avg(f.monetary)::float8 AS avg_monetary, avg(f.recency_days)::float8 AS avg_recency,
              avg(cs.clv)::float8 AS clv_mean,
              avg(sign(f.monetary) * ln(1 + abs(f.monetary)))::float8 AS t_monetary,
              avg(f.avg_review_score)::float8 AS m_review
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
         CROSS JOIN LATERAL (VALUES ('CLUSTER', cs.cluster_id::text), ('RFM', cs.rfm_segment), ('ABC_XYZ', cs.abc || cs.xyz)) k(kind, key)
        WHERE cs.model_version_id = $1
        GROUP BY kind, key ORDER BY kind, key`,
      [first.modelId, first.snapshotId],
    );
    const stored = await db.ds.query(
      `SELECT kind, segment_key AS key, size, avg_monetary, avg_recency_days, expected_value_mean, profile
         FROM segment_profile WHERE model_version_id = $1 ORDER BY kind, segment_key`,
      [first.modelId],
    );
    expect(stored.map((r: { kind: string; key: string }) => `${r.kind}:${r.key}`)).toEqual(direct.map((r: { kind: string; key: string }) => `${r.kind}:${r.key}`));
    direct.forEach((d: Record<string, number>, i: number) => {
      const s = stored[i];
      expect(s.size).toBe(d.size);
      expect(s.avg_monetary).toBeCloseTo(d.avg_monetary, 6);
      expect(s.avg_recency_days).toBeCloseTo(d.avg_recency, 6);
      expect(s.expected_value_mean).toBeCloseTo(d.clv_mean, 6);
      const feature = (name: string) => s.profile.find((p: { feature: string }) => p.feature === name);
      expect(feature('avg_review_score').mean).toBeCloseTo(d.m_review, 9);
    });
    // Per customer: value at risk = churn probability × value if retained (both estimated here for everyone), and
    // the tier is the same probability in bands; per segment: value at risk = the sum over its members.
    const [bad] = await db.ds.query(
      `SELECT count(*) FILTER (WHERE abs(value_at_risk - churn_probability * value_if_retained) > 1e-9 * greatest(1, abs(value_at_risk))
                                OR priority_score IS DISTINCT FROM value_at_risk)::int AS n,
              count(*) FILTER (WHERE churn_tier <> CASE WHEN churn_probability >= 2.0 / 3 THEN 'HIGH' WHEN churn_probability >= 1.0 / 3 THEN 'MEDIUM' ELSE 'LOW' END)::int AS tier
         FROM customer_segment WHERE model_version_id = $1`,
      [first.modelId],
    );
    expect(bad).toEqual({ n: 0, tier: 0 });
    const [seg] = await db.ds.query(
      `SELECT count(*)::int AS n FROM segment_profile sp
         JOIN (SELECT rfm_segment, sum(value_at_risk) AS v FROM customer_segment WHERE model_version_id = $1 GROUP BY 1) c ON c.rfm_segment = sp.segment_key
        WHERE sp.model_version_id = $1 AND sp.kind = 'RFM' AND abs(sp.value_at_risk - c.v) > 1e-6 * greatest(1, c.v)`,
      [first.modelId],
    );
    expect(seg.n).toBe(0);
  });

  it('is deterministic: the same seed on the same data gives the same assignments, ids and names', async () => {
    const again = await train(db.ds, { seed: 5, kMax: 6 });
    expect(again.k).toBe(first.k);
    const [a, b] = [await assignments(db, first.modelId), await assignments(db, again.modelId)];
    expect(b.map((r) => r.cluster_id)).toEqual(a.map((r) => r.cluster_id));
    expect(b.map((r) => r.rfm_segment)).toEqual(a.map((r) => r.rfm_segment));
    b.forEach((r, i) => expect(r.clv).toBeCloseTo(a[i].clv, 9));
    expect(again.ariVsPrevious).toBeCloseTo(1, 12);
    const names = (id: number) => db.ds.query(`SELECT segment_key, name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' ORDER BY segment_key`, [id]);
    expect(await names(again.modelId)).toEqual(await names(first.modelId));
  });

  it('a failure at any step leaves the active model and its assignments untouched', async () => {
    const active = await activeModel(db.ds);
    const before = await assignments(db, active!.id);
    const [{ versions }] = await db.ds.query(`SELECT count(*)::int AS versions FROM model_version`);
    for (const step of ['clusters', 'persist'] as const) {
      await expect(train(db.ds, { seed: 9, k: 4, failAt: step })).rejects.toThrow(`injected failure at step "${step}"`);
      const [run] = await db.ds.query(`SELECT status, error, step FROM training_run ORDER BY id DESC LIMIT 1`);
      expect(run.status).toBe('failed');
      expect(run.error).toContain(step);
    }
    expect((await activeModel(db.ds))?.id).toBe(active!.id);
    expect(await assignments(db, active!.id)).toEqual(before);
    const [{ after }] = await db.ds.query(`SELECT count(*)::int AS after FROM model_version`);
    expect(after).toBe(versions);
    // Nothing of the failed versions survives, not even their partitions.
    const [{ parts }] = await db.ds.query(`SELECT count(*)::int AS parts FROM pg_inherits WHERE inhparent = 'customer_segment'::regclass`);
    expect(parts).toBe(versions);
  });

  it('refuses a second training while one holds the lock, and recovers runs left by a crash', async () => {
    const lock = await acquireTrainingLock(db.ds);
    try {
      await expect(train(db.ds, { seed: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await lock.release();
    }
    await db.ds.query(`INSERT INTO training_run (status, params, started_at) VALUES ('running', '{}', now())`);
    expect(await recoverInterruptedRuns(db.ds)).toBe(1);
    const [run] = await db.ds.query(`SELECT status, error FROM training_run ORDER BY id DESC LIMIT 1`);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/interrupted/);
  });

  it('rejects bad options with the argument named', async () => {
    await expect(train(db.ds, { k: 1 })).rejects.toThrow(/k must be/);
    await expect(train(db.ds, { seed: -3 })).rejects.toThrow(/seed must be/);
    await expect(train(db.ds, { kMin: 5, kMax: 3 })).rejects.toThrow(/kMin\.\.kMax/);
  });
});
