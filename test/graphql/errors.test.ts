import DataLoader from 'dataloader';
import { Min } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ConnectionType, connectionFromRows, keysetAfter, type Connection } from '../../src/graphql/common/connection';
import { PageArgs, parsePageArgs } from '../../src/graphql/common/page-args';
import type { GraphQLContext, LoaderFactories } from '../../src/graphql/context';
import type { DataSource } from 'typeorm';
import { Latitude, PositiveInt } from '../../src/graphql/scalars';
import { notFound } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestServer, type TestServer } from './helpers';

declare module '../../src/graphql/context' {
  interface Loaders {
    squareOf: DataLoader<number, number>;
  }
}

@ObjectType()
class Item {
  @Field(() => Int)
  id: number;

  @Field(() => Int)
  score: number;
}

const ItemConnection = ConnectionType(Item, 'Item', { totalCount: true });

@ArgsType()
class ValidatedArgs {
  @Field(() => Int)
  @Min(1)
  size: number;
}

const probeLoaders: LoaderFactories = {
  squareOf: (ds: DataSource) =>
    new DataLoader<number, number>(async (ids) => {
      const rows: { id: number; sq: number }[] = await ds.query(`SELECT id, id * id AS sq FROM unnest($1::int[]) AS id`, [ids]);
      const by = new Map(rows.map((r) => [r.id, r.sq]));
      return ids.map((id) => by.get(id) ?? 0);
    }),
};

@Resolver(() => Item)
class ProbeResolver {
  @Query(() => String)
  async leakySql(@Ctx() ctx: GraphQLContext): Promise<string> {
    await ctx.sql('SELECT secret_column FROM secret_table_xyz WHERE password = $1', ['hunter2']);
    return 'unreachable';
  }

  @Query(() => String)
  crash(): string {
    throw new TypeError('cannot read properties of undefined (reading "internalDetail")');
  }

  @Query(() => String)
  missing(): string {
    throw notFound('customer 42 does not exist', { id: 42 });
  }

  @Query(() => Int)
  validated(@Args() { size }: ValidatedArgs): number {
    return size;
  }

  @Query(() => Int)
  scalars(@Arg('n', () => PositiveInt) n: number, @Arg('lat', () => Latitude, { nullable: true }) _lat?: number): number {
    return n;
  }

