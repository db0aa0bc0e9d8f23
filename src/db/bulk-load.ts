import type { PoolClient } from 'pg';

/**
 * PostgreSQL's advice for populating a database: load first, then build indexes and add foreign keys.
 * Maintaining random 32-hex primary keys and checking each row's foreign keys one at a time costs several
 * times the COPY itself; a sorted index build and one set-based check per foreign key do not.
 *
 * Inside the caller's transaction: the tables' indexes and key constraints are dropped and recreated from
 * their catalog definitions (same names), so on COMMIT the schema is exactly as before, and on ROLLBACK
 * nothing happened at all.
 */
export interface DeferredSchema {
  /** Recreates everything that was dropped, in dependency order (keys, indexes, then foreign keys). */
  restore(): Promise<void>;
  /** Number of constraints and indexes dropped. */
  count: number;
}

interface Row {
  tbl: string;
  name: string;
  def: string;
}

export async function deferIndexesAndKeys(client: PoolClient, tables: readonly string[]): Promise<DeferredSchema> {
  const rels = tables.map((t) => `'${t}'::regclass`).join(', ');
  const q = async (sql: string) => (await client.query(sql)).rows as Row[];
  // Foreign keys from or to the tables (a primary key cannot go while a foreign key still uses it).
  const fks = await q(`
    SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS def
      FROM pg_constraint
     WHERE contype = 'f' AND (conrelid IN (${rels}) OR confrelid IN (${rels}))
     ORDER BY 1, 2`);
  const keys = await q(`
    SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS def
      FROM pg_constraint
     WHERE contype IN ('p', 'u', 'x') AND conrelid IN (${rels})
     ORDER BY 1, 2`);
  const indexes = await q(`
    SELECT i.indrelid::regclass::text AS tbl, i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
      FROM pg_index i
     WHERE i.indrelid IN (${rels})
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
     ORDER BY 1, 2`);

  for (const f of fks) await client.query(`ALTER TABLE ${f.tbl} DROP CONSTRAINT ${f.name}`);
  for (const k of keys) await client.query(`ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`);
  for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);

  return {
    count: fks.length + keys.length + indexes.length,
    async restore() {
      for (const k of keys) await client.query(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);
      for (const i of indexes) await client.query(i.def);
      for (const f of fks) await client.query(`ALTER TABLE ${f.tbl} ADD CONSTRAINT ${f.name} ${f.def}`);
    },
  };
}
