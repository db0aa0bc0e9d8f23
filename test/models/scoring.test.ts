import { classifyAbcXyz } from '../../src/segmentation/abc-xyz';
import { scoreRfm } from '../../src/segmentation/rfm';
import { scoreSegments } from '../../src/models/steps/scoring.step';
import { generatedSnapshot } from '../features/fixtures';
import type { TestDb } from '../helpers/db';

const AS_OF = new Date('2019-07-01T00:00:00Z');

describe('scoreSegments', () => {
  let db: TestDb;
  let snapshotId: number;
  let feats: { customer_id: number; recency_days: number; frequency: number; monetary: number | null; order_value_cv: number | null }[];
  beforeAll(async () => {
    ({ db, snapshotId } = await generatedSnapshot(200, 42, AS_OF));
    feats = await db.ds.query(
      `SELECT customer_id, recency_days, frequency, monetary, order_value_cv FROM customer_features WHERE snapshot_id = $1 ORDER BY customer_id`,
      [snapshotId],
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('scores a whole snapshot exactly as the pure RFM and ABC/XYZ rules do', async () => {
    expect(feats.length).toBe(200);
    // The population has the shapes the rules care about: dominant one-time buyers, unknown and non-positive
    // spend, ties in recency and spend.
    expect(feats.filter((f) => f.frequency === 1).length).toBeGreaterThan(200 / 5);
    expect(feats.some((f) => f.monetary === null)).toBe(true);
    expect(feats.some((f) => f.monetary !== null && f.monetary <= 0)).toBe(true);
    expect(new Set(feats.map((f) => f.recency_days)).size).toBeLessThan(200);
    expect(new Set(feats.map((f) => f.monetary)).size).toBeLessThan(200);

    const s = await scoreSegments(db.ds, snapshotId, Int32Array.from(feats.map((f) => f.customer_id)));
    const rfm = scoreRfm(feats.map((f) => ({ customerId: f.customer_id, recencyDays: f.recency_days, frequency: f.frequency, monetary: f.monetary })));
    const abc = classifyAbcXyz(feats.map((f) => ({ customerId: f.customer_id, monetary: f.monetary, frequency: f.frequency, orderValueCv: f.order_value_cv })));
    expect(feats.map((f, i) => ({ customerId: f.customer_id, r: s.r[i], f: s.f[i], m: s.m[i], rfmScore: s.rfmScore[i], segment: s.segment[i], churnTier: s.churnTier[i] }))).toEqual(rfm);
    expect(feats.map((f, i) => ({ customerId: f.customer_id, abc: s.abc[i], xyz: s.xyz[i], abcXyz: `${s.abc[i]}${s.xyz[i]}` }))).toEqual(abc);
    expect(s.monetary).toEqual(feats.map((f) => f.monetary));

    // R and M use every score; F keeps one-time buyers at 1 and spreads repeat buyers; A, B, C and X, Y, Z, S all occur.
    for (const k of ['r', 'm'] as const) expect(new Set(s[k])).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(Array.from(s.f).filter((_, i) => feats[i].frequency > 1)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(Array.from(s.f).filter((_, i) => feats[i].frequency === 1))).toEqual(new Set([1]));
    expect(new Set(s.segment).size).toBeGreaterThanOrEqual(8);
    expect(new Set(s.abc)).toEqual(new Set(['A', 'B', 'C']));
    expect(new Set(s.xyz)).toEqual(new Set(['X', 'Y', 'Z', 'S']));
  });

  it('refuses customers that are not the snapshot, in its order', async () => {
    const ids = Int32Array.from(feats.map((f) => f.customer_id));
    await expect(scoreSegments(db.ds, snapshotId, ids.slice(0, 199))).rejects.toThrow(/changed while it was being read|has 200 customers/);
    const swapped = ids.slice();
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    await expect(scoreSegments(db.ds, snapshotId, swapped)).rejects.toThrow(/row 0/);
  });
});
