import { classifyAbcXyz } from '../../src/segmentation/abc-xyz';
import { abcXyzSql } from '../../src/segmentation/abc-xyz.sql';
import { generatedSnapshot } from '../features/fixtures';
import type { TestDb } from '../helpers/db';

const AS_OF = new Date('2019-07-01T00:00:00Z');

describe('abcXyzSql', () => {
  let db: TestDb;
  let snapshotId: number;
  beforeAll(async () => {
    ({ db, snapshotId } = await generatedSnapshot(200, 4242, AS_OF));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('agrees exactly with the pure functions on a generated snapshot', async () => {
    const feats: { customer_id: number; monetary: number | null; frequency: number; order_value_cv: number | null }[] = await db.ds.query(
      `SELECT customer_id, monetary, frequency, order_value_cv FROM customer_features WHERE snapshot_id = $1 ORDER BY customer_id`,
      [snapshotId],
    );
    expect(feats.length).toBe(200);
    const monetary = feats.map((f) => f.monetary);
    expect(monetary.some((m) => m === null || m <= 0)).toBe(true);
    expect(new Set(monetary).size).toBeLessThan(200); // ties

    const pure = classifyAbcXyz(feats.map((f) => ({ customerId: f.customer_id, monetary: f.monetary, frequency: f.frequency, orderValueCv: f.order_value_cv })));
    const sql: { customer_id: number; abc: string; xyz: string; abc_xyz: string }[] = await db.ds.query(`SELECT * FROM (${abcXyzSql(snapshotId)}) x ORDER BY customer_id`);
    expect(sql.map((s) => ({ customerId: s.customer_id, abc: s.abc, xyz: s.xyz, abcXyz: s.abc_xyz }))).toEqual(pure);
    expect(new Set(pure.map((p) => p.abc))).toEqual(new Set(['A', 'B', 'C']));
    expect(new Set(pure.map((p) => p.xyz))).toEqual(new Set(['X', 'Y', 'Z', 'S']));

    // A holds at least 80 % of the positive revenue, and A without its smallest members less than 80 %.
    const pos = feats.filter((f) => f.monetary !== null && f.monetary > 0);
    const total = pos.reduce((s, f) => s + f.monetary!, 0);
    const a = pure.filter((p) => p.abc === 'A').map((p) => feats.find((f) => f.customer_id === p.customerId)!.monetary!);
    const aSum = a.reduce((s, m) => s + m, 0);
    expect(aSum / total).toBeGreaterThanOrEqual(0.8);
    const minA = Math.min(...a);
    expect((aSum - a.filter((m) => m === minA).reduce((s, m) => s + m, 0)) / total).toBeLessThan(0.8);
  });
});
