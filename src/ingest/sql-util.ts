import type { PoolClient } from 'pg';
import { FIRST_LINES, type ReasonCount } from './import-report';

/**
 * Session settings for an import transaction (SET LOCAL: they end with it). Naive timestamps are read as UTC
 * so their wall-clock digits survive unchanged; staging aggregates get enough memory to stay in RAM.
 */
export async function prepareSession(client: PoolClient): Promise<void> {
  await client.query(`SET LOCAL TimeZone = 'UTC'`);
  await client.query(`SET LOCAL DateStyle = 'ISO, YMD'`);
  await client.query(`SET LOCAL work_mem = '128MB'`);
}

/**
 * Statistics for a staging table. The planner needs only row counts and rough distinct counts from them (to
 * pick hash aggregates and hash joins), so a small sample does: 3,000 rows instead of the default 30,000,
 * which at 100k staged lines cost a third of a second per table.
 */
export async function analyzeStaging(client: PoolClient, table: string): Promise<void> {
  // set_config(…, true) lasts to the end of the transaction: the previous value is put back right after.
  const { rows } = await client.query<{ prev: string }>(
    `SELECT current_setting('default_statistics_target') AS prev, set_config('default_statistics_target', '10', true)`,
  );
  await client.query(`ANALYZE ${table}`);
  await client.query(`SELECT set_config('default_statistics_target', $1, true)`, [rows[0].prev]);
}

/** `sql` yields (reason, line_no) rows; returns a count and the first line numbers per reason. */
export async function reasonCounts(client: PoolClient, sql: string): Promise<ReasonCount[]> {
  const { rows } = await client.query<{ reason: string; count: number; lines: number[] }>(`
    SELECT reason, count(*)::int AS count, (array_agg(line_no ORDER BY line_no))[1:${FIRST_LINES}] AS lines
      FROM (${sql}) s GROUP BY reason ORDER BY min(line_no)`);
  return rows;
}

/**
 * Runs an `INSERT … ON CONFLICT DO UPDATE … WHERE <changed>` and splits its `total` candidate rows into
 * inserted, updated and unchanged (a row version with xmax = 0 is a fresh insert).
 */
export async function countUpsert(
  client: PoolClient,
  insertSql: string,
  total: number,
): Promise<{ inserted: number; updated: number; unchanged: number }> {
  const { rows } = await client.query<{ inserted: number; updated: number }>(`
    WITH up AS (${insertSql} RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM up`);
  const { inserted, updated } = rows[0];
  return { inserted, updated, unchanged: total - inserted - updated };
}

/**
 * INSERT the rows of `select` (columns in `columns` order) into `table`; on a key conflict, update the other
 * columns only where they differ (or leave the row alone with `update: false`). Returns what happened.
 * `select` must not yield a key twice.
 */
export async function upsert(
  client: PoolClient,
  o: { table: string; columns: string[]; key: string[]; select: string; update?: boolean },
): Promise<{ table: string; inserted: number; updated: number; unchanged: number; deleted: number }> {
  const rest = o.columns.filter((c) => !o.key.includes(c));
  const conflict =
    o.update !== false && rest.length > 0
      ? `ON CONFLICT (${o.key.join(', ')}) DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
          WHERE (${rest.map((c) => `${o.table}.${c}`).join(', ')}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(', ')})`
      : `ON CONFLICT (${o.key.join(', ')}) DO NOTHING`;
  const { rows } = await client.query<{ total: number; inserted: number; updated: number }>(`
    WITH src AS MATERIALIZED (${o.select}),
         up AS (INSERT INTO ${o.table} (${o.columns.join(', ')}) SELECT * FROM src ${conflict} RETURNING (xmax = 0) AS fresh)
    SELECT (SELECT count(*) FROM src)::int AS total,
           count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM up`);
  const { total, inserted, updated } = rows[0];
  return { table: o.table, inserted, updated, unchanged: total - inserted - updated, deleted: 0 };
}
