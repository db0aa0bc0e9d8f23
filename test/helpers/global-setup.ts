import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEmbedded } from '../../src/db/embedded';

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Data directories of earlier runs that were killed before their teardown (their jest process is gone). */
function removeStaleRuns(root: string): void {
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || alive(pid)) continue;
    const pidFile = path.join(root, name, 'postmaster.pid');
    const postmaster = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    if (postmaster > 0 && alive(postmaster)) process.kill(postmaster, 'SIGINT');
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * Tests need a PostgreSQL server to create their own databases on. DATABASE_URL names one (CI on this
 * machine); without it an embedded server is started for this run only — its own data directory and port, so
 * two runs side by side never share (or stop) each other's server — and removed afterwards.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.SEGMENTA_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const root = path.resolve(__dirname, '../../.data/pg-test-runs');
  removeStaleRuns(root);
  const dataDir = path.join(root, String(process.pid));
  const server = await startEmbedded({ dataDir, port: await freePort() });
  (globalThis as { __segmentaTestPg?: unknown }).__segmentaTestPg = {
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  process.env.SEGMENTA_TEST_ADMIN_URL = server.url;
  process.env.DATABASE_URL = server.url;
}
