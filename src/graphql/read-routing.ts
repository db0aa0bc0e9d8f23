import { getOperationAST, Kind, parse, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { DataSource } from 'typeorm';
import type { ReadReplicas } from '../db/replicas';

/**
 * Which database answers a GraphQL request: queries go to a read replica that has replayed what they need
 * (src/db/replicas.ts), mutations and anything unparseable to the primary. A query that names model versions
 * (any `modelId` argument, `modelVersion(id:)`) is sent to a replica only when that replica has those rows.
 */

const MAX_CACHED = 500;
const parsed = new Map<string, DocumentNode | null>();

function parseCached(query: string): DocumentNode | null {
  let doc = parsed.get(query);
  if (doc === undefined) {
    try {
      doc = parse(query);
    } catch {
      doc = null; // Apollo reports the syntax error; the primary is as good as any for that
    }
    parsed.set(query, doc);
    if (parsed.size > MAX_CACHED) parsed.delete(parsed.keys().next().value as string);
  }
  return doc;
}

interface RequestParts {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

function requestParts(body: unknown, search: URLSearchParams | null): RequestParts | null {
  if (search && search.has('query')) {
    let variables: unknown;
    try {
      variables = search.has('variables') ? JSON.parse(search.get('variables')!) : undefined;
    } catch {
      return null;
    }
    return { query: search.get('query'), operationName: search.get('operationName') ?? undefined, variables };
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as RequestParts) : null;
}

function intValue(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 && n <= 2_147_483_647 ? n : null;
}

/**
 * Rows a query names that a client may just have been told about, from literals and variables (invalid
 * values are left to validation): model versions (any `modelId`, `modelVersion(id:)`) and training runs
 * (`trainingRun(id:)`, polled right after `retrain` returned the id).
 */
export function requestedRows(doc: DocumentNode, variables: Record<string, unknown>): { modelIds: number[]; runIds: number[] } {
  const modelIds: number[] = [];
  const runIds: number[] = [];
  const take = (value: ValueNode, into: number[]) => {
    const raw = value.kind === Kind.VARIABLE ? variables[value.name.value] : value.kind === Kind.INT || value.kind === Kind.STRING ? value.value : null;
    const id = intValue(raw);
    if (id !== null) into.push(id);
  };
  visit(doc, {
    Field(field) {
      for (const arg of field.arguments ?? []) {
        if (arg.name.value === 'modelId' || (field.name.value === 'modelVersion' && arg.name.value === 'id')) take(arg.value, modelIds);
        if (field.name.value === 'trainingRun' && arg.name.value === 'id') take(arg.value, runIds);
      }
    },
    // Arguments given as input-object fields (e.g. filter: { modelId: … }).
    ObjectField(f) {
      if (f.name.value === 'modelId') take(f.value, modelIds);
    },
  });
  return { modelIds, runIds };
}

/** The data source a GraphQL request reads from. */
export async function graphqlReadSource(replicas: ReadReplicas | undefined, primary: DataSource, body: unknown, search: URLSearchParams | null): Promise<DataSource> {
  if (!replicas || replicas.size === 0) return primary;
  const parts = requestParts(body, search);
  if (!parts || typeof parts.query !== 'string') return primary;
  const doc = parseCached(parts.query);
  if (!doc) return primary;
  const op = getOperationAST(doc, typeof parts.operationName === 'string' ? parts.operationName : undefined);
  if (!op || op.operation !== 'query') return primary;
  const variables = parts.variables && typeof parts.variables === 'object' ? (parts.variables as Record<string, unknown>) : {};
  const { modelIds, runIds } = requestedRows(doc, variables);
  return replicas.forRead(modelIds, runIds);
}

/** Model version ids at the start of route parameters such as an export's `<modelId>:<KIND>:<key>`. */
export function modelIdsInRouteParams(params: Record<string, string>): number[] {
  return Object.values(params)
    .map((v) => /^(\d+)(?::|$)/.exec(v)?.[1])
    .map((v) => (v === undefined ? null : intValue(v)))
    .filter((v): v is number => v !== null);
}
