import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Principal, Role } from '../auth/roles';

export interface RouteContext {
  /** `:name` segments of the pattern, decoded; a trailing `*` is `params['*']`. */
  params: Record<string, string>;
  url: URL;
  ds: DataSource;
  /** The caller, authenticated with the same API keys as GraphQL (OPEN in open local mode or for public routes). */
  principal: Principal;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => void | Promise<void>;

export interface RouteOptions {
  /** Least role allowed; `null` makes the route public (static files). Default: viewer. */
  role?: Role | null;
}

export interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: RouteHandler;
  role: Role | null;
}

const routes: Route[] = [];

/**
 * Pattern → regex: `/exports/segments/:segment.csv` matches one path segment per `:name` (the name ends at
 * the first character that is not a letter, digit or underscore); a trailing `/*` matches the rest.
 */
export function compilePattern(pattern: string): { regex: RegExp; names: string[] } {
  if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
  const names: string[] = [];
  let source = '';
  let rest = pattern;
  const wildcard = rest.endsWith('/*');
  if (wildcard) rest = rest.slice(0, -2);
  const re = /:([A-Za-z_][A-Za-z0-9_]*)/g;
  let last = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    source += escape(rest.slice(last, m.index)) + '([^/]+?)';
    names.push(m[1]);
    last = m.index + m[0].length;
  }
  source += escape(rest.slice(last));
  if (wildcard) {
    source += '(?:/(.*))?';
    names.push('*');
  }
  return { regex: new RegExp(`^${source}$`), names };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Adds an HTTP route to every server created afterwards and to running ones (GraphQL, /healthz and /readyz
 * take precedence). Returns a function that removes it.
 */
export function registerRoute(method: string, pattern: string, handler: RouteHandler, opts: RouteOptions = {}): () => void {
  const m = method.toUpperCase();
  if (routes.some((r) => r.method === m && r.pattern === pattern)) throw new Error(`route ${m} ${pattern} is already registered`);
  const route = compileRoute({ method: m, pattern, handler, ...opts });
  routes.push(route);
  return () => {
    const i = routes.indexOf(route);
    if (i >= 0) routes.splice(i, 1);
  };
}

/** A route as a module declares it; the server compiles the list it is given (src/http/app-routes.ts). */
export interface RouteDefinition extends RouteOptions {
  method: string;
  pattern: string;
  handler: RouteHandler;
}

export function compileRoute(d: RouteDefinition): Route {
  return { method: d.method.toUpperCase(), pattern: d.pattern, handler: d.handler, role: d.role === undefined ? 'viewer' : d.role, ...compilePattern(d.pattern) };
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodNotAllowed: string[] } | null;

/**
 * The route for this request among `own` (the server's list) and then the registered ones; HEAD is served by GET
 * routes. Bad percent-encoding throws URIError.
 */
export function matchRoute(method: string, path: string, own: readonly Route[] = []): RouteMatch {
  const allowed: string[] = [];
  for (const route of [...own, ...routes]) {
    const m = route.regex.exec(path);
    if (!m) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = m[i + 1] === undefined ? '' : decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length ? { methodNotAllowed: allowed } : null;
}
