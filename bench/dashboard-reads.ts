import * as ops from '../src/http/dashboard/operations';
import { DASHBOARD_WARM_UP, nothingSeen, type Data } from '../src/server/warm-up';

/** One GraphQL request as a client sends it: the operation's text and its variables. */
export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

/** POSTs one operation; throws on an HTTP or GraphQL error. Resolves with the answer's text. */
export async function send(url: string, op: Operation | string): Promise<string> {
  const body = typeof op === 'string' ? { query: op } : op;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const parsed = JSON.parse(text) as { errors?: unknown[] };
  if (!res.ok || parsed.errors) throw new Error(`${body.query.replace(/\s+/g, ' ').slice(0, 80)}: ${JSON.stringify(parsed.errors ?? res.status).slice(0, 300)}`);
  return text;
}

/** Rows of the `bi` table: a dashboard read's label from its text and variables, or null when it is not reported. */
function label(query: string, v: Record<string, unknown>): string | null {
  switch (query) {
    case ops.COHORT_STATES: return 'COHORT_STATES (the state picker)';
    case ops.COHORT_RETENTION: return v.by === 'STATE' ? `COHORT_RETENTION, the picker's first state (${String(v.state)})` : 'COHORT_RETENTION';
    case ops.TIMELINE: return 'TIMELINE';
    case ops.GEO_SEGMENTS: return 'GEO_SEGMENTS';
    case ops.RFM_GRID: return 'RFM_GRID';
    case ops.SEGMENT_OVERLAP: return 'SEGMENT_OVERLAP';
    case ops.SEGMENTS: return v.kind === 'CLUSTER' ? 'SEGMENTS (CLUSTER)' : null;
    case ops.SEGMENT_CUSTOMERS: return `SEGMENT_CUSTOMERS (a cluster's first page of ${ops.DRILLDOWN_PAGE_SIZE}, with totalCount)`;
    default: return null;
  }
}

/**
 * The dashboard's reads as its first load sends them: the start-up warm-up's list (src/server/warm-up.ts), with
 * the variables it derives from earlier answers (the active model's id, the picker's first state, the top
 * cluster, …), asked of `graphqlUrl` (a service that is then thrown away) as the dashboard asks them. Returns the
 * ones the `bi` table reports, by label.
 */
export async function dashboardReads(graphqlUrl: string): Promise<[string, Operation][]> {
  const seen = nothingSeen();
  const out: [string, Operation][] = [];
  for (const op of DASHBOARD_WARM_UP) {
    const variables = op.variables(seen);
    const name = label(op.query, variables);
    if (name) out.push([name, { query: op.query, variables }]);
    if (op.learn) op.learn((JSON.parse(await send(graphqlUrl, { query: op.query, variables })) as { data: Data }).data, seen);
  }
  return out;
}

/**
 * A BI client's own texts, which this service has never seen (no warm-up can know them): each first call pays
 * parsing, validation, the jit compilation and, for a page size of its own, a new prepared statement per session.
 */
export const CLIENT_TEXTS: [string, string][] = [
  ['customers(first: 100) with totalCount', '{ customers(first: 100) { totalCount nodes { id } } }'],
  ['cohortRetention(by: STATE, state: "SP"), hand-written', '{ cohortRetention(by: STATE, state: "SP") { cohort group size cells { periodOffset active share } } }'],
];
