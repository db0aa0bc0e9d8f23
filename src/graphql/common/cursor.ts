import { badInput } from '../../shared/errors';

export type CursorKey = string | number | boolean | null | CursorKey[];

/**
 * Where a page ends, in keyset terms: the row's sort key and a unique tiebreak id. `sort` names the
 * ordering the cursor was made for, so a cursor is refused under another ordering instead of skipping rows.
 */
export interface Cursor {
  key: CursorKey;
  id: string | number;
  sort?: string;
}

/** JSON text of a cursor value as JSON.stringify writes it (a finite number directly: most keys and ids are). */
const json = (v: unknown): string | undefined => (typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v));

/**
 * Opaque to clients: base64url of a small JSON object, `{"k":key,"i":id,"s":sort}` (s only with a sort), written
 * exactly as JSON.stringify writes that object, without building it.
 */
export function encodeCursor(c: Cursor): string {
  const k = json(c.key);
  const i = json(c.id);
  const s = c.sort === undefined ? '' : json(c.sort);
  const text =
    k === undefined || i === undefined || s === undefined
      ? JSON.stringify({ k: c.key, i: c.id, ...(c.sort !== undefined ? { s: c.sort } : {}) })
      : `{"k":${k},"i":${i}${c.sort === undefined ? '' : `,"s":${s}`}}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

function isKey(v: unknown): v is CursorKey {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every(isKey);
}

/**
 * Decodes a cursor a client sent back. Anything that is not a cursor of ours (or one made for another sort
 * order) is BAD_USER_INPUT naming the argument.
 */
export function decodeCursor(raw: string, opts: { argument?: string; sort?: string } = {}): Cursor {
  const argument = opts.argument ?? 'after';
  const bad = (why: string) =>
    badInput(`${argument} is not a valid cursor (${why}): pass the endCursor of a previous page unchanged`, { argument });
  if (typeof raw !== 'string' || raw.length === 0) throw bad('empty');
  if (raw.length > 1024) throw bad('too long');
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw bad('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad('undecodable');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('undecodable');
  const { k, i, s } = parsed as Record<string, unknown>;
  if (!('k' in parsed) || !isKey(k)) throw bad('no sort key');
  if (!((typeof i === 'number' && Number.isSafeInteger(i)) || (typeof i === 'string' && i.length > 0))) throw bad('no id');
  if (s !== undefined && typeof s !== 'string') throw bad('undecodable');
  if (opts.sort !== undefined && s !== opts.sort) {
    throw badInput(`${argument} was made for ${s ? `sorting by ${s}` : 'another ordering'}, not by ${opts.sort}: start again without ${argument}`, { argument });
  }
  return { key: k, id: i, ...(s !== undefined ? { sort: s } : {}) };
}
