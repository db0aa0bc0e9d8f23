import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { OPEN_PRINCIPAL } from '../auth/roles';
import { preparedStatementName } from '../graphql/common/sql-rows';
import { createContext, type GraphQLContext, type LoaderFactories } from '../graphql/context';
import { runWithSqlCounter, type SqlCounter } from '../graphql/sql-counter';
import * as ops from '../http/dashboard/operations';

/**
 * What the dashboard's first load has told it so far: the ids and keys it sends in later operations' variables
 * (the active model, the first state of the cohort picker, the top cluster, the top customer, the latest training run).
 */
export interface Seen {
  modelId: string | null;
  state: string | null;
  clusterKey: string | null;
  customerId: string | null;
  runId: string | null;
}

/** Nothing seen yet: the dashboard's state before its first answer. */
export function nothingSeen(): Seen {
  return { modelId: null, state: null, clusterKey: null, customerId: null, runId: null };
}

export type Data = Record<string, unknown> | undefined;
const rows = (data: Data, field: string): Record<string, unknown>[] => {
  const v = data?.[field];
  return Array.isArray(v) ? v : Array.isArray((v as { nodes?: unknown })?.nodes) ? (v as { nodes: Record<string, unknown>[] }).nodes : [];
};

/**
 * The dashboard's reads (src/http/dashboard/operations.ts), in the order its first load sends them and with the
 * variables it sends: the active model's id wherever it passes `modelId`, its month counts and page sizes, the
 * first state of the cohort picker, the top cluster's customers for the drill-down, the top customer for the
 * lookup. Each is the exact text the dashboard sends, since what a request reuses is kept by its operation's
 * text: Apollo's parsed and validated document, the jit executor's compiled function (new generated code, which
 * V8 compiles and first runs unoptimized), and, for a page of customers, the prepared statement (its LIMIT is in
 * the SQL text, so a page of 25 is another statement than a page of 20, prepared once per session). Mutations
 * never run here.
 */
export const DASHBOARD_WARM_UP: readonly { query: string; variables: (seen: Seen) => Record<string, unknown>; learn?: (data: Data, seen: Seen) => void }[] = [
  { query: ops.ACTIVE_MODEL, variables: () => ({}), learn: (d, s) => void (s.modelId = ((d?.activeModel as { id?: string } | null)?.id ?? null)) },
  { query: ops.SERVICE_INFO, variables: () => ({}) },
  ...(['CLUSTER', 'RFM', 'ABC_XYZ'] as const).map((kind) => ({
    query: ops.SEGMENTS,
    variables: (s: Seen) => ({ kind, modelId: s.modelId }),
    learn: kind === 'CLUSTER' ? (d: Data, s: Seen) => void (s.clusterKey = (rows(d, 'segments')[0]?.key as string | undefined) ?? null) : undefined,
  })),
  { query: ops.SEGMENT_MAP, variables: (s) => ({ modelId: s.modelId }) },
  { query: ops.CLUSTER_QUALITY, variables: (s) => ({ modelId: s.modelId }) },
  { query: ops.RFM_GRID, variables: (s) => ({ modelId: s.modelId }) },
  { query: ops.SEGMENT_OVERLAP, variables: (s) => ({ modelId: s.modelId }) },
  { query: ops.COHORT_RETENTION, variables: () => ({ cohorts: ops.COHORT_MONTHS }) },
  {
    query: ops.COHORT_STATES,
    variables: () => ({ cohorts: ops.COHORT_MONTHS }),
    learn: (d, s) => void (s.state = (rows(d, 'cohortStates').find((c) => typeof c.state === 'string')?.state as string | undefined) ?? null),
  },
  { query: ops.COHORT_RETENTION, variables: (s) => ({ cohorts: ops.COHORT_MONTHS, by: 'STATE', state: s.state ?? 'SP' }) },
  { query: ops.TIMELINE, variables: (s) => ({ modelId: s.modelId, months: ops.TIMELINE_MONTHS }) },
  { query: ops.GEO_SEGMENTS, variables: (s) => ({ modelId: s.modelId }) },
  { query: ops.TOP_CUSTOMERS, variables: (s) => ({ modelId: s.modelId }), learn: (d, s) => void (s.customerId = (rows(d, 'customers')[0]?.id as string | undefined) ?? null) },
  { query: ops.CUSTOMER, variables: (s) => ({ id: s.customerId ?? '0', modelId: s.modelId }) },
  { query: ops.CUSTOMERS_BY_PREFIX, variables: (s) => ({ prefix: (s.customerId ?? '0').slice(0, 4), modelId: s.modelId }) },
  {
    query: ops.SEGMENT_CUSTOMERS,
    variables: (s) => ({ modelId: s.modelId, filter: s.clusterKey ? { clusterId: s.clusterKey } : {}, orderBy: { field: 'PRIORITY', direction: 'DESC' }, first: ops.DRILLDOWN_PAGE_SIZE }),
  },
  {
    query: ops.MODEL_VERSIONS,
    variables: () => ({ first: ops.MODEL_VERSIONS_PAGE }),
    learn: (d, s) => void (s.runId = (rows(d, 'trainingRuns')[0]?.id as string | undefined) ?? null),
  },
  { query: ops.TRAINING_RUN, variables: (s) => ({ id: s.runId ?? '0' }) },
  // Compiled only: the comparison (sent when someone picks two versions) reads every customer of both versions,
  // 1.5-1.9 s at 1M customers, so it runs here for versions that do not exist, which answers at once.
  { query: ops.MODEL_COMPARISON, variables: () => ({ from: '0', to: '0', kind: 'CLUSTER' }) },
  { query: ops.BACKTESTS, variables: () => ({}) },
];

