import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  execute,
  getIntrospectionQuery,
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  parse,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';
import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { JitExecutor } from '../../src/graphql/jit-executor';
import { PositiveInt } from '../../src/graphql/scalars';
import { notFound } from '../../src/shared/errors';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from './helpers';

/**
 * The jit executor (GRAPHQL_EXECUTOR=jit, the default) against graphql-js: the same requests to a server with
 * each executor must get byte-identical answers (status, body), and the jit executor must compile each
 * operation once and send what it cannot run to graphql-js.
 */

// ---------------------------------------------------------------------------------------------- unit level

const steps: string[] = [];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

const Item = new GraphQLObjectType({
  name: 'Item',
  fields: {
    n: { type: new GraphQLNonNull(GraphQLInt) },
    strict: {
      type: new GraphQLNonNull(GraphQLInt),
      resolve: (item: { n: number }) => {
        if (item.n % 2 === 0 && item.n > 0) throw new Error(`strict ${item.n} failed`);
        return item.n;
      },
    },
    soft: {
      type: GraphQLInt,
      resolve: (item: { n: number }) => {
        if (item.n === 1) throw new GraphQLError('soft 1 failed', { extensions: { code: 'SOFT' } });
        return item.n;
      },
    },
  },
});

const unitSchema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, args: { name: { type: GraphQLString } }, resolve: (_root, a: { name?: string }) => `hello ${a.name ?? 'world'}` },
      items: { type: new GraphQLList(new GraphQLNonNull(Item)), resolve: () => [0, 1, 2, 3, 4].map((n) => ({ n })) },
      count: { type: GraphQLInt, args: { n: { type: new GraphQLNonNull(GraphQLInt) } }, resolve: (_root, a: { n: number }) => a.n },
      echo: {
        type: GraphQLString,
        args: { input: { type: new GraphQLInputObjectType({ name: 'In', fields: { x: { type: GraphQLInt } } }) } },
        resolve: (_root, a: { input?: unknown }) => JSON.stringify(a.input),
      },
    },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      step: {
        type: GraphQLString,
        args: { name: { type: new GraphQLNonNull(GraphQLString) }, ms: { type: new GraphQLNonNull(GraphQLInt) } },
        resolve: async (_root, a: { name: string; ms: number }) => {
          steps.push(`start ${a.name}`);
          await delay(a.ms);
          steps.push(`end ${a.name}`);
          return a.name;
        },
      },
    },
  }),
});

function operationOf(document: DocumentNode, name?: string): OperationDefinitionNode | undefined {
  return document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (name === undefined || d.name?.value === name),
  );
}

async function both(jit: JitExecutor, query: string, variables?: Record<string, unknown>, operationName?: string) {
  const document = parse(query);
  const operation = operationOf(document, operationName);
  const fromJit = await jit.execute({ schema: unitSchema, document, operation, operationName, variables, contextValue: {} });
  const fromJs = await execute({ schema: unitSchema, document, operationName, variableValues: variables, contextValue: {} });
  return { fromJit, fromJs };
}

