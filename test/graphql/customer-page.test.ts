import { parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { QueryFailedError, type DataSource } from 'typeorm';
import { dataModel } from '../../src/data-model';
import { createDataSource } from '../../src/db/data-source';
import { FEATURES } from '../../src/features/catalogue';
import { connectionFromRows } from '../../src/graphql/common/connection';
import { decodeCursor, encodeCursor, type Cursor } from '../../src/graphql/common/cursor';
import { queryRowArrays } from '../../src/graphql/common/sql-rows';
import { pagePlan } from '../../src/graphql/customers/customer-page';
import { ALL_CUSTOMER_FIELDS, customerPageSelection, selectedFeatureFields } from '../../src/graphql/customers/customer-selection';
import { countSqlStatements, instrumentDataSource } from '../../src/graphql/sql-counter';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, type TestServer } from './helpers';

/**
 * The customers page reads only what its query selects: the selection (customer-selection.ts), the statement's
 * columns and the Customers built from its array rows (customer-page.ts), lazily encoded cursors
 * (connection.ts) and the statement run straight on the pool (sql-rows.ts). Whatever the selection, the answer
 * must be the one the full selection gives.
 */

/** `info` of the first root field of `query` (what a resolver would get), with the document's fragments. */
function infoOf(query: string, field = 0) {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
  const node = op.selectionSet.selections[field] as FieldNode;
  return { fieldNodes: [node], fragments };
}

describe('customerPageSelection', () => {
  it('collects Customer fields under edges.node and nodes, through fragments, without __typename', () => {
    const info = infoOf(`
      query { customers { __typename edges { node { id ...A ... on Customer { rfm { r } } } } nodes { city ... { zipPrefix } } } }
      fragment A on Customer { __typename cluster { id } ...B }
      fragment B on Customer { lat features { monetary ... on CustomerFeatures { asOf } } }`);
    const s = customerPageSelection(info);
    expect([...s.fields].sort()).toEqual(['city', 'cluster', 'features', 'id', 'lat', 'rfm', 'zipPrefix']);
    expect([...s.features!].sort()).toEqual(['asOf', 'lat', 'monetary']);
    expect(s.cursors).toBe(false);
    expect([...selectedFeatureFields(info)].sort()).toEqual(['asOf', 'lat', 'monetary']);
  });

  it('tells whether any cursor is read (edges.cursor, pageInfo.startCursor or endCursor)', () => {
    expect(customerPageSelection(infoOf(`{ customers { edges { cursor } } }`)).cursors).toBe(true);
    expect(customerPageSelection(infoOf(`{ customers { pageInfo { endCursor } } }`)).cursors).toBe(true);
    expect(customerPageSelection(infoOf(`{ customers { ...P } } fragment P on CustomerConnection { pageInfo { startCursor } }`)).cursors).toBe(true);
    expect(customerPageSelection(infoOf(`{ customers { pageInfo { hasNextPage } totalCount nodes { id } } }`)).cursors).toBe(false);
  });

  it('is computed once per list of field nodes', () => {
    const info = infoOf(`{ customers { nodes { id } } }`);
    const a = customerPageSelection(info);
    expect(customerPageSelection({ fieldNodes: [...info.fieldNodes], fragments: info.fragments })).toBe(a);
    // The same node merged with another (same response key twice): another selection.
    const twice = infoOf(`{ customers { nodes { id } } }`);
    const other = infoOf(`{ customers { nodes { city } } }`);
    const merged = customerPageSelection({ fieldNodes: [twice.fieldNodes[0], other.fieldNodes[0]], fragments: {} });
    expect([...merged.fields].sort()).toEqual(['city', 'id']);
    expect(customerPageSelection(twice).fields).toEqual(new Set(['id']));
  });
});

