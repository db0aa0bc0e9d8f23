import 'reflect-metadata';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { assertServable, config, type Config } from './config';
import { dataModel } from './data-model';
import { closeOnSignals, openDatabase, type Database } from './db/database';
import { SERVER_APPLICATION_NAME } from './db/data-source';
import { authenticate, parseApiKeys, type ApiKeyEntry } from './auth/api-keys';
import { OPEN_PRINCIPAL, roleAtLeast, type Principal } from './auth/roles';
import { createContext, type GraphQLContext, type LoaderFactories } from './graphql/context';
import { loaderFactories } from './graphql/loaders';
import { activeModelCheck } from './graphql/models/model-readiness';
import { argumentPathsRule, createFormatError } from './graphql/errors';
import { complexityLimitPlugin } from './graphql/limits/complexity';
import { noNulInLiteralsRule, nulVariablesPlugin } from './graphql/limits/nul-bytes';
import { noSubscriptionRule } from './graphql/limits/subscription.rule';
import { depthLimitRule } from './graphql/limits/depth.rule';
import { noIntrospectionRule } from './graphql/limits/introspection.rule';
import { JitExecutor, jitGateway } from './graphql/jit-executor';
import { buildAppSchema } from './graphql/schema';
import { instrumentDataSource, runWithSqlCounter, type SqlCounter } from './graphql/sql-counter';
import { parseByteSize, PayloadTooLargeError, readBody } from './http/body';
import { InFlightGate } from './http/in-flight';
import { createRateLimiter, rateLimitKey } from './http/rate-limit';
import { checkReadiness, registerReadinessCheck } from './http/readiness';
import { attachReplicas } from './http/replica-readiness';
import type { ReadReplicas } from './db/replicas';
import { graphqlReadSource, modelIdsInRouteParams } from './graphql/read-routing';
import { sendError, sendJson, sendThrown } from './http/respond';
import { matchRoute } from './http/routes';
import './http/export/segment-export.route';
import { serveExplorer } from './http/dashboard/dashboard.route';
import { logger as defaultLogger } from './logger';
import { badInput, ErrorCode, forbidden, isDomainError } from './shared/errors';
import { DATABASE_RETRY_AFTER_SECONDS } from './db/unavailable';

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

const PLAIN_LANDING = 'segmenta GraphQL API\n\nSend queries as POST /graphql with a JSON body {"query": "...", "variables": {...}}.\n';

/**
 * Adds extensions.sqlStatements (and the complexity estimate) when the request sent `x-debug-sql-count: 1`
 * outside production (the header is ignored there: the figures help tune an attack as much as a query).
 */
function debugExtensionsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (!contextValue.debugSql || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            sqlStatements: contextValue.sqlCounter.statements,
            ...(contextValue.complexity !== undefined ? { complexity: contextValue.complexity } : {}),
          };
        },
      };
    },
  };
}

