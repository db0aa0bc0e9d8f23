import type { Pool } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';

/**
 * Runs one statement on the data source's own pg pool and returns its rows as arrays in select-list order
 * (pg's rowMode 'array'): no object per row and no TypeORM query runner, for statements whose rows are many
 * and read once (a page of customers). Otherwise as `ds.query`: the statement is logged through the data
 * source's logger first (so the request's SQL counter, which hooks it, counts it: see sql-counter.ts), values
 * are parsed by the same pg type parsers, and a failure is logged and thrown as a TypeORM QueryFailedError.
 */
export async function queryRowArrays(ds: DataSource, text: string, params: unknown[]): Promise<unknown[][]> {
  const pool = (ds.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('queryRowArrays needs an initialized PostgreSQL data source');
  const client = await pool.connect();
  try {
    ds.logger.logQuery(text, params);
    try {
      return (await client.query<unknown[]>({ text, values: params, rowMode: 'array' })).rows;
    } catch (e) {
      ds.logger.logQueryError(e instanceof Error ? e : String(e), text, params);
      throw new QueryFailedError(text, params, e as Error);
    }
  } finally {
    client.release();
  }
}