describe('pagePlan', () => {
  const columns = (query: string) => pagePlan(customerPageSelection(infoOf(query))).selectList('AS_OF', 'SORT_KEY').split(', ');

  it('reads the keys, the sort key and only the columns of the selected fields', () => {
    expect(columns(`{ customers { nodes { id } } }`)).toEqual(['c.id', 'c.customer_unique_id', 'cs.model_version_id', 'f.snapshot_id', 'SORT_KEY']);
    const some = columns(`{ customers { edges { node { city rfm { segment } lng features { frequency asOf } } } } }`);
    expect(some).toEqual(expect.arrayContaining(['c.city', 'cs.rfm_segment', 'cs.r', 'f.lng', 'f.frequency', 'AS_OF']));
    for (const absent of ['COALESCE(c.state, f.state)', 'c.zip_prefix', 'cs.priority_score', 'cs.abc', 'cs.cluster_id', 'sp.name', 'cs.clv', 'f.lat', 'f.monetary']) {
      expect(some).not.toContain(absent);
    }
    expect(some[some.length - 1]).toBe('SORT_KEY');
  });

  it('reads every column without a selection', () => {
    const all = pagePlan(ALL_CUSTOMER_FIELDS).selectList('AS_OF', 'SORT_KEY').split(', ');
    expect(all).toEqual(expect.arrayContaining(['AS_OF', ...FEATURES.map((f) => `f.${f.column}`), 'cs.expected_avg_spend', 'cs.abc', 'sp.name']));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('connectionFromRows', () => {
  it('encodes a cursor only when it is read, once', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const cursorOf = jest.fn((r: { id: number }) => ({ key: r.id * 10, id: r.id, sort: 's' }));
    const page = connectionFromRows(rows, { limit: 2, after: null }, cursorOf);
    expect(page.nodes).toEqual([{ id: 1 }, { id: 2 }]);
    expect(page.edges.map((e) => e.node)).toEqual(page.nodes);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    expect(cursorOf).not.toHaveBeenCalled();
    const second = page.edges[1].cursor;
    expect(decodeCursor(second)).toEqual({ key: 20, id: 2, sort: 's' });
    expect(page.pageInfo.endCursor).toBe(second);
    expect(page.pageInfo.startCursor).toBe(encodeCursor({ key: 10, id: 1, sort: 's' }));
    expect(cursorOf).toHaveBeenCalledTimes(2);
  });

  it('an empty page has no cursors', () => {
    const page = connectionFromRows([], { limit: 5, after: { key: 1, id: 1 } }, () => ({ key: 0, id: 0 }));
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });
});

describe('encodeCursor', () => {
  const reference = (c: Cursor) => {
    const payload: Record<string, unknown> = { k: c.key, i: c.id };
    if (c.sort !== undefined) payload.s = c.sort;
    return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  };

  it('writes what JSON.stringify of {k, i, s} writes', () => {
    const keys: unknown[] = [
      0, -0, 1, -1.5, 7318.22562118944, 1e21, 1.5e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE,
      NaN, Infinity, -Infinity, null, true, false, '', 'a"b\\c', 'ünïcødé ✓ 🎉', '2018-05-01 10:00:00+00', [1, 'x', null, [2.5]],
    ];
    const ids: unknown[] = [1, 2_147_483_647, 'order-1', 'ä"', 0];
    for (const key of keys) {
      for (const id of ids) {
        for (const sort of [undefined, 'PRIORITY:DESC', 'ö "q"']) {
          const c = { key, id, sort } as Cursor;
          expect(encodeCursor(c)).toBe(reference(c));
        }
      }
    }
    expect(encodeCursor({ key: undefined, id: 3 } as unknown as Cursor)).toBe(reference({ key: undefined, id: 3 } as unknown as Cursor));
  });
});

type Db = Awaited<ReturnType<typeof createTrainedDb>>;

describe('customers page over HTTP: any selection answers as the full one', () => {
  let db: Db;
  let jit: TestServer;
  let plain: TestServer;

  beforeAll(async () => {
    db = await createTrainedDb();
    const settings = { maxComplexity: 10_000_000 };
    jit = await startTestServer({ db, settings: { ...settings, executor: 'jit' } });
    plain = await startTestServer({ db, settings: { ...settings, executor: 'graphql-js' } });
  });
  afterAll(async () => {
    await jit?.close();
    await plain?.close();
    await db?.drop();
  });

  /** Both executors' answer (the same bytes), parsed; no errors. */
  async function data(query: string, variables?: Record<string, unknown>): Promise<any> {
    const [a, b] = await Promise.all([jit, plain].map((t) => t.gql<any>(query, variables)));
    expect(a.body).toEqual(b.body);
    expect(a.body.errors).toBeUndefined();
    return a.body.data;
  }

  const ALL_FEATURES = FEATURES.map((f) => f.name).join(' ');
  const FULL = `id state city zipPrefix lat lng priorityScore features { asOf ${ALL_FEATURES} }
    rfm { r f m score segment churnTier } abcXyz { abc xyz class } cluster { id name }
    churn { pAlive churnProbability expectedPurchases90d expectedAvgSpend clv }`;

  it.each([
    ['PRIORITY', 'DESC'],
    ['RECENCY', 'ASC'],
    ['MONETARY', 'DESC'],
    ['CLV', 'ASC'],
  ])('orderBy %s %s', async (field, direction) => {
    const vars = { orderBy: { field, direction } };
    const page = (selection: string) => `query($orderBy: CustomerOrderBy) { customers(first: 60, orderBy: $orderBy) { ${selection} } }`;
    const full = (await data(page(`totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${FULL} } }`), vars)).customers;
    const nodes = full.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(60);
    // The full page holds what customer(id) (another statement, read into objects) holds for each customer.
    const lookups = await data(`{ ${nodes.map((n: any, i: number) => `c${i}: customer(id: ${JSON.stringify(n.id)}) { ${FULL} }`).join(' ')} }`);
    expect(nodes).toEqual(nodes.map((_: unknown, i: number) => lookups[`c${i}`]));
    expect(nodes.some((n: any) => n.city !== null && n.zipPrefix !== null && n.churn !== null && n.features.topCategory !== null)).toBe(true);
    const pick = (n: any, keys: string[]) => Object.fromEntries(keys.map((k) => [k, n[k]]));

    expect((await data(page(`nodes { id }`), vars)).customers.nodes).toEqual(nodes.map((n: any) => ({ id: n.id })));
    expect((await data(page(`pageInfo { endCursor hasNextPage }`), vars)).customers.pageInfo).toEqual(pick(full.pageInfo, ['endCursor', 'hasNextPage']));
    expect((await data(page(`edges { cursor }`), vars)).customers.edges).toEqual(full.edges.map((e: any) => ({ cursor: e.cursor })));
    expect((await data(page(`totalCount`), vars)).customers.totalCount).toBe(full.totalCount);
    expect((await data(page(`edges { node { rfm { segment } churn { clv } lat } }`), vars)).customers.edges).toEqual(
      nodes.map((n: any) => ({ node: { rfm: { segment: n.rfm.segment }, churn: n.churn && { clv: n.churn.clv }, lat: n.lat } })),
    );
    const viaFragments = await data(
      `query($orderBy: CustomerOrderBy) { customers(first: 60, orderBy: $orderBy) { a: nodes { ...F x: city } } }
       fragment F on Customer { cluster { name } ... on Customer { abcXyz { class } features { monetary when: lastPurchaseAt } } }`,
      vars,
    );
    expect(viaFragments.customers.a).toEqual(
      nodes.map((n: any) => ({
        cluster: { name: n.cluster.name },
        abcXyz: { class: n.abcXyz.class },
        features: { monetary: n.features.monetary, when: n.features.lastPurchaseAt },
        x: n.city,
      })),
    );
    // The next page, after a cursor from a page that selected only cursors.
    const after = (await data(page(`pageInfo { endCursor }`), vars)).customers.pageInfo.endCursor;
    const next = await data(`query($orderBy: CustomerOrderBy, $after: String) { customers(first: 5, orderBy: $orderBy, after: $after) { nodes { id state } } }`, { ...vars, after });
    const fullNext = await data(`query($orderBy: CustomerOrderBy) { customers(first: 65, orderBy: $orderBy) { nodes { id state } } }`, vars);
    expect(next.customers.nodes).toEqual(fullNext.customers.nodes.slice(60));
  });

  it('the page statement reads only the columns of the selected fields, and is counted', async () => {
    const seen: string[] = [];
    const logger = db.ds.logger;
    const logQuery = logger.logQuery;
    logger.logQuery = (query, parameters, queryRunner) => {
      seen.push(query);
      return logQuery.call(logger, query, parameters, queryRunner);
    };
    try {
      const r = await jit.gql<any>(`{ customers(first: 3) { nodes { id rfm { segment } } } }`, undefined, { headers: { 'x-debug-sql-count': '1' } });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.extensions?.sqlStatements).toBe(1);
    } finally {
      logger.logQuery = logQuery;
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('cs.rfm_segment');
    for (const absent of ['f.recency_days', 'f.lat', 'c.city', 'sp.name', 'cs.clv', 'cs.abc']) expect(seen[0]).not.toContain(absent);
  });
});

describe('queryRowArrays', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTrainedDb({ customers: 200 });
    instrumentDataSource(db.ds); // as the server does
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers rows as arrays in select-list order, counted like ds.query', async () => {
    const { result, statements } = await countSqlStatements(() =>
      queryRowArrays(db.ds, `SELECT id, customer_unique_id, NULL::text AS nothing FROM customer WHERE id = ANY($1::int[]) ORDER BY id`, [[1, 2]]),
    );
    const objects = await countSqlStatements((): Promise<{ id: number; customer_unique_id: string }[]> =>
      db.ds.query(`SELECT id, customer_unique_id FROM customer WHERE id = ANY($1::int[]) ORDER BY id`, [[1, 2]]),
    );
    expect(result).toEqual(objects.result.map((o) => [o.id, o.customer_unique_id, null]));
    expect(result).toHaveLength(2);
    expect(statements).toBe(1);
    expect(objects.statements).toBe(1);
  });

  it('runs prepared statements by name, once parsed per connection, and recovers when a preparation is stale', async () => {
    // One connection, so that what it prepared can be inspected and spoiled.
    const one: DataSource = createDataSource(db.url, dataModel, { poolSize: 1 });
    await one.initialize();
    try {
      await one.query(`CREATE TABLE prep_probe (a int)`);
      await one.query(`INSERT INTO prep_probe VALUES (1), (2)`);
      const text = `SELECT * FROM prep_probe WHERE a >= $1 ORDER BY a`;
      for (let i = 0; i < 3; i++) expect(await queryRowArrays(one, text, [1], { prepare: true })).toEqual([[1], [2]]);
      const prepared: { statement: string }[] = await one.query(`SELECT statement FROM pg_prepared_statements`);
      expect(prepared.map((p) => p.statement)).toEqual([text]);

      // DDL changed the result type under the prepared statement (PostgreSQL refuses to run it).
      await one.query(`ALTER TABLE prep_probe ADD COLUMN b text DEFAULT 'x'`);
      expect(await queryRowArrays(one, text, [2], { prepare: true })).toEqual([[2, 'x']]);
      expect(await queryRowArrays(one, text, [1], { prepare: true })).toEqual([[1, 'x'], [2, 'x']]);
      // The statement was deallocated behind the client's back.
      await one.query(`DEALLOCATE ALL`);
      expect(await queryRowArrays(one, text, [2], { prepare: true })).toEqual([[2, 'x']]);
      expect(await queryRowArrays(one, text, [2], { prepare: true })).toEqual([[2, 'x']]);

      const failed = await queryRowArrays(one, `SELECT no_such_column FROM prep_probe`, [], { prepare: true }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(QueryFailedError);
      expect(await queryRowArrays(one, `SELECT count(*)::int FROM prep_probe`, [], { prepare: true })).toEqual([[2]]);
    } finally {
      await one.query(`DROP TABLE IF EXISTS prep_probe`);
      await one.destroy();
    }
  });

  it('fails as ds.query does: a QueryFailedError, and the pool stays usable', async () => {
    const failed = await queryRowArrays(db.ds, `SELECT no_such_column FROM customer`, []).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(QueryFailedError);
    expect((failed as QueryFailedError).message).toMatch(/no_such_column/);
    expect(await queryRowArrays(db.ds, `SELECT 1`, [])).toEqual([[1]]);
  });
});
