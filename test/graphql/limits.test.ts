import { buildSchema as buildSdlSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { Args, ArgsType, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { estimateComplexity, ROOT_FIELD_COST } from '../../src/graphql/limits/complexity';
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

  const R = ROOT_FIELD_COST;

  it('follows the documented example', () => {
    expect(cost('{ customers(first: 100) { edges { node { id orders { id } } } } }')).toBe(R + 100 * (1 + (1 + (1 + (1 + 50 * 1)))));
    expect(R + 100 * (1 + (1 + (1 + (1 + 50 * 1))))).toBe(5500);
  });
  it('uses variables, then the argument default, for first', () => {
    expect(cost('query($n: Int) { customers(first: $n) { nodes { id } } }', { n: 7 })).toBe(R + 7 * 2);
    expect(cost('{ customers { nodes { id } } }')).toBe(R + 50 * 2);
    expect(cost('{ stats { n } tags __typename }')).toBe(R + 1 + R);
    expect(cost('{ customers(first: 2) { nodes { recent(first: 3) { id } } } }')).toBe(R + 2 * (1 + (1 + 3)));
  });
  it('adds fragments in', () => {
    expect(cost('{ customers(first: 2) { nodes { ...C } } } fragment C on Customer { id orders { id } }')).toBe(R + 2 * (1 + 1 + 51));
  });
  it('charges every alias of a root field, which runs its own SQL statement', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: stats { n }`).join(' ')} }`;
    expect(cost(aliases(1))).toBe(R + 1);
    expect(cost(aliases(300))).toBe(300 * (R + 1));
  });
  it("uses a field's declared complexity over the default", () => {
    const declared = buildSdlSchema('type Query { cheap: Int!, dear: Int! }');
    Object.assign(declared.getQueryType()!.getFields().cheap, { extensions: { complexity: 1 } });
    expect(estimateComplexity({ schema: declared, ...parts('{ cheap dear }') })).toBe(1 + R);
  });

  // fragment F1 { ...F0 ...F0 } … Fn: a 1 KB body whose naive estimate walks 2^n spreads.
  const fanOut = (n: number, width: number, leaf: string) => {
    let q = `fragment F0 on Query { ${leaf} }\n`;
    for (let i = 1; i <= n; i++) q += `fragment F${i} on Query { ${Array(width).fill(`...F${i - 1}`).join(' ')} }\n`;
    return `${q}query { ...F${n} }`;
  };
  it('measures each fragment once: fan-out is exact and quick', () => {
    const t0 = performance.now();
    expect(cost(fanOut(39, 2, 'stats { n }'))).toBe(2 ** 39 * (R + 1));
    expect(cost(fanOut(25, 3, 'customers(first: 2) { nodes { id } }'))).toBe(3 ** 25 * (R + 2 * 2));
    expect(cost(fanOut(39, 2, '__typename'))).toBe(0);
    // Generous sanity bound only (the naive walk takes hours at n = 39); speed goals live in bench/.
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it('stops once the running total passes the limit', () => {
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `s${i}: stats { n }`).join(' ')} }`;
    const stopped = estimateComplexity({ schema, ...parts(aliases), limit: 1000 });
    expect(stopped).toBeGreaterThan(1000);
    expect(stopped).toBeLessThanOrEqual(1000 + R + 1);
    // A nested excess stops the walk too, and what it returns is still over the limit.
    const nested = estimateComplexity({ schema, ...parts('{ customers(first: 500) { nodes { id orders { id } } } }'), limit: 1000 });
    expect(nested).toBeGreaterThan(1000);
    // Under the limit nothing changes; a zero multiplier cancels an expensive child.
    expect(estimateComplexity({ schema, ...parts('{ customers(first: 2) { nodes { id } } }'), limit: 1000 })).toBe(R + 4);
    expect(estimateComplexity({ schema, ...parts(`{ customers(first: 0) { nodes { ...F } } } fragment F on Customer { orders { id } }`), limit: 1000 })).toBe(R);
    expect(estimateComplexity({ schema, ...parts(fanOut(39, 2, 'stats { n }')), limit: 20_000 })).toBeGreaterThan(20_000);
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
    t = await startTestServer({ db, extraResolvers: [TreeResolver], settings: { maxDepth: 5, maxComplexity: 200, introspection: true } });
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
    // forest is a root list field with a `first` argument: 100 + n × (1 + (1 + 50 × 1))
    const ok = await t.gql(q, { n: 1 }, { headers: { 'x-debug-sql-count': '1' } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.extensions).toMatchObject({ complexity: 152 });
    const r = await t.gql(q, { n: 2 });
    expect(r.status).toBe(400);
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', complexity: 204, maxComplexity: 200 } });
    expect(r.body.errors![0].message).toMatch(/^query complexity 204 exceeds the limit of 200/);
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

describe('hostile requests over HTTP', () => {
  let db: TestDb;
  let t: TestServer;
  let prod: TestServer;
  let budget: TestServer;
  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestServer({ db });
    prod = await startTestServer({ db, settings: { nodeEnv: 'production', maxComplexity: 1000 } });
    budget = await startTestServer({ db, settings: { maxSqlStatements: 3 } });
  });
  afterAll(async () => {
    await t?.close();
    await prod?.close();
    await budget?.close();
    await db?.drop();
  });

  const fanOut = (n: number, leaf: string) => {
    let q = `fragment F0 on Query { ${leaf} }\n`;
    for (let i = 1; i <= n; i++) q += `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }\n`;
    return `${q}query { ...F${n} }`;
  };

  it('refuses a 1 KB fragment fan-out, and /healthz answers meanwhile', async () => {
    const body = fanOut(39, 'warehouseStats { customers }');
    expect(body.length).toBeLessThan(2000);
    const [r, health] = await Promise.all([t.gql(body), t.get('/healthz')]);
    expect(health.status).toBe(200);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxComplexity: 20_000 });
    expect(r.body.errors![0].message).toMatch(/exceeds the limit of 20000/);
    // The process is free afterwards.
    expect((await t.get('/healthz')).status).toBe(200);
  });

  it('runs a fan-out that costs nothing once per field (execution merges the spreads)', async () => {
    const r = await t.gql(fanOut(39, '__typename'));
    expect(r.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('charges aliases of a field that reads the database', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: warehouseStats { customers }`).join(' ')} }`;
    const one = await t.gql(aliases(1), undefined, { headers: { 'x-debug-sql-count': '1' } });
    const perAlias = one.body.extensions!.sqlStatements as number;
    expect(perAlias).toBeGreaterThanOrEqual(1);
    // Every alias runs its own statements: the cost grows with the aliases, as the estimate says.
    const few = await t.gql(aliases(3), undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(few.body.errors).toBeUndefined();
    expect(few.body.extensions).toMatchObject({ sqlStatements: 3 * perAlias, complexity: 3 * 101 });
    const many = await t.gql(aliases(300));
    expect(many.status).toBe(400);
    expect(many.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxComplexity: 20_000 });
    // The estimate stops as soon as it passes the limit: its figure is a bound, not the full 300 × 101.
    expect(many.body.errors![0].extensions!.complexity).toBeGreaterThan(20_000);
    expect(many.body.errors![0].extensions!.complexity).toBeLessThanOrEqual(20_000 + 101);
  });

  it('refuses statements beyond the per-request SQL budget with SQL_BUDGET_EXCEEDED', async () => {
    const q = `{ ${Array.from({ length: 5 }, (_, i) => `s${i}: warehouseStats { customers }`).join(' ')} }`;
    const r = await budget.gql<Record<string, { customers: number } | null>>(q, undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(r.body.extensions).toMatchObject({ sqlStatements: 3 });
    // warehouseStats is non-null, so a refused alias nulls the whole answer.
    expect(r.body.data).toBeNull();
    expect(r.body.errors!.length).toBeGreaterThanOrEqual(1);
    for (const e of r.body.errors!) {
      expect(e.extensions).toMatchObject({ code: 'SQL_BUDGET_EXCEEDED', maxSqlStatements: 3 });
      expect(e.message).toMatch(/more than 3 SQL statements/);
    }
    // The connections went back to the pool clean: the next request is served in full.
    const next = await budget.gql('{ warehouseStats { customers } }');
    expect(next.body).toEqual({ data: { warehouseStats: { customers: 0 } } });
  });

  it('answers NUL bytes in string arguments with BAD_USER_INPUT naming the argument or variable', async () => {
    const literal = await t.gql('{ customer(id: "c\\u0000x") { id } }');
    expect(literal.status).toBe(400);
    expect(literal.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    const variable = await t.gql('query($id: ID!) { customer(id: $id) { id } }', { id: 'c\u0000x' });
    expect(variable.status).toBe(400);
    expect(variable.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', variable: '$id' });
    const nested = await t.gql('mutation($ids: [ID!]!) { classifyCustomers(ids: $ids) { __typename } }', { ids: ['a', 'b\u0000'] });
    expect(nested.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', variable: '$ids[1]' });
    // The same id without the NUL is an ordinary miss.
    expect((await t.gql('{ customer(id: "cx") { id } }')).body).toEqual({ data: { customer: null } });
  });

  it('answers a subscription operation with BAD_USER_INPUT', async () => {
    const r = await t.gql('subscription { warehouseStats { customers } }');
    expect(r.status).toBe(400);
    expect(r.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0].message).toMatch(/no subscriptions/);
  });

  it('in production ignores x-debug-sql-count and keeps complexity figures to itself', async () => {
    const ok = await prod.gql('{ warehouseStats { customers } }', undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(ok.body).toEqual({ data: { warehouseStats: { customers: 0 } } });
    const over = await prod.gql(fanOut(20, 'warehouseStats { customers }'), undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(over.status).toBe(400);
    expect(over.body.extensions).toBeUndefined();
    expect(over.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', maxComplexity: 1000 });
    expect(over.body.errors![0].message).toBe('query complexity exceeds the limit of 1000 (lower "first" or select fewer fields)');
  });
});
