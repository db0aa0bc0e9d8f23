/**
 * The dashboard's only way to the data: POST /graphql with the API key as a Bearer token, and the segment CSV
 * export fetched with the same header (links cannot send headers, so downloads go through a Blob).
 */

const KEY_STORAGE = 'segmenta.apiKey';

/** An error the API answered (extensions.code) or a failure to reach it (code NETWORK / HTTP). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The key lives in sessionStorage: it survives reloads but not the closing of the tab. */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key then lasts until the page is left
  }
  memoryKey = key;
}

let memoryKey: string | null = null;

function authHeaders(): Record<string, string> {
  const key = memoryKey ?? apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> & { code?: string } }[];
}

/** Runs one operation; resolves with `data` or rejects with an ApiError carrying the first error's code. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new ApiError('NETWORK', `the API could not be reached (${e instanceof Error ? e.message : String(e)})`);
  }
  let body: GraphQLBody<T>;
  try {
    body = (await res.json()) as GraphQLBody<T>;
  } catch {
    throw new ApiError('HTTP', `the API answered HTTP ${res.status} without a GraphQL response`);
  }
  const first = body.errors?.[0];
  if (first) {
    const { code, ...rest } = first.extensions ?? {};
    throw new ApiError(typeof code === 'string' ? code : 'ERROR', first.message, rest);
  }
  if (!body.data) throw new ApiError('HTTP', `the API answered HTTP ${res.status} without data`);
  return body.data;
}

/** A human sentence for an error, naming what to do when the key is the problem. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'UNAUTHENTICATED') return `The API refused the request (UNAUTHENTICATED): ${e.message}. Enter a valid API key at the top right.`;
    if (e.code === 'FORBIDDEN') return `Not allowed with this API key (FORBIDDEN): ${e.message}.`;
    if (e.code === 'NETWORK') return `No connection: ${e.message}.`;
    return `${e.message} (${e.code})`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * The export URL of a segment: /export/segments/<id>.csv with the id percent-encoded, narrowed by `filter`
 * (query parameters state, idPrefix, churnMin, churnMax, clvMin, clvMax, as the route reads them).
 */
export function segmentCsvUrl(segmentId: string, filter: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, v);
  const search = q.toString();
  return `/export/segments/${encodeURIComponent(segmentId)}.csv${search ? `?${search}` : ''}`;
}

/** Downloads a segment's customers as CSV (fetch with the key, then save the Blob). Resolves with the file name. */
export async function downloadSegmentCsv(segmentId: string, filter: Record<string, string | undefined> = {}): Promise<string> {
  let res: Response;
  try {
    res = await fetch(segmentCsvUrl(segmentId, filter), { headers: authHeaders() });
  } catch (e) {
    throw new ApiError('NETWORK', `the export could not be reached (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) {
    let code = 'HTTP';
    let message = `the export answered HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(code, message);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `segment-${segmentId.replace(/[^\w-]+/g, '-')}.csv`;
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the file once the click's task ends.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
