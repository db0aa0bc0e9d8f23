import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFound } from '../../shared/errors';
import type { RouteDefinition } from '../routes';
import { defaultWebDir, StaticFiles } from './dashboard-files';

/**
 * The page may talk to this origin only: scripts, styles and data come from the service itself, so a
 * dashboard that tried to load a CDN or send data elsewhere would be stopped by the browser. ECharts
 * tooltips set inline styles, hence 'unsafe-inline' for styles (never for scripts).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The explorer's page: the dashboard's policy plus GraphiQL's fonts, which its stylesheet inlines as data: URLs. */
export const EXPLORER_CSP = `${DASHBOARD_CSP}; font-src 'self' data:`;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>segmenta dashboard</title>
<p>The dashboard is not built. Run <code>npm run build</code> (or <code>node scripts/build-web.js</code>) and reload.</p>
<p>The GraphQL API is at <a href="/graphql">/graphql</a>.</p>\n`;

const files = new StaticFiles(defaultWebDir());

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

const EXPLORER_NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>segmenta GraphQL explorer</title>
<p>The GraphQL explorer is not built. Run <code>npm run build</code> (or <code>node scripts/build-web.js</code>) and reload.</p>
<p>Queries can still be sent as <code>POST /graphql</code>; <a href="/graphql?sandbox">Apollo Sandbox</a> needs the internet.</p>\n`;

function serve(req: IncomingMessage, res: ServerResponse, name: string): void {
  const file = files.get(name);
  if (!file) {
    if (name === 'index.html' || name === 'explorer.html') {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': DASHBOARD_CSP });
      res.end(req.method === 'HEAD' ? undefined : name === 'index.html' ? NOT_BUILT : EXPLORER_NOT_BUILT);
      return;
    }
    throw notFound(`the dashboard has no file "${name}"`);
  }
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    // Revalidated on every load (cheap with the ETag), so a rebuilt dashboard shows at once.
    'cache-control': 'no-cache',
    etag: file.etag,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (file.contentType.startsWith('text/html')) headers['content-security-policy'] = name === 'explorer.html' ? EXPLORER_CSP : DASHBOARD_CSP;
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = file.gzip && acceptsGzip(req) ? file.gzip : null;
  const body = gzip ?? file.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The bundled GraphiQL page (explorer.html), sent by GET /graphql to browsers when the explorer is on. */
export function serveExplorer(req: IncomingMessage, res: ServerResponse): void {
  serve(req, res, 'explorer.html');
}

/**
 * GET /dashboard (and /dashboard/<file>): the segment dashboard, a static page built into dist/web. Public: the
 * page holds no data; it asks /graphql with the API key the user enters.
 */
export const dashboardRoute: RouteDefinition = {
  method: 'GET',
  pattern: '/dashboard/*',
  handler: (req, res, { params }) => {
    const rest = params['*'] ?? '';
    serve(req, res, rest === '' || rest === 'index.html' ? 'index.html' : rest);
  },
  role: null,
};
