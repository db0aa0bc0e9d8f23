import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '../shared/errors';

/** SQL statements issued so far by one unit of work (one GraphQL request, one test block). */
export interface SqlCounter {
  statements: number;
  /**
   * The most statements this unit of work may issue (GRAPHQL_MAX_SQL_STATEMENTS for a request). The next one
   * fails with SQL_BUDGET_EXCEEDED before it reaches the database, so aliases or nesting that the complexity
   * estimate let through cannot turn one request into thousands of statements.
   */
  limit?: number;
  /** When set, every statement's text and values are appended (the start-up warm-up replays them). */
  seen?: { text: string; params: unknown[] }[];
}

export function sqlBudgetExceeded(limit: number): DomainError {
  return new DomainError(
    ErrorCode.SQL_BUDGET_EXCEEDED,
    `this request needs more than ${limit} SQL statements, the limit per request: ask for fewer fields or aliases, or split it`,
    { maxSqlStatements: limit },
  );
}

const storage = new AsyncLocalStorage<SqlCounter>();
const INSTRUMENTED = Symbol.for('segmenta.sqlCounter');
const ENDS_TRANSACTION = /^\s*(ROLLBACK|COMMIT|END|RELEASE)\b/i;

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
    if (counter) {
      // TypeORM logs a statement before sending it, outside its own error handling: throwing here fails the
      // statement's caller (and rolls back its transaction) without the statement reaching the database.
      // Ending a transaction is never refused: a refused ROLLBACK would hand the connection back to the pool
      // with its transaction still open.
      if (counter.limit !== undefined && counter.statements >= counter.limit && !ENDS_TRANSACTION.test(query)) throw sqlBudgetExceeded(counter.limit);
      counter.statements++;
      counter.seen?.push({ text: query, params: parameters ?? [] });
    }
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