describe('JitExecutor (unit)', () => {
  it('compiles an operation once and serves it from the cache', async () => {
    const jit = new JitExecutor(10);
    for (let i = 0; i < 3; i++) {
      const { fromJit, fromJs } = await both(jit, 'query($n: Int!) { count(n: $n) hello }', { n: i });
      expect(fromJit).toEqual(fromJs);
      expect(fromJit).toEqual({ data: { count: i, hello: 'hello world' } });
    }
    expect(jit.stats()).toEqual({ compiled: 1, hits: 2, fallbacks: 0, cached: 1 });
  });

  it('compiles each operation of a document on its own', async () => {
    const jit = new JitExecutor(10);
    const doc = 'query A { hello(name: "a") } query B { hello(name: "b") }';
    expect((await both(jit, doc, undefined, 'A')).fromJit).toEqual({ data: { hello: 'hello a' } });
    expect((await both(jit, doc, undefined, 'B')).fromJit).toEqual({ data: { hello: 'hello b' } });
    expect((await both(jit, doc, undefined, 'A')).fromJit).toEqual({ data: { hello: 'hello a' } });
    expect(jit.stats()).toMatchObject({ compiled: 2, hits: 1 });
  });

  it('keeps at most maxCached operations, dropping the least recently used', async () => {
    const jit = new JitExecutor(2);
    for (const q of ['{ a: hello }', '{ b: hello }', '{ a: hello }', '{ c: hello }', '{ a: hello }', '{ b: hello }']) await both(jit, q);
    // a, b compiled; a hit; c compiled (drops b, the least recently used); a hit; b compiled again.
    expect(jit.stats()).toEqual({ compiled: 4, hits: 2, fallbacks: 0, cached: 2 });
  });

  it('runs introspection with graphql-js', async () => {
    const jit = new JitExecutor(10);
    const { fromJit, fromJs } = await both(jit, '{ __schema { queryType { name } } __type(name: "Item") { fields { name } } }');
    expect(fromJit).toEqual(fromJs);
    expect(fromJit.data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
    expect(jit.stats()).toMatchObject({ compiled: 0, fallbacks: 1 });
  });

  it('falls back to graphql-js for a document graphql-jit cannot compile', async () => {
    const fallbacks: string[] = [];
    const jit = new JitExecutor(10, (reason) => fallbacks.push(reason));
    // graphql-jit refuses an object type as a variable's type (Apollo's validation would have refused it first).
    const { fromJit, fromJs } = await both(jit, 'query($x: Item) { hello }', { x: null });
    expect(fromJit).toEqual(fromJs);
    expect(fromJit.errors?.[0].message).toMatch(/cannot be used as an input type/);
    expect(jit.stats()).toMatchObject({ compiled: 0, fallbacks: 1 });
    expect(fallbacks[0]).toMatch(/Item/);
  });

  it('coerces variables with graphql-js: the same errors, with the variable definition as their node', async () => {
    const jit = new JitExecutor(10);
    for (const variables of [{}, { n: 'x' }, { n: 1.5 }, { n: 2 ** 40 }]) {
      const { fromJit, fromJs } = await both(jit, 'query($n: Int!) { count(n: $n) }', variables);
      expect(fromJit).toEqual(fromJs);
      expect(fromJit.data).toBeUndefined();
      expect(fromJit.errors?.[0].nodes?.[0].kind).toBe(Kind.VARIABLE_DEFINITION);
    }
    // graphql-jit alone would take a list for an input object.
    const { fromJit, fromJs } = await both(jit, 'query($i: In) { echo(input: $i) }', { i: [] });
    expect(fromJit).toEqual(fromJs);
    expect(fromJit.errors?.[0].message).toMatch(/to be an object/);
  });

  it('reports resolver errors as graphql-js GraphQLErrors with the original error', async () => {
    const jit = new JitExecutor(10);
    const { fromJit, fromJs } = await both(jit, '{ items { n soft } }');
    expect(JSON.stringify(fromJit)).toBe(JSON.stringify(fromJs));
    const [e] = fromJit.errors!;
    expect(Object.getPrototypeOf(e)).toBe(GraphQLError.prototype);
    expect(e).toMatchObject({ message: 'soft 1 failed', path: ['items', 1, 'soft'], locations: [{ line: 1, column: 13 }], extensions: { code: 'SOFT' } });
    expect(e.originalError?.message).toBe('soft 1 failed');
  });

  it('nulls the nearest nullable parent of a failed non-null field, with one error per parent', async () => {
    const jit = new JitExecutor(10);
    // strict fails for items 2 and 4 (non-null fields in non-null items): the list becomes null, once.
    const { fromJit, fromJs } = await both(jit, '{ items { n soft strict } hello }');
    expect(JSON.stringify(fromJit)).toBe(JSON.stringify(fromJs));
    expect(fromJit.data).toEqual({ items: null, hello: 'hello world' });
    expect(fromJit.errors!.map((e) => e.message)).toEqual(['soft 1 failed', 'strict 2 failed']);
  });

  it('runs the fields of a mutation one after the other', async () => {
    const jit = new JitExecutor(10);
    steps.length = 0;
    const document = parse('mutation { a: step(name: "a", ms: 30) b: step(name: "b", ms: 0) c: step(name: "c", ms: 10) }');
    const r = await jit.execute({ schema: unitSchema, document, operation: operationOf(document), contextValue: {} });
    expect(r).toEqual({ data: { a: 'a', b: 'b', c: 'c' } });
    expect(steps).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(jit.stats().compiled).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------- over HTTP

@ObjectType({ simpleResolvers: true })
class ProbeItem {
  @Field(() => Int)
  n: number;

  @Field(() => Int)
  get strict(): number {
    if (this.n === 2 || this.n === 4) throw notFound(`item ${this.n} is gone`, { n: this.n });
    return this.n;
  }

  @Field(() => String, { nullable: true })
  get soft(): string {
    if (this.n === 1) throw new TypeError('cannot read properties of undefined (reading "secretDetail")');
    return `soft ${this.n}`;
  }

  @Field(() => ProbeItem, { nullable: true })
  get next(): ProbeItem {
    return probeItem(this.n + 1);
  }

  @Field(() => String)
  get required(): string {
    return null as unknown as string; // a bug: a non-null field without a value
  }
}

@ObjectType()
class ProbeBox {
  @Field(() => ProbeItem, { nullable: true })
  item: ProbeItem | null;
}

const probeItem = (n: number) => Object.assign(new ProbeItem(), { n });
const mutationLog = new WeakMap<object, string[]>();

@Resolver()
class ExecutorProbeResolver {
  @Query(() => [ProbeItem], { nullable: true })
  probeItems(): ProbeItem[] {
    return [0, 1, 2, 3, 4].map(probeItem);
  }

  @Query(() => ProbeBox)
  probeBox(): ProbeBox {
    return { item: probeItem(7) };
  }

  @Query(() => Int)
  probeScalar(@Arg('n', () => PositiveInt) n: number): number {
    return n;
  }

  @Mutation(() => String)
  async probeStep(@Arg('name') name: string, @Arg('ms', () => Int) ms: number, @Ctx() ctx: object): Promise<string> {
    const log = mutationLog.get(ctx) ?? [];
    mutationLog.set(ctx, log);
    log.push(`start ${name}`);
    await delay(ms);
    log.push(`end ${name}`);
    return log.join(', ');
  }
}

const OPERATIONS = path.resolve(__dirname, '../../schema/operations');
const operationFiles = readdirSync(OPERATIONS)
  .filter((f) => f.endsWith('.graphql'))
  .sort();

/** The benchmark's page: 100 customers with features, cluster and churn estimates. */
const PAGE = `query Page($first: Int!) { customers(first: $first) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id state city lat lng priorityScore
    features { recencyDays frequency monetary avgOrderValue tenureDays lastPurchaseAt }
    rfm { r f m segment churnTier }
    cluster { id name }
    churn { pAlive churnProbability expectedPurchases90d clv }
  } }
} }`;

describe('jit and graphql-js executors over HTTP', () => {
  const { keys, spec } = testKeys();
  let jit: TestServer;
  let plain: TestServer;

  beforeAll(async () => {
    const db = await createTrainedDb();
    const settings = { apiKeys: spec, maxComplexity: 100_000 };
    jit = await startTestServer({ db, extraResolvers: [ExecutorProbeResolver], settings: { ...settings, executor: 'jit' } });
    plain = await startTestServer({ db, extraResolvers: [ExecutorProbeResolver], settings: { ...settings, executor: 'graphql-js' } });
  });
  afterAll(async () => {
    await jit?.close();
    await plain?.close();
    await jit?.db.drop();
  });

  /** POSTs the same request to both servers; their answers must be the same bytes. Returns the parsed body. */
  async function same(
    query: string,
    variables?: Record<string, unknown>,
    opts: { key?: string; headers?: Record<string, string>; operationName?: string } = {},
  ): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> } }> {
    const send = async (t: TestServer) => {
      const res = await fetch(t.server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key ?? keys.admin}`, ...opts.headers },
        body: JSON.stringify({ query, variables, operationName: opts.operationName }),
      });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const a = await send(jit);
    const b = await send(plain);
    expect(a.text).toBe(b.text);
    expect([a.status, a.type]).toEqual([b.status, b.type]);
    return { status: a.status, body: JSON.parse(a.text) };
  }

  it('serves the customers page (the benchmark query) identically, compiled once', async () => {
    const before = jit.server.jit!.stats();
    for (let i = 0; i < 3; i++) {
      const r = await same(PAGE, { first: 100 }, { headers: { 'x-debug-sql-count': '1' } });
      expect(r.body.errors).toBeUndefined();
      expect((r.body.data!.customers as { edges: unknown[] }).edges).toHaveLength(100);
      expect(r.body.extensions).toMatchObject({ sqlStatements: 1 });
    }
    const after = jit.server.jit!.stats();
    expect(after.compiled - before.compiled).toBe(1);
    expect(after.hits - before.hits).toBe(2);
    expect(plain.server.jit).toBeUndefined();
  });

  it.each(operationFiles)('schema/operations/%s gives the same answer', async (file) => {
    const query = readFileSync(path.join(OPERATIONS, file), 'utf8');
    const varsFile = path.join(OPERATIONS, file.replace(/\.graphql$/, '.variables.json'));
    const variables = existsSync(varsFile) ? JSON.parse(readFileSync(varsFile, 'utf8')) : undefined;
    const r = await same(query, variables);
    expect(r.body.errors).toBeUndefined();
  });

  it('answers introspection identically (graphql-js runs it)', async () => {
    const fallbacks = jit.server.jit!.stats().fallbacks;
    const r = await same(getIntrospectionQuery());
    expect(r.body.data).toHaveProperty('__schema');
    expect(jit.server.jit!.stats().fallbacks).toBe(fallbacks + 1);
  });

  it('fragments, aliases, @include/@skip and __typename', async () => {
    const q = `query($withRfm: Boolean!, $n: Int) {
      top: customers(first: $n) { ...Ids nodes { __typename rfm @include(if: $withRfm) { segment } } }
      more: customers(first: 3, orderBy: { field: MONETARY, direction: DESC }) { ...Ids nodes { cluster @skip(if: $withRfm) { name } } }
    }
    fragment Ids on CustomerConnection { __typename totalCount edges { node { id ... on Customer { city } } } }`;
    for (const withRfm of [true, false]) expect((await same(q, { withRfm, n: 5 })).body.errors).toBeUndefined();
  });

  it('masks unexpected errors and keeps domain errors, with the same null propagation', async () => {
    const r = await same('{ probeItems { n soft strict } }');
    expect(r.body.data).toEqual({ probeItems: null });
    expect(r.body.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', path: ['probeItems', 1, 'soft'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
      expect.objectContaining({ message: 'item 2 is gone', path: ['probeItems', 2, 'strict'], extensions: { n: 2, code: 'NOT_FOUND' } }),
    ]);
    expect(JSON.stringify(r.body)).not.toContain('secretDetail');
    const nulls = await same('{ probeBox { item { n required } } }');
    expect(nulls.body).toMatchObject({ data: { probeBox: { item: null } }, errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });

  it('request errors: bad variables, bad literals, unknown fields, depth, complexity, operation choice', async () => {
    const cases: [string, Record<string, unknown> | undefined, string | undefined][] = [
      ['query($n: Int!) { customers(first: $n) { totalCount } }', { n: 'ten' }, undefined],
      ['query($n: Int!) { customers(first: $n) { totalCount } }', {}, undefined],
      ['query($n: PositiveInt!) { probeScalar(n: $n) }', { n: -3 }, undefined],
      ['{ probeScalar(n: 0) }', undefined, undefined],
      ['{ customers(first: "x") { totalCount } }', undefined, undefined],
      ['{ customers(first: 0) { totalCount } }', undefined, undefined],
      ['{ customers { nope } }', undefined, undefined],
      ['{ customers(first: 500) { nodes { orders(first: 500) { nodes { items { productId } } } } } }', undefined, undefined],
      [`{ probeBox { item { ${'next { '.repeat(10)}n${' }'.repeat(10)} } } }`, undefined, undefined],
      ['query A { warehouseStats { customers } } query B { activeModel { id } }', undefined, undefined],
      ['query A { warehouseStats { customers } } query B { activeModel { id } }', undefined, 'C'],
    ];
    for (const [q, variables, operationName] of cases) {
      const r = await same(q, variables, { operationName });
      expect(r.body.errors?.length).toBeGreaterThan(0);
    }
    const bad = await same('query($n: Int!) { customers(first: $n) { totalCount } }', { n: 'ten' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('auth: roles are checked inside resolvers, the same way', async () => {
    const r = await same('mutation { retrain { id } }', undefined, { key: keys.viewer });
    expect(r.body.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect((await same('{ warehouseStats { customers } }', undefined, { key: 'wrong' })).status).toBe(401);
  });

  it('runs mutations serially and answers them identically', async () => {
    const r = await same('mutation { a: probeStep(name: "a", ms: 30) b: probeStep(name: "b", ms: 0) }');
    expect(r.body.data).toEqual({ a: 'start a, end a', b: 'start a, end a, start b, end b' });
    const input = { recencyDays: 30, frequency: 2, monetary: 250, tenureDays: 200 };
    const classified = await same('mutation($input: CustomerFeaturesInput!) { classifyFeatures(input: $input) { cluster { id name } rfmSegment probabilities { probability } } }', { input }, { key: keys.analyst });
    expect(classified.body.errors).toBeUndefined();
  });
});
