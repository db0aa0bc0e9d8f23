import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';

/** SQL statements issued so far by one unit of work (one GraphQL request, one test block). */
export interface SqlCounter {
  statements: number;
}

const storage = new AsyncLocalStorage<SqlCounter>();
const INSTRUMENTED = Symbol.for('segmenta.sqlCounter');

/**
 * Makes every statement the data source runs count towards the SqlCounter of the current async context.
 * It hooks TypeORM's logger, which sees every statement (ds.query, repositories, query builders,
 * transactions), so domain code is counted without doing anything special. Statements sent on raw pg
 * clients (withClient / COPY) are not seen. Idempotent.
 */
export function instrumentDataSource(ds: DataSource): DataSource {
  const logger = ds.logger as typeof ds.logger & { [INSTRUMENTED]?: true };
  if (logger[INSTRUMENTED]) return ds;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, queryRunner) => {
    const counter = storage.getStore();
    if (counter) counter.statements++;
    return logQuery(query, parameters, queryRunner);
  };
  logger[INSTRUMENTED] = true;
  return ds;
}

/** Runs `fn` with `counter` as the current counter (the server wraps each request in this). */
export function runWithSqlCounter<T>(counter: SqlCounter, fn: () => T): T {
  return storage.run(counter, fn);
}

/** How many statements (on instrumented data sources) `fn` issued, e.g. to catch N+1 queries in tests. */
export async function countSqlStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const counter: SqlCounter = { statements: 0 };
  const result = await storage.run(counter, fn);
  return { result, statements: counter.statements };
}
