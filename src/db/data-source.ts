import 'reflect-metadata';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import type { PoolClient } from 'pg';

/**
 * The entities and migrations a data source knows. The entry points compose it (src/data-model.ts) and pass it
 * in, so this plumbing layer imports no domain above it.
 */
export interface DataModel {
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
}

/**
 * The application_name of a serving process's connections. `seed --replace` refuses to run while any
 * connection carries it (a serving pool keeps its idle connections open, so a running service is always seen).
 */
export const SERVER_APPLICATION_NAME = 'segmenta-server';

export function createDataSource(url: string, model: DataModel, opts: { poolSize?: number; applicationName?: string; keepIdle?: boolean } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: model.entities,
    migrations: model.migrations,
    synchronize: false, // schema changes only through migrations/
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: opts.poolSize ?? 10, application_name: opts.applicationName ?? 'segmenta', ...(opts.keepIdle ? { idleTimeoutMillis: 0 } : {}) },
  });
}

/**
 * A raw pg client from the data source's pool, for COPY and for multi-statement transactions.
 * Released (and its transaction rolled back if still open) when `fn` settles.
 */
export async function withClient<T>(ds: DataSource, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  try {
    return await fn(client);
  } finally {
    await qr.release();
  }
}

/** Runs `fn` in one transaction on one client: it lands whole or not at all. */
export async function withTransaction<T>(ds: DataSource, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(ds, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** Pending migrations, by name, without running them. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds
    .query(`SELECT name FROM migrations`)
    .catch(() => [] as { name: string }[]);
  const done = new Set(rows.map((r) => r.name));
  return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !done.has(n));
}
