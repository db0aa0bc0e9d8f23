import * as ops from '../src/http/dashboard/operations';

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

/**
 * The dashboard's reads as its first load sends them (src/http/dashboard/operations.ts, the texts web/src sends,
 * with the variables it sends): the active model's id where it passes modelId, its month counts, the first state
 * of the cohort picker, the top cluster's first drill-down page. The ids are asked of `graphqlUrl` (a service
 * that is then thrown away) as the dashboard asks them.
 */
export async function dashboardReads(graphqlUrl: string): Promise<[string, Operation][]> {
  const data = async <T>(op: Operation) => (JSON.parse(await send(graphqlUrl, op)) as { data: T }).data;
  const { activeModel } = await data<{ activeModel: { id: string } | null }>({ query: ops.ACTIVE_MODEL });
  const modelId = activeModel?.id ?? null;
  const { cohortRetention: groups } = await data<{ cohortRetention: { group: string | null }[] }>({ query: ops.COHORT_STATES, variables: { cohorts: ops.COHORT_MONTHS } });
  const state = [...new Set(groups.map((g) => g.group).filter((g): g is string => g !== null))].sort()[0];
  const { segments } = await data<{ segments: { key: string }[] }>({ query: ops.SEGMENTS, variables: { kind: 'CLUSTER', modelId } });
  return [
    ['COHORT_STATES (the state picker)', { query: ops.COHORT_STATES, variables: { cohorts: ops.COHORT_MONTHS } }],
    [`COHORT_RETENTION, the picker's first state (${state})`, { query: ops.COHORT_RETENTION, variables: { cohorts: ops.COHORT_MONTHS, by: 'STATE', state } }],
    ['TIMELINE', { query: ops.TIMELINE, variables: { modelId, months: ops.TIMELINE_MONTHS } }],
    ['COHORT_RETENTION', { query: ops.COHORT_RETENTION, variables: { cohorts: ops.COHORT_MONTHS } }],
    ['GEO_SEGMENTS', { query: ops.GEO_SEGMENTS, variables: { modelId } }],
    ['RFM_GRID', { query: ops.RFM_GRID, variables: { modelId } }],
    ['SEGMENT_OVERLAP', { query: ops.SEGMENT_OVERLAP, variables: { modelId } }],
    ['SEGMENTS (CLUSTER)', { query: ops.SEGMENTS, variables: { kind: 'CLUSTER', modelId } }],
    [
      `SEGMENT_CUSTOMERS (a cluster's first page of ${ops.DRILLDOWN_PAGE_SIZE}, with totalCount)`,
      { query: ops.SEGMENT_CUSTOMERS, variables: { modelId, filter: { clusterId: segments[0]?.key }, orderBy: { field: 'PRIORITY', direction: 'DESC' }, first: ops.DRILLDOWN_PAGE_SIZE } },
    ],
  ];
}

/**
 * A BI client's own texts, which this service has never seen (no warm-up can know them): each first call pays
 * parsing, validation, the jit compilation and, for a page size of its own, a new prepared statement per session.
 */
export const CLIENT_TEXTS: [string, string][] = [
  ['customers(first: 100) with totalCount', '{ customers(first: 100) { totalCount nodes { id } } }'],
  ['cohortRetention(by: STATE, state: "SP"), hand-written', '{ cohortRetention(by: STATE, state: "SP") { cohort group size cells { periodOffset active share } } }'],
];
