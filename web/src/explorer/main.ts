/**
 * The bundled GraphQL explorer: GraphiQL (from npm, built into explorer.js by scripts/build-web.js) served by the
 * service itself, so it works with no network beyond the service. It sends the API key the dashboard holds (the
 * same sessionStorage entry, see ../api.ts) unless the Headers tab sets its own Authorization.
 */
import 'graphiql/graphiql.css';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { apiKey } from '../api';

const DEFAULT_QUERY = `# The segmenta API, explored from the service itself (no internet needed).
# Ctrl+Enter runs the operation; the Docs button lists every type with its units.
query ActiveModel {
  activeModel {
    id
    name
    customers
  }
}
`;

interface FetchParams {
  query: string;
  variables?: unknown;
  operationName?: string | null;
}

/** POST /graphql with the dashboard's key; a header typed in the Headers tab wins over it. */
async function fetcher(params: FetchParams, opts?: { headers?: Record<string, unknown> }): Promise<unknown> {
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts?.headers ?? {})) extra[k.toLowerCase()] = String(v);
  const key = apiKey();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params) });
  return res.json();
}

function keyNote(): string {
  return apiKey() ? 'Using the API key entered on the dashboard.' : 'No API key: open mode, or enter one on the dashboard (or as an Authorization header below).';
}

const note = document.getElementById('explorer-key');
if (note) note.textContent = keyNote();
const root = document.getElementById('explorer');
if (!root) throw new Error('the explorer page has no #explorer element');
createRoot(root).render(createElement(GraphiQL, { fetcher: fetcher as never, defaultQuery: DEFAULT_QUERY, shouldPersistHeaders: false, isHeadersEditorEnabled: true }));
