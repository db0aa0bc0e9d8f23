import type { GraphQLScalarType } from 'graphql';
import { Field, ObjectType, type ClassType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';
import { encodeCursor, type Cursor } from './cursor';
import type { PageRequest } from './page-args';
import { PageInfo } from './page-info';

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount?: number;
}

const made = new Map<string, { node: unknown; totalCount: boolean; type: ClassType<Connection<unknown>> }>();

/**
 * The Relay connection type for `NodeClass`: `${name}Connection { edges: [${name}Edge!]!, nodes, pageInfo,
 * totalCount? }` and `${name}Edge { node, cursor }`. Memoized by name (a name maps to one node type).
 * Use: `const CustomerConnection = ConnectionType(Customer, 'Customer');`
 *      `@Query(() => CustomerConnection) customers(@Args() args: PageArgs): Promise<Connection<Customer>>`
 */
export function ConnectionType<T extends object>(
  NodeClass: ClassType<T> | GraphQLScalarType,
  name: string,
  opts: { totalCount?: boolean; totalCountDescription?: string } = {},
): ClassType<Connection<T>> {
  const prior = made.get(name);
  if (prior) {
    if (prior.node !== NodeClass || prior.totalCount !== Boolean(opts.totalCount)) {
      throw new Error(`ConnectionType "${name}" is already defined with another node type or options`);
    }
    return prior.type as ClassType<Connection<T>>;
  }

  // simpleResolvers: the fields are read as properties (no resolver per field); edges and page info are plain
  // values (cursors may be getters), never promises.
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field(() => NodeClass)
    node: T;

    @Field({ description: 'Pass as `after` to get the rows following this one.' })
    cursor: string;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => [NodeClass], { description: 'The nodes of `edges`, for clients that need no cursors.' })
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    totalCount?: number;
  }
  if (opts.totalCount) {
    // Declared only when asked for, so that connections without a cheap count do not advertise one. Resolved
    // (not read as a plain property) because it may be a lazily counted promise.
    Field(() => NonNegativeInt, { simple: false, description: opts.totalCountDescription ?? 'Rows matching the filters, over all pages.' })(ConnectionClass.prototype, 'totalCount');
  }
  const type: ClassType<Connection<T>> = ConnectionClass;
  made.set(name, { node: NodeClass, totalCount: Boolean(opts.totalCount), type: type as ClassType<Connection<unknown>> });
  return type;
}

/** An edge whose cursor is encoded when first read: a page whose query selects no cursor encodes none. */
class RowEdge<R, T> implements Edge<T> {
  private encoded: string | undefined = undefined;

  constructor(
    readonly node: T,
    private readonly row: R,
    private readonly cursorOf: (row: R) => Cursor,
  ) {}

  get cursor(): string {
    return (this.encoded ??= encodeCursor(this.cursorOf(this.row)));
  }
}

/** PageInfo whose start and end cursors are the first and last edges' (encoded when read). */
class EdgesPageInfo implements PageInfo {
  constructor(
    private readonly edges: readonly Edge<unknown>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges.length ? this.edges[0].cursor : null;
  }

  get endCursor(): string | null {
    return this.edges.length ? this.edges[this.edges.length - 1].cursor : null;
  }
}

/**
 * A page from rows fetched with `LIMIT page.limit + 1` in the connection's order: the extra row, when
 * present, only tells that a next page exists. `toNode` turns a row into the page's node (default: the row).
 * Cursors are encoded only when read (`edges[i].cursor`, `pageInfo.startCursor` / `endCursor`).
 */
export function connectionFromRows<R, T = R>(
  rows: R[],
  page: PageRequest,
  cursorOf: (row: R) => Cursor,
  extra: { totalCount?: number; toNode?: (row: R) => T } = {},
): Connection<T> {
  const n = Math.min(rows.length, page.limit);
  const toNode = extra.toNode ?? ((r: R) => r as unknown as T);
  const edges: Edge<T>[] = [];
  const nodes: T[] = [];
  for (let i = 0; i < n; i++) {
    const node = toNode(rows[i]);
    nodes.push(node);
    edges.push(new RowEdge(node, rows[i], cursorOf));
  }
  return {
    edges,
    nodes,
    pageInfo: new EdgesPageInfo(edges, rows.length > page.limit, page.after !== null),
    ...(extra.totalCount !== undefined ? { totalCount: extra.totalCount } : {}),
  };
}

/**
 * The keyset condition for rows after `after` in `ORDER BY key dir, id dir` (both columns in the same
 * direction; the key expression must not be NULL — COALESCE it). Appends its parameters to `params` and
 * returns SQL such as `(c.churn_risk, c.id) < ($3, $4)`, or `TRUE` without a cursor.
 */
export function keysetAfter(after: Cursor | null, opts: { key: string; id: string; direction: 'ASC' | 'DESC'; params: unknown[] }): string {
  if (!after) return 'TRUE';
  opts.params.push(after.key, after.id);
  const n = opts.params.length;
  return `(${opts.key}, ${opts.id}) ${opts.direction === 'ASC' ? '>' : '<'} ($${n - 1}, $${n})`;
}
