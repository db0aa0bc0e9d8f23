import { scoreRfm } from '../../src/segmentation/rfm';
import { rfmSql } from '../../src/segmentation/rfm.sql';
import { generatedSnapshot } from '../features/fixtures';
import type { TestDb } from '../helpers/db';

const AS_OF = new Date('2019-07-01T00:00:00Z');

describe('rfmSql', () => {
  let db: TestDb;
  let snapshotId: number;
  beforeAll(async () => {
    ({ db, snapshotId } = await generatedSnapshot(200, 42, AS_OF));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('agrees exactly with the pure functions on a generated snapshot', async () => {
    const feats: { customer_id: number; recency_days: number; frequency: number; monetary: number | null }[] = await db.ds.query(
      `SELECT customer_id, recency_days, frequency, monetary FROM customer_features WHERE snapshot_id = $1 ORDER BY customer_id`,
      [snapshotId],
    );
    expect(feats.length).toBe(200);
    // The population has the shapes the rules care about.
    expect(feats.filter((f) => f.frequency === 1).length).toBeGreaterThan(200 / 5);
    expect(feats.some((f) => f.monetary === null)).toBe(true);
    expect(new Set(feats.map((f) => f.recency_days)).size).toBeLessThan(200);

    const pure = scoreRfm(feats.map((f) => ({ customerId: f.customer_id, recencyDays: f.recency_days, frequency: f.frequency, monetary: f.monetary })));
    const sql: { customer_id: number; r: number; f: number; m: number; rfm_score: number; segment: string; churn_tier: string }[] = await db.ds.query(
      `SELECT * FROM (${rfmSql(snapshotId)}) x ORDER BY customer_id`,
    );
    expect(sql.map((s) => ({ customerId: s.customer_id, r: s.r, f: s.f, m: s.m, rfmScore: s.rfm_score, segment: s.segment, churnTier: s.churn_tier }))).toEqual(pure);

    // R and M use every score; F keeps one-time buyers at 1 and spreads repeat buyers (ties may skip a score).
    for (const k of ['r', 'm'] as const) expect(new Set(pure.map((p) => p[k]))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(pure.filter((_, i) => feats[i].frequency > 1).map((p) => p.f)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(pure.filter((_, i) => feats[i].frequency === 1).map((p) => p.f))).toEqual(new Set([1]));
    expect(new Set(pure.map((p) => p.segment)).size).toBeGreaterThanOrEqual(8);
  });

  it('serves as the source of an INSERT … SELECT', async () => {
    await db.ds.query(`CREATE TEMP TABLE rfm_out (customer_id int PRIMARY KEY, r smallint, f smallint, m smallint, rfm_score float8, segment text, churn_tier text)`);
    await db.ds.query(`INSERT INTO rfm_out ${rfmSql(snapshotId)}`);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM rfm_out`);
    expect(n).toBe(200);
    expect(() => rfmSql(0)).toThrow(/snapshotId must be a positive integer/);
  });
});