  /** Items are (id, score = (id * 7) % 10), sorted by score DESC then id DESC, paginated by keyset. */
  @Query(() => ItemConnection)
  async items(@Args() args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<Item>> {
    const page = parsePageArgs(args, { sort: 'score' });
    const params: unknown[] = [];
    const where = keysetAfter(page.after, { key: 's.score', id: 's.id', direction: 'DESC', params });
    params.push(page.limit + 1);
    const rows: Item[] = await ctx.sql(
      `SELECT s.id, s.score FROM (SELECT g AS id, (g * 7) % 10 AS score FROM generate_series(1, 23) g) s
        WHERE ${where} ORDER BY s.score DESC, s.id DESC LIMIT $${params.length}`,
      params,
    );
    return connectionFromRows(rows, page, (r) => ({ key: r.score, id: r.id, sort: 'score' }), { totalCount: 23 });
  }

  @FieldResolver(() => Int)
  square(@Root() item: Item, @Ctx() ctx: GraphQLContext): Promise<number> {
    return ctx.loaders.squareOf.load(item.id);
  }
}

describe('errors, pagination and the SQL counter over HTTP', () => {
  let db: TestDb;
  let t: TestServer;
  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestServer({ db, extraResolvers: [ProbeResolver], extraLoaders: probeLoaders });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('masks an SQL error: generic message, no SQL, no stack; the real error is logged', async () => {
    const r = await t.gql('{ leakySql }');
    expect(r.body.errors).toEqual([{ message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['leakySql'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    const text = JSON.stringify(r.body);
    for (const secret of ['secret_table_xyz', 'secret_column', 'hunter2', 'stacktrace', 'SELECT']) expect(text).not.toContain(secret);
    const logged = t.logs.find((l) => l.level === 50 && JSON.stringify(l).includes('secret_table_xyz'));
    expect(logged).toBeDefined();
  });

  it('masks any unexpected exception', async () => {
    const r = await t.gql('{ crash }');
    expect(r.body.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(r.body)).not.toContain('internalDetail');
  });

  it('maps a DomainError to its code, message and details', async () => {
    const r = await t.gql('{ missing }');
    expect(r.body.errors![0]).toMatchObject({ message: 'customer 42 does not exist', extensions: { code: 'NOT_FOUND', id: 42 } });
  });

  it('class-validator argument errors are BAD_USER_INPUT naming the field', async () => {
    const r = await t.gql('{ validated(size: 0) }');
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'size', fields: ['size'] } });
    expect(r.body.errors![0].message).toMatch(/^invalid input: size: size must not be less than 1/);
    expect(r.body.errors![0].extensions).not.toHaveProperty('validationErrors');
  });

  it('variable and literal coercion errors are BAD_USER_INPUT naming the variable or type', async () => {
    const v = await t.gql('query($n: PositiveInt!) { scalars(n: $n) }', { n: 0 });
    expect(v.status).toBe(400);
    expect(v.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(v.body.errors![0].message).toMatch(/\$n/);
    const lit = await t.gql('{ scalars(n: 1, lat: 91.5) }');
    expect(lit.status).toBe(400);
    expect(lit.body.errors![0]).toMatchObject({
      message: 'invalid value for argument "lat": Value must be between -90 and 90: 91.5',
      extensions: { code: 'BAD_USER_INPUT', argument: 'lat' },
    });
    const typed = await t.gql('{ scalars(n: "x") }');
    expect(typed.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'n' } });
  });

  it('keeps parse and validation errors as they are', async () => {
    expect((await t.gql('{ items { ')).body.errors![0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await t.gql('{ nope }')).body.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('pages through a connection with opaque keyset cursors', async () => {
    const q = 'query($after: String) { items(first: 10, after: $after) { totalCount edges { cursor node { id score } } pageInfo { hasNextPage hasPreviousPage endCursor } } }';
    type Page = { items: { totalCount: number; edges: { cursor: string; node: Item }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } } };
    const seen: Item[] = [];
    let after: string | null = null;
    const pages: Page['items']['pageInfo'][] = [];
    do {
      const r: { body: { data?: Page | null; errors?: unknown } } = await t.gql<Page>(q, { after });
      expect(r.body.errors).toBeUndefined();
      const page = r.body.data!.items;
      expect(page.totalCount).toBe(23);
      seen.push(...page.edges.map((e) => e.node));
      pages.push(page.pageInfo);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(pages.map((p) => [p.hasNextPage, p.hasPreviousPage])).toEqual([[true, false], [true, true], [false, true]]);
    const expected = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, score: ((i + 1) * 7) % 10 })).sort((a, b) => b.score - a.score || b.id - a.id);
    expect(seen).toEqual(expected);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['no id', Buffer.from(JSON.stringify({ k: 1 })).toString('base64url')],
    ['another sort', Buffer.from(JSON.stringify({ k: 1, i: 2, s: 'name' })).toString('base64url')],
  ])('a bad cursor (%s) is BAD_USER_INPUT naming after', async (_label, cursor) => {
    const r = await t.gql('query($c: String) { items(after: $c) { nodes { id } } }', { c: cursor });
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    expect(r.body.errors![0].message).toMatch(/^after /);
  });

  it.each([0, -1, 501])('first: %d is BAD_USER_INPUT naming first', async (first) => {
    const r = await t.gql(`{ items(first: ${first}) { nodes { id } } }`);
    expect(r.body.errors![0]).toMatchObject({ message: `first must be an integer from 1 to 500 (got ${first})`, extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });

  it('first defaults to 50 and 500 is allowed', async () => {
    const r = await t.gql('{ a: items { nodes { id } } b: items(first: 500) { nodes { id } } }');
    expect(r.body.errors).toBeUndefined();
  });

  it('counts the SQL statements of a request; per-request DataLoaders batch', async () => {
    const q = '{ items(first: 20) { nodes { id square } } }';
    const r = await t.gql<{ items: { nodes: { id: number; square: number }[] } }>(q, undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.items.nodes.every((n) => n.square === n.id * n.id)).toBe(true);
    // One statement for the page, one batched statement for the 20 squares.
    expect(r.body.extensions).toMatchObject({ sqlStatements: 2 });
    expect((await t.gql(q)).body.extensions).toBeUndefined();
  });
});
