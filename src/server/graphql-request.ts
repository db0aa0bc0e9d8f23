import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/roles';
import type { ReadReplicas } from '../db/replicas';
import { createContext, type GraphQLContext, type LoaderFactories } from '../graphql/context';
import { graphqlReadSource } from '../graphql/read-routing';
import { runWithSqlCounter, type SqlCounter } from '../graphql/sql-counter';
import { readBody } from '../http/body';
import { serveExplorer } from '../http/dashboard/dashboard.route';
import { sendGraphQLTransportError } from '../http/respond';
import { isDomainError } from '../shared/errors';
import type { ServerSettings } from '../server';

const PLAIN_LANDING = 'segmenta GraphQL API\n\nSend queries as POST /graphql with a JSON body {"query": "...", "variables": {...}}.\n';

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export interface GraphQLRequestDeps {
  apollo: ApolloServer<GraphQLContext>;
  settings: ServerSettings;
  /** The primary's data source, instrumented for the SQL budget. */
  ds: DataSource;
  replicas?: ReadReplicas;
  loaders: LoaderFactories;
  bodyLimit: number;
  principalFor(req: IncomingMessage): Principal;
}

/**
 * The /graphql endpoint: reads the body (JSON, within the size limit), answers a browser's GET with the explorer
 * (GraphiQL bundled with the service, or Apollo Sandbox when asked for), and runs the operation through Apollo
 * with a per-request context: the caller, the data source to read (a replica when it is fresh enough) and the
 * request's SQL statement budget.
 */
export function graphqlRequestHandler(deps: GraphQLRequestDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { apollo, settings, ds, bodyLimit, principalFor } = deps;
  const production = settings.nodeEnv === 'production';
  return async function handleGraphQL(req, res, url) {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, bodyLimit);
      const type = String(req.headers['content-type'] ?? '');
      if (/\bjson\b/i.test(type) && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          sendGraphQLTransportError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
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
          const readDs = await graphqlReadSource(deps.replicas, ds, body, method === 'GET' ? url.searchParams : null);
          return createContext({ principal, ds: readDs, sqlCounter: counter, debugSql: !production && req.headers['x-debug-sql-count'] === '1', loaders: deps.loaders });
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
  };
}