/**
 * Every-field forms, run at start after the dashboard's reads: they reach the resolvers, parsers and statements
 * the dashboard's texts do not (`actives`, a state filter on the customer list, `modelId` of the overlap, the
 * geo panel's per-segment counts, the warehouse's totals), which any BI client may select.
 */
export const WARM_UP_OPERATIONS: readonly string[] = [
  '{ customers(first: 20) { totalCount nodes { id } } }',
  '{ customers(first: 20, filter: { state: "SP" }) { totalCount nodes { id } } }',
  '{ cohortRetention { cohort group size cells { periodOffset active share } actives } }',
  '{ cohortRetention(by: STATE) { group } }',
  '{ cohortStates { state cohorts customers } }',
  '{ cohortRetention(by: STATE, state: "SP") { cohort group size cells { periodOffset active share } actives } }',
  '{ timeline { period series activeCustomers orders revenue } }',
  '{ geoSegments { state stateName lat lng customers churnRisk revenue topSegment segments { segment customers } } }',
  '{ rfmGrid { r f customers revenue segment } }',
  '{ segmentOverlap { modelId customers adjustedRandIndex cells { rfmSegment clusterId clusterName customers } } }',
  '{ warehouseStats { customers orders orderItems payments reviews firstOrderAt lastOrderAt } }',
];

/**
 * Settings of the API's sessions. parallel_setup_cost ×10 (default 1000): a page of the customer list is an
 * index walk that stops after `first` rows, but a filter the planner cannot estimate (a state over the person
 * or the snapshot, COALESCE(c.state, f.state)) makes it guess a long walk and plan parallel workers, whose
 * start (a process each) costs 10–40× the walk itself (0.5 ms vs 10–20 ms at 100k customers). Aggregates
 * over a whole table cost far more than the setup and still get workers.
 */
export const API_SESSION_SETTINGS = `SET parallel_setup_cost = 10000`;

const CONFIGURED = Symbol.for('segmenta.apiSessions');
type ApiPool = Pool & { options?: { max?: number } };

/** The data source's pg pool (TypeORM's PostgreSQL driver keeps it as `master`). */
export function poolOf(ds: DataSource): ApiPool | undefined {
  return (ds.driver as unknown as { master?: ApiPool }).master;
}

/**
 * Applies API_SESSION_SETTINGS to every session of the pool: to each new one as it connects (pg-pool's onConnect
 * hook), and now to the ones already open (idle ones; none is busy before the server starts).
 */
export async function configureApiSessions(ds: DataSource): Promise<void> {
  const pool = poolOf(ds) as (ApiPool & { [CONFIGURED]?: true }) | undefined;
  if (!pool || pool[CONFIGURED]) return;
  pool[CONFIGURED] = true;
  // pg-pool awaits onConnect before it hands a new client out, so the setting is in place before the first query.
  const options = pool.options as { onConnect?: (client: PoolClient) => unknown };
  const previous = options.onConnect;
  options.onConnect = async (client: PoolClient) => {
    await previous?.(client);
    await client.query(API_SESSION_SETTINGS).catch(() => undefined);
  };
  const open: PoolClient[] = [];
  try {
    for (const c of await Promise.allSettled(Array.from({ length: pool.idleCount }, () => pool.connect()))) if (c.status === 'fulfilled') open.push(c.value);
    await Promise.all(open.map((c) => c.query(API_SESSION_SETTINGS).catch(() => undefined)));
  } finally {
    for (const c of open) c.release();
  }
}

/** Only reads are replayed on the other connections (in a read-only transaction as well). */
const READ = /^\s*(SELECT|WITH)\b/i;
const WRITE = /\b(INSERT|UPDATE|DELETE|MERGE|COPY)\b/i;

/**
 * Start-up warm-up, before the server listens: what a fresh process and fresh PostgreSQL sessions pay on their
 * first request is paid here, so that the first request after a restart costs what a later one does. Results
 * are not kept: every request still reads the database.
 *
 * 1. The dashboard's reads and the every-field forms run through Apollo as an in-process request would (parsing, validation,
 *    limits, the jit executor's compilation, resolvers, pg's parsers, JSON serialization: the code paths V8
 *    compiles on first use), on one connection.
 * 2. Every other connection of the pool is opened (a PostgreSQL session is a process: connecting costs a
 *    fork and an authentication) and runs the same reads, so each session has loaded the catalog entries of
 *    the tables they touch and prepared the statements that are sent prepared; a session's catalog and plan
 *    caches are its own, and requests spread over the pool.
 *
 * Failures (an empty warehouse, no model yet) are ignored: warm-up is an optimisation, never a condition to start.
 */
