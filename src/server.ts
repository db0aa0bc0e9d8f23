import 'reflect-metadata';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { assertServable, config, type Config } from './config';
import { dataModel } from './data-model';
import { closeOnSignals, openDatabase, type Database } from './db/database';
import { SERVER_APPLICATION_NAME } from './db/data-source';
import type { ReadReplicas } from './db/replicas';
import { authenticate, parseApiKeys, type ApiKeyEntry } from './auth/api-keys';
import { OPEN_PRINCIPAL, roleAtLeast, type Principal } from './auth/roles';
import type { GraphQLContext, LoaderFactories } from './graphql/context';
import type { JitExecutor } from './graphql/jit-executor';
import { loaderFactories } from './graphql/loaders';
import { activeModelCheck } from './graphql/models/model-readiness';
import { modelIdsInRouteParams } from './graphql/read-routing';
import { buildAppSchema } from './graphql/schema';
import { instrumentDataSource } from './graphql/sql-counter';
import { parseByteSize, PayloadTooLargeError } from './http/body';
import { checkReadiness, registerReadinessCheck } from './http/readiness';
import { attachReplicas } from './http/replica-readiness';
import { sendError, sendGraphQLTransportError, sendJson, sendThrown } from './http/respond';
import { appRoutes } from './http/app-routes';
import { compileRoute, matchRoute, type RouteDefinition } from './http/routes';
import { logger as defaultLogger } from './logger';
import { createAdmission } from './server/admission';
import { startApollo } from './server/apollo';
import { graphqlRequestHandler } from './server/graphql-request';
import { configureApiSessions, warmHttpPath, warmUp } from './server/warm-up';
import { badInput, forbidden } from './shared/errors';

registerReadinessCheck('activeModel', activeModelCheck);

/** What the server takes from config(); tests override single values. */
export interface ServerSettings {
  /** API_KEYS format: comma-separated role:sha256hex. Empty = open local mode. */
  apiKeys: string;
  /** REQUEST_BODY_LIMIT format, e.g. "1mb". */
  bodyLimit: string;
  maxDepth: number;
  maxComplexity: number;
  /** SQL statements one request may run (GRAPHQL_MAX_SQL_STATEMENTS). */
  maxSqlStatements: number;
  /** Requests per caller per window (RATE_LIMIT_POINTS, RATE_LIMIT_WINDOW_S); 0 = off. */
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  /** In-flight cap of this instance (MAX_IN_FLIGHT, MAX_QUEUED, QUEUE_TIMEOUT_MS). */
  maxInFlight: number;
  maxQueued: number;
  queueTimeoutMs: number;
  /** `jit`: operations compiled once by graphql-jit (src/graphql/jit-executor.ts); `graphql-js`: interpreted. */
  executor: Config['GRAPHQL_EXECUTOR'];
  /** How many compiled operations the jit executor keeps. */
  jitCacheSize: number;
  introspection: boolean;
  /** A browser explorer on GET /graphql (otherwise a plain page): see `explorer`. */
  sandbox: boolean;
  /** What a plain GET /graphql shows when `sandbox` is on; `?graphiql` and `?sandbox` pick either one. */
  explorer: Config['GRAPHQL_EXPLORER'];
  nodeEnv: Config['NODE_ENV'];
  readinessTimeoutMs: number;
  /** How long stop() lets in-flight requests finish before closing their connections. */
  stopGraceMs: number;
  /** Warm the pool, the sessions and the executor before listening (WARM_UP; see src/server/warm-up.ts). */
  warmUp: boolean;
}

export function settingsFromConfig(c: Config = config()): ServerSettings {
  return {
    apiKeys: c.API_KEYS,
    bodyLimit: c.REQUEST_BODY_LIMIT,
    maxDepth: c.GRAPHQL_MAX_DEPTH,
    maxComplexity: c.GRAPHQL_MAX_COMPLEXITY,
    maxSqlStatements: c.GRAPHQL_MAX_SQL_STATEMENTS,
    rateLimitPoints: c.RATE_LIMIT_POINTS,
    rateLimitWindowSeconds: c.RATE_LIMIT_WINDOW_S,
    maxInFlight: c.MAX_IN_FLIGHT,
    maxQueued: c.MAX_QUEUED,
    queueTimeoutMs: c.QUEUE_TIMEOUT_MS,
    executor: c.GRAPHQL_EXECUTOR,
    jitCacheSize: c.GRAPHQL_JIT_CACHE_SIZE,
    introspection: c.introspection,
    sandbox: c.sandbox,
    explorer: c.GRAPHQL_EXPLORER,
    nodeEnv: c.NODE_ENV,
    readinessTimeoutMs: 3000,
    stopGraceMs: 10_000,
    warmUp: c.WARM_UP ?? c.NODE_ENV !== 'test',
  };
}

