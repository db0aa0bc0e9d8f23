import path from 'node:path';
import { startEmbedded } from '../../src/db/embedded';

/**
 * Tests need a PostgreSQL server to create their own databases on. DATABASE_URL names one (CI on this
 * machine); without it an embedded server is started for the run, so a fresh clone needs nothing installed.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.SEGMENTA_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbedded({
    dataDir: path.resolve(__dirname, '../../.data/pg-test'),
    port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
  });
  (globalThis as { __segmentaTestPg?: typeof server }).__segmentaTestPg = server;
  process.env.SEGMENTA_TEST_ADMIN_URL = server.url;
  process.env.DATABASE_URL = server.url;
}
