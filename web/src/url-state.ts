/**
 * What a shared link restores: the priority board's segment kind, the segment opened in the drill-down, its
 * filters and its sort, kept in the page's query string (the hash stays free for the section links).
 */
export interface ViewState {
  /** Priority board kind: CLUSTER, RFM or ABC_XYZ. */
  kind?: string;
  /** The drill-down's segment as "<KIND>:<key>", e.g. "RFM:At Risk". */
  seg?: string;
  state?: string;
  idPrefix?: string;
  /** Churn probability bounds, 0-1. */
  churnMin?: string;
  churnMax?: string;
  /** CLV bounds, in the store's currency over the CLV horizon. */
  clvMin?: string;
  clvMax?: string;
  /** "<FIELD>:<ASC|DESC>" */
  sort?: string;
}

const KEYS: (keyof ViewState)[] = ['kind', 'seg', 'state', 'idPrefix', 'churnMin', 'churnMax', 'clvMin', 'clvMax', 'sort'];

export function readView(): ViewState {
  const q = new URLSearchParams(location.search);
  const out: ViewState = {};
  for (const k of KEYS) {
    const v = q.get(k);
    if (v !== null && v !== '') out[k] = v;
  }
  return out;
}

/** Merges `patch` into the URL (undefined or '' removes a key) without adding a history entry. */
export function writeView(patch: Partial<ViewState>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const search = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}
