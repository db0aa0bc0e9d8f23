import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/roles';
import { loaderFactories } from './loaders';
import type { SqlCounter } from './sql-counter';

/**
 * Per-request DataLoaders by name. A domain declares its loaders' types by augmenting this interface and lists
 * their factories in src/graphql/loaders.ts:
 *
 *   declare module '../graphql/context' {
 *     interface Loaders { customerById: DataLoader<number, CustomerRow | null> }
 *   }
 *   export const customerLoaders = { customerById: (ds) => new DataLoader((ids) => ...) } satisfies LoaderFactories;
 */
export interface Loaders {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [name: string]: DataLoader<any, any>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LoaderFactory = (ds: DataSource, principal: Principal) => DataLoader<any, any>;

/**
 * DataLoader factories by name. Every request gets its own loader (so caching never crosses requests or
 * principals), created on first use. Loaders should query through `ds`: the request's SQL counter sees it.
 */
export type LoaderFactories = Record<string, LoaderFactory>;

/** What every resolver receives as its context (`@Ctx() ctx: GraphQLContext`). */
export interface GraphQLContext {
  principal: Principal;
  /** The data source. Every statement run through it is counted for this request. */
  db: DataSource;
  /** Shorthand for `db.query` with typed rows (counted too). */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  loaders: Loaders;
  /** SQL statements this request has issued so far. */
  sqlCounter: SqlCounter;
  /** Set by the `x-debug-sql-count: 1` request header: the response then carries extensions.sqlStatements. */
  debugSql: boolean;
  /** The operation's estimated complexity (set by the complexity limit). */
  complexity?: number;
}

function createLoaders(factories: LoaderFactories, ds: DataSource, principal: Principal): Loaders {
  const loaders = {} as Loaders;
  for (const [name, factory] of Object.entries(factories)) {
    Object.defineProperty(loaders, name, {
      enumerable: true,
      configurable: true,
      get() {
        const loader = factory(ds, principal);
        Object.defineProperty(loaders, name, { value: loader, enumerable: true });
        return loader;
      },
    });
  }
  return loaders;
}

export function createContext(opts: { principal: Principal; ds: DataSource; sqlCounter?: SqlCounter; debugSql?: boolean; loaders?: LoaderFactories }): GraphQLContext {
  const { principal, ds } = opts;
  return {
    principal,
    db: ds,
    sql: <T>(text: string, params?: unknown[]) => ds.query(text, params) as Promise<T[]>,
    loaders: createLoaders(opts.loaders ?? loaderFactories, ds, principal),
    sqlCounter: opts.sqlCounter ?? { statements: 0 },
    debugSql: opts.debugSql ?? false,
  };
}
