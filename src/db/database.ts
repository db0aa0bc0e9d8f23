import type { DataSource } from 'typeorm';
import { config } from '../config';
import { createDataSource, type DataModel } from './data-source';
import { startEmbedded, type EmbeddedServer } from './embedded';

export interface Database {
  ds: DataSource;
  url: string;
  /** Human-readable: which server is in use (no password). */
  description: string;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * One code path for every environment: DATABASE_URL when set, else an embedded PostgreSQL owned by this
 * process (data in EMBEDDED_PG_DIR, created on first run, reused afterwards).
 */
export async function openDatabase(
  opts: { model: DataModel; migrate?: boolean; log?: (m: string) => void; url?: string; poolSize?: number; applicationName?: string; keepIdle?: boolean },
): Promise<Database> {
  const c = config();
  const log = opts.log ?? (() => undefined);
  let url = opts.url ?? c.DATABASE_URL;
  let embedded: EmbeddedServer | undefined;
  let description: string;
  if (url) {
    description = `PostgreSQL at ${redactUrl(url)}`;
  } else {
    embedded = await startEmbedded({ dataDir: c.EMBEDDED_PG_DIR, port: c.EMBEDDED_PG_PORT, log });
    await ensureDatabase(embedded.url, 'segmenta');
    url = embedded.url.replace(/\/postgres$/, '/segmenta');
    description = `embedded PostgreSQL on 127.0.0.1:${c.EMBEDDED_PG_PORT} (data in ${embedded.dataDir})`;
  }
  const ds = createDataSource(url, opts.model, { poolSize: opts.poolSize, applicationName: opts.applicationName, keepIdle: opts.keepIdle });
  try {
    await ds.initialize();
    if (opts.migrate) await ds.runMigrations({ transaction: 'each' });
  } catch (e) {
    if (ds.isInitialized) await ds.destroy();
    await embedded?.stop();
    throw e;
  }
  let closed = false;
  return {
    ds,
    url,
    description,
    embedded,
    async close() {
      if (closed) return;
      closed = true;
      if (ds.isInitialized) await ds.destroy();
      await embedded?.stop();
    },
  };
}

/** CREATE DATABASE when missing (an embedded server starts with only `postgres`). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Close `db` once on SIGINT/SIGTERM, then exit. */
export function closeOnSignals(close: () => Promise<void>, log: (m: string) => void = () => undefined): void {
  let closing = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (closing) return;
      closing = true;
      log(`${sig} received, shutting down`);
      close()
        .catch((e) => log(`shutdown error: ${String(e)}`))
        .finally(() => process.exit(0));
    });
  }
}