export interface CreateServerOptions {
  db: Pick<Database, 'ds'>;
  /** 0 picks a free port. Default: config().PORT. */
  port?: number;
  host?: string;
  settings?: Partial<ServerSettings>;
  /** A prebuilt schema; by default built from src/graphql/resolvers.ts (+ extraResolvers). */
  schema?: GraphQLSchema;
  extraResolvers?: Function[];
  /** HTTP routes; default src/http/app-routes.ts. Routes added with registerRoute() are served too. */
  routes?: readonly RouteDefinition[];
  /** DataLoaders besides src/graphql/loaders.ts (for extraResolvers). */
  extraLoaders?: LoaderFactories;
  logger?: Logger;
  /** Read replicas (DATABASE_READ_URL): queries and GET routes read there when it is fresh enough. */
  replicas?: ReadReplicas;
}

export interface AppServer {
  /** Base URL, e.g. http://localhost:4000 (no trailing slash). */
  url: string;
  graphqlUrl: string;
  httpServer: http.Server;
  apollo: ApolloServer<GraphQLContext>;
  schema: GraphQLSchema;
  /** The jit executor when settings.executor is `jit` (its stats say what it compiled). */
  jit?: JitExecutor;
  /** Stops accepting connections, lets in-flight requests finish (up to stopGraceMs), then resolves. */
  stop(): Promise<void>;
}