/** An answer that says the database is unavailable is HTTP 503 with Retry-After, whatever else it carries. */
function databaseUnavailablePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((e) => e.extensions?.code === ErrorCode.DATABASE_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function graphQLTransportError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

function baseUrl(addr: AddressInfo): string {
  const host = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

/**
 * One Node HTTP server: POST/GET /graphql (Apollo), GET /healthz, GET /readyz, and the routes registered
 * with registerRoute(). Listens before resolving.
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

  if (keys.length === 0) {
    log.warn('API_KEYS is empty: open local mode, every request is treated as admin. Set API_KEYS before exposing this server.');
  }

  const production = settings.nodeEnv === 'production';
  const httpServer = http.createServer();
  const jit =
    settings.executor === 'jit'
      ? new JitExecutor(settings.jitCacheSize, (reason, operationName) =>
          log.debug({ operationName, reason }, 'GraphQL operation not compiled by graphql-jit; graphql-js executes it'),
        )
      : undefined;
  const apollo = new ApolloServer<GraphQLContext>({
    // With jit, Apollo gets the schema and the executor through its gateway interface.
    ...(jit ? { gateway: jitGateway(schema, jit) } : { schema }),
    formatError: createFormatError(log),
    includeStacktraceInErrorResponses: false,
    // Our own rule refuses introspection with a message that names the setting.
    introspection: true,
    hideSchemaDetailsFromClientErrors: !settings.introspection,
    validationRules: [
      argumentPathsRule,
      noSubscriptionRule,
      noNulInLiteralsRule,
      depthLimitRule(settings.maxDepth),
      ...(settings.introspection ? [] : [noIntrospectionRule]),
    ],
    nodeEnv: settings.nodeEnv,
    stopOnTerminationSignals: false,
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: settings.stopGraceMs }),
      settings.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      // No HTTP caching of API answers; without it Apollo would wrap every field resolver to track cache hints.
      ApolloServerPluginCacheControlDisabled(),
      complexityLimitPlugin<GraphQLContext>(settings.maxComplexity, { exposeFigures: !production }),
      nulVariablesPlugin<GraphQLContext>(),
      debugExtensionsPlugin(),
      databaseUnavailablePlugin(),
    ],
  });
  await apollo.start();

  const principalFor = (req: IncomingMessage): Principal => authenticate(req.headers.authorization, keys);
  const rateLimiter = createRateLimiter(ds, { points: settings.rateLimitPoints, windowSeconds: settings.rateLimitWindowSeconds });
  const gate = new InFlightGate({ maxInFlight: settings.maxInFlight, maxQueued: settings.maxQueued, queueTimeoutMs: settings.queueTimeoutMs });

  /**
   * Admission of every request but /healthz and /readyz: a slot under the in-flight cap (else 503), then the
   * caller's rate limit (else 429), both with Retry-After. Returns the slot's release, or undefined when the
   * request was answered here.
   */
  async function admit(req: IncomingMessage, res: ServerResponse, path: string): Promise<(() => void) | undefined> {
    const refuse = (status: number, code: string, message: string, retryAfter: number) => {
      const headers = { 'retry-after': String(retryAfter) };
      if (path.startsWith('/graphql')) graphQLTransportError(res, status, code, message, headers);
      else sendError(res, status, code, message, {}, headers);
    };
    const slot = await gate.admit();
    if (!slot.admitted) {
      refuse(503, 'OVERLOADED', `the server is at its limit of ${settings.maxInFlight} requests at once (${slot.reason}): retry shortly`, 1);
      return undefined;
    }
    let keyId: string | undefined;
    if (keys.length > 0) {
      try {
        keyId = principalFor(req).keyId;
      } catch {
        keyId = undefined; // a missing or wrong key is counted by address (and refused later)
      }
    }
    const decision = await rateLimiter.consume(rateLimitKey(req, keyId)).catch((e: unknown) => {
      log.error({ err: e }, 'rate limiter failed; the request is let through');
      return { allowed: true as const };
    });
    if (!decision.allowed) {
      slot.release();
      refuse(429, 'RATE_LIMITED', `more than ${decision.limit} requests in ${settings.rateLimitWindowSeconds} s from this ${keyId ? 'API key' : 'address'}: retry after ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
      return undefined;
    }
    return slot.release;
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, bodyLimit);
      const type = String(req.headers['content-type'] ?? '');
      if (/\bjson\b/i.test(type) && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          graphQLTransportError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
          return;
        }
      } else if (raw.length > 0) {
        body = raw.toString('utf8'); // Apollo refuses it, naming the content types it accepts
      }
    } else if (method === 'GET' && settings.sandbox && /\btext\/html\b/i.test(String(req.headers.accept ?? ''))) {
      // The bundled GraphiQL needs nothing beyond this service; Apollo Sandbox (Apollo's landing page) loads from CDNs.
      const wantsSandbox = url.searchParams.has('sandbox') || (!url.search && settings.explorer === 'sandbox');
      if (!wantsSandbox && (!url.search || url.searchParams.has('graphiql'))) {
        serveExplorer(req, res);
        return;
      }
    } else if (method === 'GET' && !url.search && !settings.sandbox) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(PLAIN_LANDING);
      return;
    }

    const counter: SqlCounter = { statements: 0, limit: settings.maxSqlStatements };
    const response = await runWithSqlCounter(counter, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers: headerMap(req), search: url.search, body },
        context: async () => {
          let principal: Principal;
          try {
            principal = principalFor(req);
          } catch (e) {
            if (!isDomainError(e)) throw e;
            throw new GraphQLError(e.message, {
              originalError: e,
              extensions: { code: e.code, http: { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer']]) } },
            });
          }
          const readDs = await graphqlReadSource(opts.replicas, ds, body, method === 'GET' ? url.searchParams : null);
          return createContext({ principal, ds: readDs, sqlCounter: counter, debugSql: !production && req.headers['x-debug-sql-count'] === '1', loaders });
        },
      }),
    );
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

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
      const match = matchRoute(method, path);
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
        return graphQLTransportError(res, 413, 'PAYLOAD_TOO_LARGE', e.message, { connection: 'close' });
      }
      const err = e instanceof URIError ? badInput(`the path is not valid percent-encoding: ${path}`) : e;
      if (sendThrown(res, err)) log.error({ err: e, method, path }, 'unexpected error while serving an HTTP request');
    }
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
