import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { dataModel } from '../../src/data-model';
import { createDataSource } from '../../src/db/data-source';

export interface TestDb {
  name: string;
  url: string;
  ds: DataSource;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.SEGMENTA_TEST_ADMIN_URL;
  if (!url) throw new Error('SEGMENTA_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, uniquely named database with every migration applied (unless `migrate: false`); drop() removes it. */
export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const name = `segmenta_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl(), name);
  const ds = createDataSource(url, dataModel, { poolSize: 5 });
  await ds.initialize();
  if (opts.migrate !== false) await ds.runMigrations({ transaction: 'each' });
  return {
    name,
    url,
    ds,
    async drop() {
      if (ds.isInitialized) await ds.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * A fresh migrated database for the test file: created before its tests, dropped after them. Call at the top
 * level of the file; the returned function gives the database inside tests and hooks.
 */
export function useTestDb(): () => TestDb {
  let db: TestDb | undefined;
  beforeAll(async () => {
    db = await createTestDb();
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error('the test database is not ready: useTestDb() must be called at the top level of the file');
    return db;
  };
}

/** Absolute path of the shared reference data, or null (with the reason logged) when a clone lacks it. */
export function sharedData(rel: string): string | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require('node:path') as typeof import('node:path');
  const p = path.resolve(__dirname, '../../../shared/data', rel);
  return fs.existsSync(p) ? p : null;
}
