import type { Pool } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';

/**
 * Names of the statements prepared by queryRowArrays, by text: process-wide and first come, first named, up to
 * MAX_PREPARED texts (each connection then holds at most that many prepared statements); later texts run
 * unnamed. A name always means the same text, on every connection.
 */
const prepared = new Map<string, string>();
const MAX_PREPARED = 200;

function statementName(text: string): string | undefined {
  let name = prepared.get(text);
  if (name === undefined && prepared.size < MAX_PREPARED) {
    name = `segmenta_rows_${prepared.size + 1}`;
    prepared.set(text, name);
  }
  return name;
}

/** The name under which queryRowArrays prepares `text`, when it has named it (for replaying it on other connections). */
export function preparedStatementName(text: string): string | undefined {
  return prepared.get(text);
}

/**
 * Whether PostgreSQL refused a prepared statement because the connection's preparation is stale: gone (26000,
 * after DEALLOCATE / DISCARD) or its result type changed under it by DDL. The statement itself is fine.
 */
function isStalePrepared(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return code === '26000' || (code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type'));
}

export interface RowArraysOptions {
  /**
   * Run it as a named prepared statement (see statementName): parsed once per connection and, once PostgreSQL
   * finds its generic plan no worse than custom ones (after five runs), planned once too. For statements sent
   * often with the same text; the values that change the plan belong in the text (e.g. a LIMIT), not in params.
   */
  prepare?: boolean;
}

/**
 * Runs one statement on the data source's own pg pool and returns its rows as arrays in select-list order
 * (pg's rowMode 'array'): no object per row and no TypeORM query runner, for statements whose rows are many
 * and read once (a page of customers). Otherwise as `ds.query`: the statement is logged through the data
 * source's logger first (so the request's SQL counter, which hooks it, counts it: see sql-counter.ts), values
 * are parsed by the same pg type parsers, and a failure is logged and thrown as a TypeORM QueryFailedError.
 */
export async function queryRowArrays(ds: DataSource, text: string, params: unknown[], opts: RowArraysOptions = {}): Promise<unknown[][]> {
  const pool = (ds.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('queryRowArrays needs an initialized PostgreSQL data source');
  const name = opts.prepare ? statementName(text) : undefined;
  const client = await pool.connect();
  let destroy: Error | undefined;
  try {
    ds.logger.logQuery(text, params);
    try {
      return (await client.query<unknown[]>({ name, text, values: params, rowMode: 'array' })).rows;
    } catch (e) {
      if (name !== undefined && isStalePrepared(e)) {
        // This connection's preparation is stale: drop the connection (with what it prepared), run it unprepared.
        destroy = e as Error;
      } else {
        ds.logger.logQueryError(e instanceof Error ? e : String(e), text, params);
        throw new QueryFailedError(text, params, e as Error);
      }
    }
  } finally {
    client.release(destroy);
  }
  return queryRowArrays(ds, text, params);
}
