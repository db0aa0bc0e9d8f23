import pino, { type Logger } from 'pino';
import { createServer, type AppServer, type CreateServerOptions, type ServerSettings } from '../../src/server';
import { hashKey } from '../../src/auth/api-keys';
import type { Role } from '../../src/auth/roles';
import { createTestDb, type TestDb } from '../helpers/db';
import { startInstanceServices, type InstanceServices } from '../../src/models/jobs/instance';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> & { code?: string } }[];
    extensions?: Record<string, unknown>;
  };
}

export interface TestServer {
  server: AppServer;
  db: TestDb;
  logs: Record<string, unknown>[];
  /** POSTs an operation; `key` is sent as a Bearer token. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, opts?: { key?: string; headers?: Record<string, string> }): Promise<GqlResponse<T>>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** A pino logger that keeps records in `logs` (tests assert on them; nothing reaches stderr). */
export function captureLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return { logger, logs };
}

/** Test keys: one per role, with the API_KEYS spec that accepts them. */
export function testKeys(): { keys: Record<Role, string>; spec: string } {
  const keys = { viewer: 'test-viewer-key', analyst: 'test-analyst-key', admin: 'test-admin-key' } as Record<Role, string>;
  const spec = (Object.keys(keys) as Role[]).map((r) => `${r}:${hashKey(keys[r])}`).join(',');
  return { keys, spec };
}

/**
 * A server on an ephemeral port over a fresh test database (or `db`), open local mode unless
 * settings.apiKeys says otherwise. close() stops the server and drops the database it created.
 */
export async function startTestServer(
  opts: {
    db?: TestDb;
    settings?: Partial<ServerSettings>;
    extraResolvers?: Function[];
    extraLoaders?: CreateServerOptions['extraLoaders'];
    schema?: CreateServerOptions['schema'];
    /** Also run this instance's queue worker and activation listener, as `npm start` does. */
    training?: boolean;
    replicas?: CreateServerOptions['replicas'];
  } = {},
): Promise<TestServer> {
  const db = opts.db ?? (await createTestDb());
  const { logger, logs } = captureLogger();
  let server: AppServer;
  try {
    server = await createServer({
      db,
      port: 0,
      host: '127.0.0.1',
      // No rate limit unless a test asks for one: suites send many requests from one address.
      settings: { apiKeys: '', sandbox: false, introspection: true, stopGraceMs: 1000, rateLimitPoints: 0, ...opts.settings },
      extraResolvers: opts.extraResolvers,
      extraLoaders: opts.extraLoaders,
      schema: opts.schema,
      replicas: opts.replicas,
      logger,
    });
  } catch (e) {
    if (!opts.db) await db.drop();
    throw e;
  }
  let services: InstanceServices | undefined;
  if (opts.training) services = await startInstanceServices(db, { training: true, leaseSeconds: 30, sweepMs: 60_000, worker: { pollIntervalMs: 500 } });
  return {
    server,
    db,
    logs,
    async gql<T>(query: string, variables?: Record<string, unknown>, o: { key?: string; headers?: Record<string, string> } = {}): Promise<GqlResponse<T>> {
      const res = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...o.headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse<T>['body'] };
    },
    get(path, headers = {}) {
      return fetch(`${server.url}${path}`, { headers });
    },
    async close() {
      await services?.stop();
      await server.stop();
      if (!opts.db) await db.drop();
    },
  };
}
