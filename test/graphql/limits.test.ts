import { buildSchema as buildSdlSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { Args, ArgsType, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { estimateComplexity } from '../../src/graphql/limits/complexity';
import { selectionDepth } from '../../src/graphql/limits/depth.rule';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestServer, type TestServer } from './helpers';

function parts(query: string) {
  const doc = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    if (d.kind === Kind.OPERATION_DEFINITION) operation ??= d;
  }
  return { operation: operation!, fragments };
}

describe('depth (unit)', () => {
  const depth = (q: string) => {
    const { operation, fragments } = parts(q);
    return selectionDepth(operation.selectionSet, fragments);
  };
  it('counts nested fields, through fragments and inline fragments', () => {
    expect(depth('{ a }')).toBe(1);
    expect(depth('{ a { b { c } } d }')).toBe(3);
    expect(depth('{ a { ...F } } fragment F on T { b { ... on U { c { d } } } }')).toBe(4);
  });
  it('does not count introspection and survives fragment cycles', () => {
    expect(depth('{ __schema { types { fields { type { ofType { name } } } } } a }')).toBe(1);
    expect(depth('{ a { ...F } } fragment F on T { b { ...F } }')).toBe(2);
  });
  it('measures a fragment spread many times once (no blow-up)', () => {
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on T { x { ...F${i + 1} } y { ...F${i + 1} } }`).join('\n');
    const t0 = performance.now();
    expect(depth(`{ ...F0 } ${frags} fragment F30 on T { z }`)).toBe(31);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});

describe('complexity (unit)', () => {
  const schema = buildSdlSchema(`
    type Query { customers(first: Int = 50, after: String): CustomerConnection!, stats: Stats!, tags: [String!]! }
    type CustomerConnection { edges: [CustomerEdge!]!, nodes: [Customer!]!, pageInfo: PageInfo! }
    type CustomerEdge { node: Customer!, cursor: String! }
    type PageInfo { hasNextPage: Boolean! }
    type Customer { id: Int!, orders: [Order!]!, recent(first: Int): [Order!]! }
    type Order { id: Int! }
    type Stats { n: Int! }
  `);
  const cost = (q: string, variables?: Record<string, unknown>) => estimateComplexity({ schema, ...parts(q), variables });

  it('follows the documented example', () => {
    expect(cost('{ customers(first: 100) { edges { node { id orders { id } } } } }')).toBe(1 + 100 * (1 + (1 + (1 + (1 + 50 * 1)))));
  });
  it('uses variables, then the argument default, for first', () => {
    expect(cost('query($n: Int) { customers(first: $n) { nodes { id } } }', { n: 7 })).toBe(1 + 7 * 2);
    expect(cost('{ customers { nodes { id } } }')).toBe(1 + 50 * 2);
    expect(cost('{ stats { n } tags __typename }')).toBe(2 + 1);
    expect(cost('{ customers(first: 2) { nodes { recent(first: 3) { id } } } }')).toBe(1 + 2 * (1 + (1 + 3)));
  });
  it('adds fragments in', () => {
    expect(cost('{ customers(first: 2) { nodes { ...C } } } fragment C on Customer { id orders { id } }')).toBe(1 + 2 * (1 + 1 + 51));
  });
});

@ObjectType()
class Tree {
  @Field(() => Int)
  level: number;

  @Field(() => Tree)
  child: Tree;

  @Field(() => [Tree])
  children: Tree[];
}

@ArgsType()
class TreeArgs {
  @Field(() => Int, { nullable: true })
  first?: number;
}

const tree = (level: number): Tree => ({
  level,
  get child() {
    return tree(level + 1);
  },
  get children() {
    return [tree(level + 1)];
  },
});

@Resolver()
class TreeResolver {
  @Query(() => Tree)
  tree(): Tree {
    return tree(0);
  }

  @Query(() => [Tree])
  forest(@Args() { first }: TreeArgs): Tree[] {
    return Array.from({ length: first ?? 3 }, () => tree(0));
  }
}

const nested = (n: number) => `{ tree ${'{ child '.repeat(n - 1)}{ level }${' }'.repeat(n - 1)} }`;

describe('limits over HTTP', () => {
  let db: TestDb;
  let t: TestServer;
  let closed: TestServer;
  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestServer({ db, extraResolvers: [TreeResolver], settings: { maxDepth: 5, maxComplexity: 100, introspection: true } });
    closed = await startTestServer({ db, extraResolvers: [TreeResolver], settings: { introspection: false } });
  });
  afterAll(async () => {
    await t?.close();
    await closed?.close();
    await db?.drop();
  });

  it('accepts a query at the depth limit', async () => {
    const r = await t.gql(nested(4)); // tree + 3 × child + level = depth 5
    expect(r.body.errors).toBeUndefined();
    expect(r.status).toBe(200);
  });

  it('refuses a deeper one with BAD_USER_INPUT, before running it', async () => {
    const r = await t.gql(nested(5));
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors![0].message).toBe('query depth 6 exceeds the limit of 5');
    expect(r.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', depth: 6, maxDepth: 5 });
  });

  it('counts depth through fragments', async () => {
    const r = await t.gql('{ tree { ...A } } fragment A on Tree { child { ...B } } fragment B on Tree { child { child { child { level } } } }');
    expect(r.body.errors![0].message).toBe('query depth 6 exceeds the limit of 5');
  });

  it('refuses an operation over the complexity limit, with first taken from variables', async () => {
    const q = 'query($n: Int) { forest(first: $n) { level children { level } } }';
    // forest is a list with a `first` argument: 1 + n × (1 + (1 + 50 × 1))
    const ok = await t.gql(q, { n: 1 }, { headers: { 'x-debug-sql-count': '1' } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.extensions).toMatchObject({ complexity: 53 });
    const r = await t.gql(q, { n: 2 });
    expect(r.status).toBe(400);
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', complexity: 105, maxComplexity: 100 } });
    expect(r.body.errors![0].message).toMatch(/^query complexity 105 exceeds the limit of 100/);
  });

  it('answers introspection when enabled', async () => {
    const r = await t.gql('{ __schema { queryType { name } } }');
    expect(r.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('refuses __schema and __type when introspection is off', async () => {
    for (const q of ['{ __schema { types { name } } }', '{ __type(name: "Tree") { name } }']) {
      const r = await closed.gql(q);
      expect(r.status).toBe(400);
      expect(r.body.data).toBeUndefined();
      expect(r.body.errors![0].message).toMatch(/^introspection is disabled on this server/);
      expect(r.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    // Ordinary queries and __typename still work.
    expect((await closed.gql('{ tree { __typename level } }')).body).toEqual({ data: { tree: { __typename: 'Tree', level: 0 } } });
  });

  it('does not suggest field names when introspection is off', async () => {
    const r = await closed.gql('{ tre { level } }');
    expect(r.body.errors![0].message).not.toMatch(/Did you mean/);
    expect((await t.gql('{ tre { level } }')).body.errors![0].message).toMatch(/Did you mean "tree"/);
  });
});