function baseUrl(addr: AddressInfo): string {
  const host = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

/**
 * One Node HTTP server: POST/GET /graphql (Apollo, src/server/apollo.ts and graphql-request.ts), GET /healthz,
 * GET /readyz, the routes of src/http/app-routes.ts (and any added with registerRoute()); every request but the health checks is admitted
 * first (src/server/admission.ts). Listens before resolving.
 */
export async function createServer(opts: CreateServerOptions): Promise<AppServer> {
  const settings: ServerSettings = { ...settingsFromConfig(), ...opts.settings };
  const log = opts.logger ?? defaultLogger;
  const ds = instrumentDataSource(opts.db.ds);
  for (const r of opts.replicas?.dataSources() ?? []) instrumentDataSource(r);
  if (opts.replicas) attachReplicas(ds, opts.replicas);
  const keys: ApiKeyEntry[] = parseApiKeys(settings.apiKeys);
  const bodyLimit = parseByteSize(settings.bodyLimit);
  const schema = opts.schema ?? (await buildAppSchema({ extraResolvers: opts.extraResolvers }));
  const loaders = { ...loaderFactories, ...opts.extraLoaders };
  const routes = (opts.routes ?? appRoutes).map(compileRoute);

  if (keys.length === 0) {
    log.warn('API_KEYS is empty: open local mode, every request is treated as admin. Set API_KEYS before exposing this server.');
  }

  const httpServer = http.createServer();
  const { apollo, jit } = await startApollo(settings, schema, httpServer, log);
  const principalFor = (req: IncomingMessage): Principal => authenticate(req.headers.authorization, keys);
  const admit = createAdmission(ds, settings, { keysConfigured: keys.length > 0, principalFor }, log);
  const handleGraphQL = graphqlRequestHandler({ apollo, settings, ds, replicas: opts.replicas, loaders, bodyLimit, principalFor });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    try {
      if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) return sendJson(res, 200, { status: 'ok' });
      if (path !== '/readyz') {
        const release = await admit(req, res, path);
        if (!release) return;
        // A client that left while queued has already closed its response: give the slot back now.
        if (req.socket.destroyed) return release();
        res.once('close', release);
      }
      if (path === '/graphql' || path === '/graphql/') return await handleGraphQL(req, res, url);
      if (path === '/readyz' && (method === 'GET' || method === 'HEAD')) {
        const report = await checkReadiness(ds, {
          timeoutMs: settings.readinessTimeoutMs,
          log: (e, name) => log.error({ err: e }, `readiness check "${name}" failed`),
        });
        return sendJson(res, report.status === 'ready' ? 200 : 503, report);
      }
      const match = matchRoute(method, path, routes);
      if (match && 'methodNotAllowed' in match) {
        return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, {}, { allow: match.methodNotAllowed.join(', ') });
      }
      if (!match) return sendError(res, 404, 'NOT_FOUND', `nothing is served at ${method} ${path}`);
      let principal: Principal = OPEN_PRINCIPAL;
      if (match.route.role) {
        principal = principalFor(req);
        if (!roleAtLeast(principal.role, match.route.role)) {
          throw forbidden(`${method} ${match.route.pattern} requires the ${match.route.role} role; this API key has the ${principal.role} role`);
        }
      }
      const routeDs = opts.replicas && (method === 'GET' || method === 'HEAD') ? await opts.replicas.forRead(modelIdsInRouteParams(match.params)) : ds;
      await match.route.handler(req, res, { params: match.params, url, ds: routeDs, principal });
    } catch (e) {
      if (e instanceof PayloadTooLargeError && path.startsWith('/graphql') && !res.headersSent) {
        return sendGraphQLTransportError(res, 413, 'PAYLOAD_TOO_LARGE', e.message, { connection: 'close' });
      }
      const err = e instanceof URIError ? badInput(`the path is not valid percent-encoding: ${path}`) : e;
      if (sendThrown(res, err)) log.error({ err: e, method, path }, 'unexpected error while serving an HTTP request');
    }
  }

  for (const d of [ds, ...(opts.replicas?.dataSources() ?? [])]) await configureApiSessions(d);
  if (settings.warmUp) {
    await warmUp({ apollo, ds, loaders, log });
    // The HTTP path too, without admission: these requests are the service's own.
    await warmHttpPath(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      return url.pathname === '/graphql' ? handleGraphQL(req, res, url) : handle(req, res);
    }, log);
  }

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(opts.port ?? config().PORT, opts.host ?? config().listenHost, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await apollo.stop();
    throw e;
  }

  const url = baseUrl(httpServer.address() as AddressInfo);
  let stopping: Promise<void> | undefined;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    httpServer,
    apollo,
    schema,
    jit,
    stop() {
      stopping ??= apollo.stop();
      return stopping;
    },
  };
}

/**
 * `npm start`: opens the configured database (migrating it unless told not to), serves the API on
 * config().HOST:PORT, prints the URL and shuts down cleanly on SIGINT/SIGTERM.
 */
export async function startServer(
  opts: {
    migrate?: boolean;
    logger?: Logger;
    beforeListen?: (db: Database) => Promise<void>;
    /** Runs first on shutdown, before requests drain and the database closes (e.g. stopping a training worker). */
    beforeStop?: () => Promise<void>;
    /** Read replicas to serve queries from (opened by the caller after the database). */
    replicas?: (db: Database) => Promise<ReadReplicas | undefined>;
  } = {},
): Promise<AppServer & { db: Database }> {
  const log = opts.logger ?? defaultLogger;
  assertServable(config());
  const db = await openDatabase({ model: dataModel, migrate: opts.migrate ?? true, log: (m) => log.info(m), applicationName: SERVER_APPLICATION_NAME, keepIdle: true });
  try {
    // Preparation (demo data, a first model) runs before the port opens, so /readyz never lies about it.
    await opts.beforeListen?.(db);
    const replicas = await opts.replicas?.(db);
    const server = await createServer({ db, logger: log, replicas });
    log.info(`database: ${db.description}`);
    process.stdout.write(`segmenta GraphQL API listening at ${server.graphqlUrl}\ndashboard at ${server.url}/dashboard\n`);
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= Promise.resolve()
        .then(() => opts.beforeStop?.())
        .catch((e: unknown) => log.warn({ err: e }, 'shutdown hook failed'))
        .then(() => server.stop())
        .finally(() => db.close()));
    closeOnSignals(stop, (m) => log.info(m));
    return { ...server, db, stop };
  } catch (e) {
    await db.close();
    throw e;
  }
}
