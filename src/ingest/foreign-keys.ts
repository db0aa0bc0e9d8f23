import type { PoolClient } from 'pg';

export type ForeignKeyMode = 'auto' | 'row' | 'bulk';
export const FOREIGN_KEY_MODES: readonly ForeignKeyMode[] = ['auto', 'row', 'bulk'];

/** Below this many new rows in a load, per-row checks are cheap enough and take no table locks. */
const BULK_MIN_ROWS = 50_000;

/**
 * Whether to check `table`'s foreign keys in bulk for `newRows` new rows (of a load of `loadRows`, see
 * useBulkIndexes). Per-row checks cost a trigger call each (several µs, and a row lock on the referenced
 * row); a bulk check is one join over the whole table, so it wins when the import is large and not tiny next
 * to what the table already holds.
 */
export async function useBulkChecks(client: PoolClient, mode: ForeignKeyMode, table: string, newRows: number, loadRows = newRows): Promise<boolean> {
  if (mode !== 'auto') return mode === 'bulk';
  if (loadRows < BULK_MIN_ROWS) return false;
  // Dropping a constraint needs the table's owner; a role without it keeps the per-row checks.
  const { rows } = await client.query<{ n: number; owner: boolean }>(
    `SELECT greatest(reltuples, 0)::float8 AS n, pg_has_role(relowner, 'USAGE') AS owner FROM pg_class WHERE oid = $1::regclass`,
    [table],
  );
  return rows.length > 0 && rows[0].owner && newRows * 10 >= rows[0].n;
}

/**
 * Whether to drop `table`'s indexes and keys while `newRows` rows go in, and rebuild them after (sorted builds
 * instead of one random b-tree descent per row and index). A rebuild costs the whole table, so in auto mode
 * only a load at least as large as what the table already holds takes this path; 'bulk' always does.
 * `loadRows` is the size of the whole load when the table gets only part of it (a log's orders: a 100k-line
 * log is a large load even though it holds 25k invoices), weighed against BULK_MIN_ROWS.
 */
export async function useBulkIndexes(client: PoolClient, mode: ForeignKeyMode, table: string, newRows: number, loadRows = newRows): Promise<boolean> {
  if (mode !== 'auto') return mode === 'bulk';
  if (loadRows < BULK_MIN_ROWS) return false;
  const { rows } = await client.query<{ n: number; owner: boolean }>(
    `SELECT greatest(reltuples, 0)::float8 AS n, pg_has_role(relowner, 'USAGE') AS owner FROM pg_class WHERE oid = $1::regclass`,
    [table],
  );
  return rows.length > 0 && rows[0].owner && newRows >= rows[0].n;
}

/**
 * Runs `fn` with `tables`' foreign keys dropped and re-creates them afterwards, which validates every row in
 * one set-based pass (PostgreSQL's advice for bulk loads). Must run inside a transaction: a failed
 * validation or any error rolls the constraints back with the data. The tables and the ones they reference
 * stay exclusively locked until the transaction ends.
 */
export async function withForeignKeysCheckedInBulk<T>(client: PoolClient, tables: string[], fn: () => Promise<T>): Promise<T> {
  const { rows: fks } = await client.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY ($1::regclass[]) ORDER BY conrelid, conname`,
    [tables],
  );
  for (const fk of fks) await client.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
  const result = await fn();
  for (const fk of fks) await client.query(`ALTER TABLE ${fk.tbl} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.def}`);
  return result;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
