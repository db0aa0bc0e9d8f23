import { seedWarehouse } from '../../seeds/seed.service';
import { activeModel } from '../../src/models/model-registry.service';
import { train } from '../../src/models/train.pipeline';
import { createTestDb, type TestDb } from '../helpers/db';

describe('train pipeline on a seeded warehouse', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    await seedWarehouse(db.ds, { customers: 3000, seed: 11 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('trains, activates and writes every customer', async () => {
    const res = await train(db.ds, { seed: 5, kMax: 8 });
    expect(res.k).toBeGreaterThanOrEqual(2);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer_segment WHERE model_version_id = $1`, [res.modelId]);
    const [{ f }] = await db.ds.query(`SELECT count(*)::int AS f FROM customer_features WHERE snapshot_id = $1`, [res.snapshotId]);
    expect(n).toBe(f);
    expect((await activeModel(db.ds))?.id).toBe(res.modelId);
    const profiles = await db.ds.query(`SELECT kind, count(*)::int AS n FROM segment_profile WHERE model_version_id = $1 GROUP BY kind ORDER BY kind`, [res.modelId]);
    console.log(JSON.stringify({ res, profiles }, null, 1));
    const clusters = await db.ds.query(`SELECT segment_key, name, size, churn_risk, priority_rank, recommended_action FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' ORDER BY priority_rank`, [res.modelId]);
    console.table(clusters);
  });
});
