import { seedWarehouse } from '../../seeds/seed.service';
import { train, type TrainResult } from '../../src/models/train.pipeline';
import { createTestDb, type TestDb } from './db';

/**
 * A fresh database with a small seeded warehouse and an active trained model — the common starting point of
 * API tests. About 2,000 customers keeps it to a few seconds.
 */
export async function createTrainedDb(opts: { customers?: number; seed?: number; k?: number } = {}): Promise<TestDb & { model: TrainResult }> {
  const db = await createTestDb();
  try {
    await seedWarehouse(db.ds, { customers: opts.customers ?? 2000, seed: opts.seed ?? 7 });
    const model = await train(db.ds, { seed: opts.seed ?? 7, k: opts.k, kMax: 6, fitSampleSize: 20_000 });
    return Object.assign(db, { model });
  } catch (e) {
    await db.drop();
    throw e;
  }
}