export async function warmUp(opts: { apollo: ApolloServer<GraphQLContext>; ds: DataSource; loaders: LoaderFactories; log: Logger }): Promise<void> {
  const { apollo, ds, loaders, log } = opts;
  const t0 = performance.now();
  const counter: SqlCounter = { statements: 0, seen: [] };
  // Three rounds: V8 optimizes a function once it has run a few times, so the first request runs optimized code.
  const seen = nothingSeen();
  const run = async (query: string, variables: Record<string, unknown>): Promise<Data> => {
    try {
      const res = await runWithSqlCounter(counter, () =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: { query, variables } },
          context: async () => createContext({ principal: OPEN_PRINCIPAL, ds, sqlCounter: counter, loaders }),
        }),
      );
      return res.body.kind === 'complete' ? (JSON.parse(res.body.string) as { data?: Data }).data ?? undefined : undefined;
    } catch (e) {
      log.debug({ err: e }, 'warm-up operation failed');
      return undefined;
    }
  };
  for (let round = 0; round < 3; round++) {
    for (const op of DASHBOARD_WARM_UP) {
      const data = await run(op.query, op.variables(seen));
      if (round === 0) op.learn?.(data, seen);
    }
    for (const query of WARM_UP_OPERATIONS) await run(query, {});
  }
  // Each distinct read once per connection.
  const distinct = new Map((counter.seen ?? []).map((s) => [`${s.text}\u0000${JSON.stringify(s.params)}`, s]));
  const reads = [...distinct.values()].filter((s) => READ.test(s.text) && !WRITE.test(s.text));
  const pool = poolOf(ds);
  if (pool) {
    // Only the pool's free capacity: a connection held elsewhere (a session-scoped lock, a job runner) is not
    // released before the server listens, so asking for the whole pool would wait forever. A connect that
    // does not come within CONNECT_WAIT_MS is given up, and its connection returned when it does come.
    const size = pool.options?.max ?? 10;
    const free = Math.max(0, size - (pool.totalCount - pool.idleCount));
    const clients: PoolClient[] = [];
    try {
      for (const c of await Promise.allSettled(Array.from({ length: free }, () => connectWithin(pool, CONNECT_WAIT_MS)))) if (c.status === 'fulfilled') clients.push(c.value);
      await Promise.all(clients.map((c) => replay(c, reads)));
    } finally {
      for (const c of clients) c.release();
    }
  }
  log.info(`warm-up: ${DASHBOARD_WARM_UP.length + WARM_UP_OPERATIONS.length} operations, ${reads.length} reads on ${pool?.totalCount ?? 0} connections in ${Math.round(performance.now() - t0)} ms`);
}

const CONNECT_WAIT_MS = 5_000;

/** pool.connect(), given up after `ms`; a connection that arrives later goes straight back to the pool. */
function connectWithin(pool: Pool, ms: number): Promise<PoolClient> {
  const pending = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      pending.then((c) => c.release(), () => undefined);
      reject(new Error(`no free connection within ${ms} ms`));
    }, ms);
    timer.unref();
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

async function replay(client: PoolClient, reads: { text: string; params: unknown[] }[]): Promise<void> {
  try {
    await client.query('BEGIN READ ONLY');
    for (const { text, params } of reads) {
      await client.query('SAVEPOINT warm');
      try {
        await client.query({ name: preparedStatementName(text), text, values: params, rowMode: 'array' });
        await client.query('RELEASE SAVEPOINT warm');
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT warm');
      }
    }
  } catch {
    // a broken connection: the pool replaces it on its next use
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * The HTTP path of a request runs for the first time on a restarted process's first request: node:http's parser and
 * writer, the request handler, reading the body, Apollo's HTTP integration, the JSON answer on the socket; warmUp
 * calls Apollo directly and reaches none of it. Warming it took a restarted process's first page from 12.8 to 11.0 ms
 * (median of 6 starts each at 100k customers, bench/RESULTS.md). Before the server listens, a few requests go through
 * `handler` on a private server bound to 127.0.0.1 on a free port: the health check and a small GraphQL read, three
 * rounds. `handler` is the service's own, minus admission, so these requests count against no caller's rate limit.
 * Failures are ignored.
 */
export async function warmHttpPath(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, log: Logger): Promise<void> {
  const server = http.createServer((req, res) => void handler(req, res).catch(() => res.destroy()));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify({ query: ops.SERVICE_INFO });
    for (let round = 0; round < 3; round++) {
      await send(port, 'GET', '/healthz');
      await send(port, 'POST', '/graphql', body);
    }
  } catch (e) {
    log.debug({ err: e }, 'warm-up of the HTTP path failed');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function send(port: number, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
