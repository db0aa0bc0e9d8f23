import { clusteringFeatures, featureDef, transformForClustering } from '../../src/features/catalogue';
import { readFeatureMatrix, sampleFeatureMatrix, type FeatureBatch } from '../../src/features/feature-matrix.service';
import { computeFeatures } from '../../src/features/features.service';
import { createTestDb, type TestDb } from '../helpers/db';
import { addCustomers, addOrders, generatePopulation } from './fixtures';

const AS_OF = new Date('2020-01-01T00:00:00Z');

describe('feature matrices', () => {
  let db: TestDb;
  let snapshotId: number;
  let expected: Map<number, { recency: number; monetary: number | null; cv: number | null }>;

  beforeAll(async () => {
    db = await createTestDb();
    const { customers, orders } = generatePopulation(57, 7, AS_OF);
    await addCustomers(db.ds, customers);
    await addOrders(db.ds, orders);
    ({ snapshotId } = await computeFeatures(db.ds, { asOf: AS_OF }));
    const rows: { customer_id: number; recency_days: number; monetary: number | null; order_value_cv: number | null }[] = await db.ds.query(
      `SELECT customer_id, recency_days, monetary, order_value_cv FROM customer_features WHERE snapshot_id = $1`,
      [snapshotId],
    );
    expected = new Map(rows.map((r) => [r.customer_id, { recency: r.recency_days, monetary: r.monetary, cv: r.order_value_cv }]));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('streams every row once, in customer order, in batches, with NaN for NULL', async () => {
    const batches: FeatureBatch[] = [];
    const res = await readFeatureMatrix(db.ds, snapshotId, ['recencyDays', 'monetary', 'order_value_cv'], {
      batchSize: 10,
      onBatch: (b) => {
        batches.push(b);
      },
    });
    expect(res.rows).toBe(expected.size);
    expect(batches.map((b) => b.rows)).toEqual([10, 10, 10, 10, 10, ...(expected.size > 50 ? [expected.size - 50] : [])]);
    const ids = batches.flatMap((b) => Array.from(b.customerIds));
    expect(ids).toEqual([...expected.keys()].sort((a, b) => a - b));
    let nulls = 0;
    for (const b of batches) {
      expect(b.columns).toEqual(['recencyDays', 'monetary', 'orderValueCv']);
      for (let i = 0; i < b.rows; i++) {
        const e = expected.get(b.customerIds[i])!;
        expect(b.values[i * 3]).toBe(e.recency);
        expect(b.values[i * 3 + 1]).toBe(e.monetary ?? NaN);
        expect(b.values[i * 3 + 2]).toBe(e.cv ?? NaN);
        if (e.cv === null) nulls++;
      }
    }
    expect(nulls).toBeGreaterThan(0);
  });

  it('samples deterministically by seed', async () => {
    const a = await sampleFeatureMatrix(db.ds, snapshotId, ['frequency'], 20, 1);
    const b = await sampleFeatureMatrix(db.ds, snapshotId, ['frequency'], 20, 1);
    const c = await sampleFeatureMatrix(db.ds, snapshotId, ['frequency'], 20, 2);
    expect(a.rows).toBe(20);
    expect(Array.from(a.customerIds)).toEqual(Array.from(b.customerIds));
    expect(Array.from(a.customerIds)).not.toEqual(Array.from(c.customerIds));
    expect(Array.from(a.customerIds)).toEqual([...a.customerIds].sort((x, y) => x - y));
    const all = await sampleFeatureMatrix(db.ds, snapshotId, ['frequency'], 10_000, 1);
    expect(all.rows).toBe(expected.size);
  });

  it('refuses unknown, non-numeric or repeated features and missing snapshots', async () => {
    const onBatch = () => undefined;
    await expect(readFeatureMatrix(db.ds, snapshotId, ['nope'], { onBatch })).rejects.toThrow(/featureNames\[0\]: unknown feature "nope"/);
    await expect(readFeatureMatrix(db.ds, snapshotId, ['frequency', 'topCategory'], { onBatch })).rejects.toThrow(/featureNames\[1\].*text/);
    await expect(readFeatureMatrix(db.ds, snapshotId, ['frequency', 'frequency'], { onBatch })).rejects.toThrow(/twice/);
    await expect(readFeatureMatrix(db.ds, snapshotId, [], { onBatch })).rejects.toThrow(/non-empty/);
    await expect(readFeatureMatrix(db.ds, snapshotId + 99, ['frequency'], { onBatch })).rejects.toThrow(/does not exist/);
    await expect(sampleFeatureMatrix(db.ds, snapshotId, ['frequency'], 0, 1)).rejects.toThrow(/n must be a positive integer/);
  });

  it('log-transforms heavy-tailed clustering features, keeping the sign and NaN', () => {
    const m = featureDef('monetary');
    expect(transformForClustering(m, Math.E - 1)).toBeCloseTo(1, 12);
    expect(transformForClustering(m, -(Math.E - 1))).toBeCloseTo(-1, 12);
    expect(transformForClustering(m, NaN)).toBeNaN();
    expect(transformForClustering(featureDef('avgReviewScore'), 4)).toBe(4);
    expect(clusteringFeatures().map((f) => f.name)).toContain('recencyDays');
  });
});
