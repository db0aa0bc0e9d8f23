import { createTestDb, type TestDb } from './helpers/db';

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates the warehouse with an index on every foreign key', async () => {
    const tables = await db.ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    const names = tables.map((t: { table_name: string }) => t.table_name);
    for (const t of ['customer', 'customer_account', 'geolocation', 'seller', 'product', 'product_category', 'orders', 'order_item', 'order_payment', 'order_review', 'transaction_line', 'seed_truth', 'order_fact']) {
      expect(names).toContain(t);
    }
    // Every FK's leading column must lead some index on its table.
    const unindexed = await db.ds.query(`
      SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       WHERE c.contype = 'f'
         AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])`);
    expect(unindexed).toEqual([]);
  });

  it('uses timestamptz for every timestamp', async () => {
    const plain = await db.ds.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'`,
    );
    expect(plain).toEqual([]);
  });

  it('reverts every migration and re-applies them', async () => {
    const n = db.ds.migrations.length;
    for (let i = 0; i < n; i++) await db.ds.undoLastMigration({ transaction: 'each' });
    const left = await db.ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(left).toEqual([]);
    await db.ds.runMigrations({ transaction: 'each' });
    const [{ count }] = await db.ds.query(`SELECT count(*)::int AS count FROM migrations`);
    expect(count).toBe(n);
  });
});
