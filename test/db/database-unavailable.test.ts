import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import readline from 'node:readline';
import { sendThrown } from '../../src/http/respond';
import type { Database } from '../../src/db/database';
import { isDatabaseUnavailable } from '../../src/db/unavailable';
import { createServer, type AppServer } from '../../src/server';
import { createTestDb, type TestDb } from '../helpers/db';
import { captureLogger } from '../graphql/helpers';

const QUERY = JSON.stringify({ query: '{ warehouseStats { customers } }' });
const ask = async (server: AppServer) => {
  const r = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY });
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
};
const readyDatabase = async (server: AppServer) => {
  const r = await fetch(`${server.url}/readyz`);
  return { status: r.status, database: ((await r.json()) as { checks: Record<string, { ok: boolean }> }).checks.database.ok };
};
const serve = (db: Pick<Database, 'ds'>) =>
  createServer({ db, port: 0, host: '127.0.0.1', logger: captureLogger().logger, settings: { apiKeys: '', rateLimitPoints: 0, stopGraceMs: 500 } });

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures, not statement errors', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable({ message: 'x', driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });
});

const FIXTURE = path.join(__dirname, 'supervised-server.fixture.js');
const BUILT = path.resolve(__dirname, '../../dist/src/db/embedded.js');
/** Why the embedded test cannot run (dist/ missing or older than src/db), or null. */
function notBuilt(): string | null {
  if (!fs.existsSync(BUILT)) return 'dist/ is missing: run npm run build';
  const src = path.resolve(__dirname, '../../src/db/embedded.ts');
  return fs.statSync(BUILT).mtimeMs < fs.statSync(src).mtimeMs ? 'dist/ is older than src/: run npm run build' : null;
}
const reason = notBuilt();
if (reason) console.warn(`embedded supervision test skipped: ${reason}`);

(reason ? describe.skip : describe)('embedded PostgreSQL killed with SIGKILL', () => {
  let child: ChildProcess;
  let dataDir: string;
  let url: string;
  let pid: number;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-supervise-'));
    if (typeof process.getuid === 'function' && process.getuid() === 0) fs.chmodSync(dataDir, 0o777); // the data dir goes to the postgres user
    const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_PG_DIR: path.join(dataDir, 'pg'), EMBEDDED_PG_PORT: process.env.SUPERVISE_TEST_PG_PORT ?? '54313', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    child = spawn(process.execPath, [FIXTURE], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        const o = JSON.parse(line) as Record<string, unknown>;
        lines.push(o);
        if (typeof o.url === 'string') resolve(o as { url: string; pid: number });
      });
      child.once('exit', (code) => reject(new Error(`the service exited with code ${code} before serving`)));
    });
    ({ url, pid } = ready);
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('answers 503 DATABASE_UNAVAILABLE while it is down, restarts it, and serves data again within 30 s', async () => {
    const server = { url, graphqlUrl: `${url}/graphql` } as AppServer;
    expect(await ask(server)).toMatchObject({ status: 200, body: { data: { warehouseStats: { customers: 0 } } } });
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();

    // Backends already connected may answer a moment longer (they notice the postmaster's death on their own).
    let down = await ask(server);
    while (!down.body.errors && Date.now() - t0 < 10_000) {
      await new Promise((res) => setTimeout(res, 20));
      down = await ask(server);
    }
    expect(down.status).toBe(503);
    expect(down.retryAfter).toBe('5');
    expect(down.body.errors![0].extensions?.code).toBe('DATABASE_UNAVAILABLE');
    expect(down.body.errors![0].message).toMatch(/database is unavailable/);
    expect(await readyDatabase(server)).toEqual({ status: 503, database: false });

    let back: Awaited<ReturnType<typeof ask>> | undefined;
    while (Date.now() - t0 < 30_000) {
      const r = await ask(server);
      if (r.status === 200) {
        back = r;
        break;
      }
      expect(r.body.errors![0].extensions?.code).toBe('DATABASE_UNAVAILABLE');
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(back?.body).toEqual({ data: { warehouseStats: { customers: 0 } } });
    expect((await readyDatabase(server)).database).toBe(true);
    const logs = lines.map((l) => String(l.log ?? ''));
    expect(logs.some((l) => /exited unexpectedly \(SIGKILL\)/.test(l))).toBe(true);
    expect(logs.some((l) => /restarted/.test(l))).toBe(true);
  }, 60_000);
});

describe('external PostgreSQL unreachable', () => {
  let db: TestDb;
  let server: AppServer;
  beforeAll(async () => {
    db = await createTestDb();
    server = await serve(db);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('answers 503 DATABASE_UNAVAILABLE while no connection can be made, and recovers by itself', async () => {
    expect((await ask(server)).status).toBe(200);
    const pool = (db.ds.driver as unknown as { master: { options: { port?: number; connectionString?: string } } }).master;
    const saved = { ...pool.options };
    // The network to the server breaks: new connections are refused, open ones are cut.
    pool.options.port = 1;
    if (pool.options.connectionString) pool.options.connectionString = pool.options.connectionString.replace(/:\d+\//, ':1/');
    await db.ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).catch(() => undefined);
    await db.ds.query(`SELECT pg_terminate_backend(pg_backend_pid())`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // the pool drops the clients it sees cut
    const down = await ask(server);
    expect(down.body.errors?.[0]).toMatchObject({ extensions: { code: 'DATABASE_UNAVAILABLE' } });
    expect(down.status).toBe(503);
    expect(await readyDatabase(server)).toEqual({ status: 503, database: false });
    Object.assign(pool.options, saved);
    expect(await ask(server)).toMatchObject({ status: 200, body: { data: { warehouseStats: { customers: 0 } } } });
  });
});

describe('HTTP routes', () => {
  it('answer 503 DATABASE_UNAVAILABLE with Retry-After when the database cannot be reached', () => {
    const sent: { status?: number; headers?: Record<string, unknown>; body?: string } = {};
    const res = {
      headersSent: false,
      writeHead(status: number, headers: Record<string, unknown>) {
        sent.status = status;
        sent.headers = headers;
      },
      end(body: string) {
        sent.body = body;
      },
    } as unknown as ServerResponse;
    const unexpected = sendThrown(res, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:54329'), { code: 'ECONNREFUSED' }));
    expect(unexpected).toBe(true); // logged by the caller
    expect(sent.status).toBe(503);
    expect(sent.headers).toMatchObject({ 'retry-after': '5' });
    expect(JSON.parse(sent.body!)).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable at the moment: retry shortly' } });
  });
});
