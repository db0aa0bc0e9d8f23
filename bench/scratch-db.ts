import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { dataModel } from '../src/data-model';
import { createDataSource } from '../src/db/data-source';
import { ensureDatabase, openDatabase, type Database } from '../src/db/database';

/**
 * A scratch database for a benchmark: on DATABASE_URL's server when set, else on the embedded server.
 * Dropped by `drop()`.
 */
export async function scratchDatabase(): Promise<{ ds: DataSource; url: string; drop(): Promise<void> }> {
  const admin: Database = await openDatabase({ model: dataModel, migrate: false });
  const name = `segmenta_bench_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(admin.url, name);
  const u = new URL(admin.url);
  u.pathname = `/${name}`;
  const ds = createDataSource(u.toString(), dataModel, { poolSize: 4 });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return {
    ds,
    url: u.toString(),
    async drop() {
      await ds.destroy();
      const c = new Client({ connectionString: admin.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await admin.close();
    },
  };
}
