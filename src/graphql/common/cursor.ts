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

/** Opaque to clients: base64url of a small JSON object. */
export function encodeCursor(c: Cursor): string {
  const payload: Record<string, unknown> = { k: c.key, i: c.id };
  if (c.sort !== undefined) payload.s = c.sort;
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
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
