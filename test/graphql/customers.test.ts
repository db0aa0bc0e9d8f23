import { FEATURES } from '../../src/features/catalogue';
import { OPEN_PRINCIPAL } from '../../src/auth/roles';
import { createContext } from '../../src/graphql/context';
import { normalizeIdPrefix } from '../../src/graphql/customers/customer.service';
import { Customer } from '../../src/graphql/customers/customer.type';
import { countSqlStatements } from '../../src/graphql/sql-counter';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, type GqlResponse, type TestServer } from './helpers';

/**
 * customers / customer over real HTTP against a seeded, trained database. Expected values come from SQL written
 * here, independently of the service's statements.
 */
type Db = Awaited<ReturnType<typeof createTrainedDb>>;

interface Page {
  customers: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    edges: { cursor: string; node: { id: string } }[];
  };
}

const PAGE = `query Page($first: Int, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrderBy, $modelId: ID) {
  customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy, modelId: $modelId) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }
  }
}`;

let db: Db;
let t: TestServer;

beforeAll(async () => {
  db = await createTrainedDb();
  t = await startTestServer({ db, settings: { maxComplexity: 1_000_000 } });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

function ok<T>(r: GqlResponse<T>): T {
  expect(r.body.errors ?? []).toEqual([]);
  return r.body.data as T;
}

function errorOf(r: GqlResponse) {
  expect(r.body.errors?.length).toBeGreaterThan(0);
  return r.body.errors![0];
}

/** The ids of a listing, walking pages of `first` (all of them, or the first `maxPages`). */
async function walk(vars: Record<string, unknown>, first: number, maxPages = 10_000): Promise<{ ids: string[]; pages: Page['customers'][] }> {
  const ids: string[] = [];
  const pages: Page['customers'][] = [];
  let after: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: Page['customers'] = ok(await t.gql<Page>(PAGE, { ...vars, first, after })).customers;
    pages.push(page);
    ids.push(...page.edges.map((e) => e.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, pages };
}

/** Ids by independent SQL over the active model, ordered by `order` (then customer, as the API promises). */
async function sqlIds(where: string, params: unknown[], order = 'cs.priority_score DESC NULLS LAST, cs.customer_id DESC'): Promise<string[]> {
  const rows: { id: string }[] = await db.ds.query(
    `SELECT c.customer_unique_id AS id
       FROM customer_segment cs
       JOIN model_version mv ON mv.id = cs.model_version_id AND mv.is_active
       JOIN customer_features f ON f.snapshot_id = mv.snapshot_id AND f.customer_id = cs.customer_id
       JOIN customer c ON c.id = cs.customer_id
      WHERE ${where}
      ORDER BY ${order}`,
    params,
  );
  return rows.map((r) => r.id);
}

describe('customers: pagination', () => {
  it('walking pages of 1 gives the same rows as one big page, and the end is reported', async () => {
    const [{ key }] = await db.ds.query(
      `SELECT rfm_segment AS key FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 HAVING count(*) BETWEEN 20 AND 120 ORDER BY count(*) LIMIT 1`,
      [db.model.modelId],
    );
    const vars = { filter: { rfmSegment: key } };
    const big = ok(await t.gql<Page>(PAGE, { ...vars, first: 500 })).customers;
    const byOne = await walk(vars, 1);
    expect(byOne.ids).toEqual(big.edges.map((e) => e.node.id));
    expect(big.totalCount).toBe(big.edges.length);
    expect(byOne.pages.every((p) => p.totalCount === big.totalCount)).toBe(true);
    expect(byOne.pages[0].pageInfo.hasPreviousPage).toBe(false);
    expect(byOne.pages[1].pageInfo.hasPreviousPage).toBe(true);
    const last = byOne.pages[byOne.pages.length - 1];
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(big.pageInfo.hasNextPage).toBe(false);
    const after = ok(await t.gql<Page>(PAGE, { ...vars, first: 5, after: last.pageInfo.endCursor })).customers;
    expect(after.edges).toEqual([]);
    expect(after.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
  });

  it('pages through heavy ties (frequency) without skipping or repeating anyone', async () => {
    const orderBy = { field: 'FREQUENCY', direction: 'ASC' };
    const { ids } = await walk({ orderBy }, 97);
    const expected = await sqlIds('TRUE', [], 'f.frequency ASC, cs.customer_id ASC');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('defaults to 50 rows and refuses first outside 1..500 naming first', async () => {
    const p = ok(await t.gql<Page>(PAGE, {})).customers;
    expect(p.edges).toHaveLength(50);
    for (const first of [0, -1, 501]) {
      const e = errorOf(await t.gql(PAGE, { first }));
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
      expect(e.message).toMatch(/first/);
    }
  });

  it('refuses cursors that are not ours, or were made for another order, naming after', async () => {
    const p = ok(await t.gql<Page>(PAGE, { first: 2 })).customers;
    const other = Buffer.from(JSON.stringify({ k: 'x', i: 1, s: 'PRIORITY:DESC' })).toString('base64url');
    const bigId = Buffer.from(JSON.stringify({ k: 1, i: 1e12, s: 'PRIORITY:DESC' })).toString('base64url');
    for (const [after, orderBy] of [
      ['not a cursor', undefined],
      ["eyJrIjoxfQ' OR 1=1 --", undefined],
      [other, undefined],
      [bigId, undefined],
      [p.pageInfo.endCursor, { field: 'CLV', direction: 'DESC' }],
      [p.pageInfo.endCursor, { field: 'PRIORITY', direction: 'ASC' }],
    ] as const) {
      const e = errorOf(await t.gql(PAGE, { first: 2, after, orderBy }));
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
  });
});

describe('customers: orderBy', () => {
  const ORDERS: [string, string][] = [
    ['RECENCY', 'f.recency_days'],
    ['FREQUENCY', 'f.frequency'],
    ['MONETARY', 'COALESCE(f.monetary, -1e308)'],
    ['CHURN_PROBABILITY', 'COALESCE(cs.churn_probability, -1e308)'],
    ['CLV', 'COALESCE(cs.clv, -1e308)'],
    ['PRIORITY', 'COALESCE(cs.priority_score, -1e308)'],
  ];
  it.each(ORDERS.flatMap(([field, expr]) => (['ASC', 'DESC'] as const).map((dir) => [field, dir, expr] as const)))(
    '%s %s matches SQL across pages',
    async (field, direction, expr) => {
      const { ids, pages } = await walk({ orderBy: { field, direction } }, 150, 3);
      const expected = await sqlIds('TRUE', [], `${expr} ${direction}, cs.customer_id ${direction}`);
      expect(ids).toEqual(expected.slice(0, 450));
      expect(pages[0].totalCount).toBe(expected.length);
    },
  );

  it('defaults to PRIORITY DESC', async () => {
    const p = ok(await t.gql<Page>(PAGE, { first: 100 })).customers;
    expect(p.edges.map((e) => e.node.id)).toEqual((await sqlIds('TRUE', [])).slice(0, 100));
  });
});

describe('customers: filters', () => {
  it('each filter (and a combination) matches SQL, rows and totalCount', async () => {
    const m = db.model.modelId;
    const [cl] = await db.ds.query(`SELECT cluster_id::text AS id FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 ORDER BY count(*) LIMIT 1`, [m]);
    const [seg] = await db.ds.query(`SELECT rfm_segment AS s FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [m]);
    const [st] = await db.ds.query(
      `SELECT COALESCE(c.state, f.state) AS s FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [m, db.model.snapshotId],
    );
    const [q] = await db.ds.query(
      `SELECT percentile_cont(0.3) WITHIN GROUP (ORDER BY churn_probability) AS p30, percentile_cont(0.7) WITHIN GROUP (ORDER BY churn_probability) AS p70,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY clv) AS clv50, percentile_cont(0.9) WITHIN GROUP (ORDER BY clv) AS clv90
         FROM customer_segment WHERE model_version_id = $1`,
      [m],
    );
    const [lp] = await db.ds.query(
      `SELECT min(last_purchase_at) + (max(last_purchase_at) - min(last_purchase_at)) / 3 AS a,
              min(last_purchase_at) + 2 * (max(last_purchase_at) - min(last_purchase_at)) / 3 AS b
         FROM customer_features WHERE snapshot_id = $1`,
      [db.model.snapshotId],
    );
    const cases: [Record<string, unknown>, string, unknown[]][] = [
      [{ clusterId: cl.id }, 'cs.cluster_id = $1::int', [cl.id]],
      [{ rfmSegment: seg.s }, 'cs.rfm_segment = $1', [seg.s]],
      [{ abc: 'A' }, `cs.abc = 'A'`, []],
      [{ xyz: 'S' }, `cs.xyz = 'S'`, []],
      [{ abc: 'b', xyz: 'z' }, `cs.abc = 'B' AND cs.xyz = 'Z'`, []],
      [{ state: st.s }, 'COALESCE(c.state, f.state) = $1', [st.s]],
      [{ churnProbability: { min: q.p30, max: q.p70 } }, 'cs.churn_probability BETWEEN $1 AND $2', [q.p30, q.p70]],
      [{ churnProbability: { min: q.p70 } }, 'cs.churn_probability >= $1', [q.p70]],
      [{ clv: { min: q.clv50, max: q.clv90 } }, 'cs.clv BETWEEN $1 AND $2', [q.clv50, q.clv90]],
      [{ clv: { max: q.clv50 } }, 'cs.clv <= $1', [q.clv50]],
      [{ lastPurchase: { from: lp.a.toISOString(), to: lp.b.toISOString() } }, 'f.last_purchase_at >= $1 AND f.last_purchase_at < $2', [lp.a, lp.b]],
      [{ lastPurchase: { from: lp.b.toISOString() } }, 'f.last_purchase_at >= $1', [lp.b]],
      [
        { state: st.s, churnProbability: { min: q.p30 }, abc: 'C' },
        `COALESCE(c.state, f.state) = $1 AND cs.churn_probability >= $2 AND cs.abc = 'C'`,
        [st.s, q.p30],
      ],
    ];
    for (const [filter, where, params] of cases) {
      const expected = await sqlIds(where, params);
      expect(expected.length).toBeGreaterThan(0); // a filter matching nothing would prove nothing
      const { ids, pages } = await walk({ filter }, 500);
      expect({ filter, ids }).toEqual({ filter, ids: expected });
      expect({ filter, totalCount: pages[0].totalCount }).toEqual({ filter, totalCount: expected.length });
    }
  });

  it('finds customers by id prefix (literally, any length, with other filters) through the text_pattern_ops index', async () => {
    const m = db.model.modelId;
    const some: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
        WHERE cs.model_version_id = $1 ORDER BY cs.customer_id LIMIT 3 OFFSET 7`,
      [m],
    );
    const prefixes = new Set<string>();
    for (const { id } of some) for (const n of [1, 2, 4, id.length]) prefixes.add(id.slice(0, n));
    for (const prefix of prefixes) {
      const expected = await sqlIds('left(c.customer_unique_id, length($1)) = $1', [prefix]);
      expect(expected.length).toBeGreaterThan(0);
      const { ids, pages } = await walk({ filter: { idPrefix: ` ${prefix}` } }, 500);
      expect({ prefix, ids, n: pages[0].totalCount }).toEqual({ prefix, ids: expected, n: expected.length });
    }
    // Combined with another filter; LIKE's wildcards are plain characters.
    const [st] = await db.ds.query(`SELECT COALESCE(c.state, f.state) AS s FROM customer c JOIN customer_features f ON f.customer_id = c.id AND f.snapshot_id = $2 WHERE c.customer_unique_id = $1`, [some[0].id, db.model.snapshotId]);
    const two = some[0].id.slice(0, 2);
    const both = await sqlIds('left(c.customer_unique_id, 2) = $1 AND COALESCE(c.state, f.state) = $2', [two, st.s]);
    expect((await walk({ filter: { idPrefix: two, state: st.s } }, 500)).ids).toEqual(both);
    for (const idPrefix of ['%', '_', `${some[0].id.slice(0, 1)}%`]) expect(ok(await t.gql<Page>(PAGE, { first: 5, filter: { idPrefix } })).customers.totalCount).toBe(0);
    const e = errorOf(await t.gql(PAGE, { first: 1, filter: { idPrefix: '  ' } }));
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.idPrefix' });

    // Ids are stored normalized ("17850.0" → "17850"): a typed prefix is normalized the same way.
    expect(['17850.0', ' 17850.00 ', '1785', '17850.5', 'ab.0'].map(normalizeIdPrefix)).toEqual(['17850', '17850', '1785', '17850.5', 'ab.0']);

    // The prefix range is an index range even in a prepared statement's generic plan.
    const plan = await db.ds.transaction(async (em) => {
      await em.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await em.query(`SET LOCAL enable_seqscan = off`);
      await em.query(`PREPARE prefix_probe(text) AS SELECT id FROM customer c WHERE c.customer_unique_id ~>=~ $1::text AND c.customer_unique_id ~<~ ($1::text || chr(1114111))`);
      const rows: { 'QUERY PLAN': string }[] = await em.query(`EXPLAIN EXECUTE prefix_probe('ab')`);
      await em.query(`DEALLOCATE prefix_probe`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan (using|on) customer_unique_id_prefix_idx/);
  });

  it('refuses malformed filters naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ abc: 'Q' }, 'filter.abc'],
      [{ xyz: 'XX' }, 'filter.xyz'],
      [{ clusterId: 'two' }, 'filter.clusterId'],
      [{ churnProbability: { min: 0.8, max: 0.2 } }, 'filter.churnProbability'],
      [{ clv: { min: 10, max: 1 } }, 'filter.clv'],
      [{ lastPurchase: { from: '2018-02-01T00:00:00Z', to: '2018-01-01T00:00:00Z' } }, 'filter.lastPurchase'],
      [{ rfmSegment: 'x'.repeat(300) }, 'filter.rfmSegment'],
    ];
    for (const [filter, argument] of cases) {
      const e = errorOf(await t.gql(PAGE, { first: 1, filter }));
      expect({ argument, ext: e.extensions }).toMatchObject({ argument, ext: { code: 'BAD_USER_INPUT', argument } });
    }
  });

  it('treats injection attempts in string arguments as plain values', async () => {
    const before = await db.ds.query(`SELECT count(*)::int AS n FROM customer`);
    for (const filter of [{ state: "SP' OR 1=1 --" }, { rfmSegment: "x' OR '1'='1" }, { rfmSegment: "'; DROP TABLE customer; --" }, { clusterId: '1 OR 1=1' }]) {
      const r = await t.gql<Page>(PAGE, { first: 5, filter });
      if (r.body.errors) {
        expect(r.body.errors[0].extensions?.code).toBe('BAD_USER_INPUT');
      } else {
        expect(r.body.data!.customers.totalCount).toBe(0);
        expect(r.body.data!.customers.edges).toEqual([]);
      }
    }
    const e = errorOf(await t.gql(`{ customers(filter: { clusterId: "1 OR 1=1" }) { totalCount } }`));
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.clusterId' });
    const c = await t.gql<{ customer: null }>(`query($id: ID!) { customer(id: $id) { id } }`, { id: "x' OR 1=1 --" });
    expect(ok(c).customer).toBeNull();
    expect(await db.ds.query(`SELECT count(*)::int AS n FROM customer`)).toEqual(before);
  });

  it('reads another model by modelId, refusing malformed ids and not finding unknown ones', async () => {
    const p = ok(await t.gql<Page>(PAGE, { first: 3, modelId: String(db.model.modelId) })).customers;
    expect(p.edges.map((e) => e.node.id)).toEqual((await sqlIds('TRUE', [])).slice(0, 3));
    expect(errorOf(await t.gql(PAGE, { modelId: 'abc' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'modelId' });
    expect(errorOf(await t.gql(PAGE, { modelId: '99999' })).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

const CUSTOMER = `query One($id: ID!) {
  customer(id: $id) {
    id state city zipPrefix lat lng priorityScore
    features { asOf ${FEATURES.map((f) => f.name).join(' ')} }
    rfm { r f m score segment churnTier }
    abcXyz { abc xyz class }
    cluster { id name }
    churn { pAlive churnProbability expectedPurchases90d expectedAvgSpend clv }
    orders(first: 100) {
      totalCount pageInfo { hasNextPage }
      edges { cursor node {
        id status purchasedAt approvedAt deliveredCarrierAt deliveredCustomerAt estimatedDeliveryAt value
        items { seq productId category categoryEn sellerId price freight }
        payments { seq type installments value }
        review { score createdAt answeredAt }
      } }
    }
  }
}`;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

describe('customer(id)', () => {
  it('serves every field as the tables hold it', async () => {
    const [pick] = await db.ds.query(
      `SELECT c.id, c.customer_unique_id AS uid FROM customer c
         JOIN customer_segment cs ON cs.customer_id = c.id AND cs.model_version_id = $1
         JOIN orders o ON o.customer_id = c.id
         JOIN order_review r ON r.order_id = o.id
        GROUP BY c.id HAVING count(DISTINCT o.id) BETWEEN 2 AND 50 ORDER BY count(DISTINCT o.id) DESC, c.id LIMIT 1`,
      [db.model.modelId],
    );
    const got = ok(await t.gql<{ customer: Record<string, any> }>(CUSTOMER, { id: pick.uid })).customer;

    const [c] = await db.ds.query(`SELECT * FROM customer WHERE id = $1`, [pick.id]);
    const [f] = await db.ds.query(`SELECT f.*, fs.as_of FROM customer_features f JOIN feature_snapshot fs ON fs.id = f.snapshot_id WHERE f.snapshot_id = $1 AND f.customer_id = $2`, [db.model.snapshotId, pick.id]);
    const [s] = await db.ds.query(`SELECT * FROM customer_segment WHERE model_version_id = $1 AND customer_id = $2`, [db.model.modelId, pick.id]);
    const [sp] = await db.ds.query(`SELECT name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' AND segment_key = $2`, [db.model.modelId, String(s.cluster_id)]);

    expect(got).toMatchObject({
      id: pick.uid,
      state: c.state ?? f.state,
      city: c.city,
      zipPrefix: c.zip_prefix,
      lat: f.lat,
      lng: f.lng,
      priorityScore: s.priority_score,
      rfm: { r: s.r, f: s.f, m: s.m, score: s.rfm_score, segment: s.rfm_segment, churnTier: s.churn_tier },
      abcXyz: { abc: s.abc, xyz: s.xyz, class: s.abc + s.xyz },
      cluster: { id: String(s.cluster_id), name: sp.name },
      churn: {
        pAlive: s.p_alive,
        churnProbability: s.churn_probability,
        expectedPurchases90d: s.expected_purchases_90d,
        expectedAvgSpend: s.expected_avg_spend,
        clv: s.clv,
      },
    });
    const features: Record<string, unknown> = { asOf: iso(f.as_of) };
    for (const def of FEATURES) features[def.name] = f[def.column] instanceof Date ? iso(f[def.column]) : f[def.column];
    expect(got.features).toEqual(features);

    const orders = await db.ds.query(
      `SELECT o.*, of.value::float8 AS value FROM orders o JOIN order_fact of ON of.order_id = o.id
        WHERE o.customer_id = $1 ORDER BY o.purchased_at DESC, o.id DESC`,
      [pick.id],
    );
    expect(got.orders.totalCount).toBe(orders.length);
    expect(got.orders.pageInfo.hasNextPage).toBe(false);
    expect(got.orders.edges.map((e: any) => e.node.id)).toEqual(orders.map((o: any) => o.id));
    for (const [i, o] of orders.entries()) {
      const node = got.orders.edges[i].node;
      expect(node).toMatchObject({
        status: o.status,
        purchasedAt: iso(o.purchased_at),
        approvedAt: iso(o.approved_at),
        deliveredCarrierAt: iso(o.delivered_carrier_at),
        deliveredCustomerAt: iso(o.delivered_customer_at),
        estimatedDeliveryAt: iso(o.estimated_delivery_at),
        value: o.value,
      });
      const items = await db.ds.query(
        `SELECT oi.item_seq AS seq, oi.product_id AS "productId", p.category_name AS category, pc.name_en AS "categoryEn",
                oi.seller_id AS "sellerId", oi.price::float8 AS price, oi.freight::float8 AS freight
           FROM order_item oi LEFT JOIN product p ON p.id = oi.product_id LEFT JOIN product_category pc ON pc.name = p.category_name
          WHERE oi.order_id = $1 ORDER BY oi.item_seq`,
        [o.id],
      );
      expect(node.items).toEqual(items);
      const payments = await db.ds.query(
        `SELECT payment_seq AS seq, type, installments, value::float8 AS value FROM order_payment WHERE order_id = $1 ORDER BY payment_seq`,
        [o.id],
      );
      expect(node.payments).toEqual(payments);
      const [review] = await db.ds.query(`SELECT score, created_at, answered_at FROM order_review WHERE order_id = $1 ORDER BY created_at DESC NULLS LAST LIMIT 1`, [o.id]);
      expect(node.review).toEqual(review ? { score: review.score, createdAt: iso(review.created_at), answeredAt: iso(review.answered_at) } : null);
    }
    // The sum of the order values is the monetary feature when every order counts (all purchases, before as-of).
    expect(got.orders.edges.some((e: any) => e.node.items.length > 0)).toBe(true);
  });

  it('pages orders newest first with cursors', async () => {
    const [pick] = await db.ds.query(
      `SELECT c.customer_unique_id AS uid, count(*)::int AS n FROM customer c JOIN orders o ON o.customer_id = c.id
        GROUP BY c.id HAVING count(*) BETWEEN 3 AND 8 ORDER BY count(*) DESC, c.id LIMIT 1`,
    );
    const q = `query($id: ID!, $after: String) { customer(id: $id) { orders(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = ok(await t.gql<any>(q, { id: pick.uid, after })).customer.orders;
      expect(page.totalCount).toBe(pick.n);
      seen.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const expected = await db.ds.query(
      `SELECT o.id FROM orders o JOIN customer c ON c.id = o.customer_id WHERE c.customer_unique_id = $1 ORDER BY o.purchased_at DESC, o.id DESC`,
      [pick.uid],
    );
    expect(seen).toEqual(expected.map((r: any) => r.id));
    const bad = errorOf(await t.gql(q, { id: pick.uid, after: Buffer.from(JSON.stringify({ k: "x' OR 1=1", i: 'a', s: 'purchasedAt:DESC' })).toString('base64url') }));
    expect(bad.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('finds a transaction-log customer by its float-looking id, and returns null for unknown ids', async () => {
    await db.ds.query(`INSERT INTO customer (customer_unique_id, source, state) VALUES ('17850', 'txlog:retail', 'RJ')`);
    const q = `query($id: ID!) { customer(id: $id) { id state features { frequency } rfm { segment } cluster { id } orders { totalCount } } }`;
    for (const id of ['17850', '17850.0', '17850.00', ' 17850.0 ']) {
      const got = ok(await t.gql<any>(q, { id })).customer;
      // Not in the model (created after training): model fields are null.
      expect({ id, got }).toEqual({ id, got: { id: '17850', state: 'RJ', features: null, rfm: null, cluster: null, orders: { totalCount: 0 } } });
    }
    for (const id of ['17850.5', '1785', 'no-such-customer', '']) {
      expect(ok(await t.gql<any>(q, { id })).customer).toBeNull();
    }
  });
});

describe('customers: feature columns follow the selection', () => {
  it('serves the same values whether features are selected directly, through fragments or via nodes', async () => {
    const plain = `{ customers(first: 30, orderBy: { field: RECENCY, direction: ASC }) { edges { node {
      id lat lng features { asOf recencyDays monetary topCategory lastPurchaseAt } } } } }`;
    const fragments = `
      fragment Where on Customer { lat ... on Customer { lng } }
      fragment Money on CustomerFeatures { monetary topCategory }
      { customers(first: 30, orderBy: { field: RECENCY, direction: ASC }) {
          nodes { id ...Where features { asOf ... on CustomerFeatures { recencyDays } ...Money f2: lastPurchaseAt } } } }`;
    const a = ok(await t.gql<any>(plain)).customers.edges.map((e: any) => e.node);
    const b = ok(await t.gql<any>(fragments)).customers.nodes.map(({ features: { f2, ...f }, ...n }: any) => ({ ...n, features: { ...f, lastPurchaseAt: f2 } }));
    expect(b).toEqual(a);
    expect(a.every((n: any) => typeof n.features.recencyDays === 'number' && typeof n.lat === 'number')).toBe(true);
  });
});

describe('customers: SQL statements per request', () => {
  it('is the same for a page of 10 and a page of 100 (no N+1)', async () => {
    const q = `query($first: Int) { customers(first: $first) { totalCount edges { node {
      id state city lat lng priorityScore features { asOf recencyDays frequency monetary topCategory }
      rfm { r f m segment churnTier } abcXyz { class } cluster { id name } churn { pAlive churnProbability clv }
      orders(first: 3) { totalCount edges { node { id value items { productId categoryEn price } payments { value } review { score } } } }
    } } } }`;
    const count = async (first: number) => {
      const r = await t.gql<any>(q, { first }, { headers: { 'x-debug-sql-count': '1' } });
      expect(ok(r).customers.edges).toHaveLength(first);
      return r.body.extensions?.sqlStatements as number;
    };
    const ten = await count(10);
    const hundred = await count(100);
    expect(typeof ten).toBe('number');
    expect(hundred).toBe(ten);
    // page + count + orders + items + payments + reviews
    expect(hundred).toBeLessThanOrEqual(6);

    // Customers reached another way (not primed by the page) batch through the loaders too.
    const ids = (await sqlIds('TRUE', [])).slice(0, 40);
    const many = `{ ${ids.map((id, i) => `c${i}: customer(id: ${JSON.stringify(id)}) { id features { frequency } cluster { name } orders(first: 2) { edges { node { items { seq } } } } }`).join(' ')} }`;
    const r = await t.gql<any>(many, undefined, { headers: { 'x-debug-sql-count': '1' } });
    expect(Object.keys(ok(r))).toHaveLength(40);
    // one lookup for the 40 ids, then orders and items
    expect(r.body.extensions?.sqlStatements).toBe(3);
  });

  it('resolves customers found elsewhere (not read with their model data) through batched loaders', async () => {
    const rows = await db.ds.query(
      `SELECT c.id AS "dbId", c.customer_unique_id AS id, c.state, c.city, c.zip_prefix AS "zipPrefix"
         FROM customer c JOIN customer_segment cs ON cs.customer_id = c.id AND cs.model_version_id = $1
        ORDER BY c.id LIMIT 60`,
      [db.model.modelId],
    );
    const ctx = createContext({ principal: OPEN_PRINCIPAL, ds: db.ds });
    const { result, statements } = await countSqlStatements(async () => {
      const customers = await Promise.all(rows.map((r: Record<string, unknown>) => Customer.load(r, db.model.modelId, db.model.snapshotId, ctx.loaders)));
      return customers.map((c: Customer) => ({ id: c.id, rfm: c.rfm, cluster: c.cluster, churn: c.churn, lat: c.lat, features: c.features }));
    });
    expect(statements).toBe(2); // one for the model rows, one for the features
    const expected = await db.ds.query(
      `SELECT c.customer_unique_id AS id, cs.rfm_segment, cs.cluster_id::text AS cluster_id, sp.name, cs.clv, f.lat, f.frequency
         FROM customer c JOIN customer_segment cs ON cs.customer_id = c.id AND cs.model_version_id = $1
         JOIN customer_features f ON f.customer_id = c.id AND f.snapshot_id = $2
         JOIN segment_profile sp ON sp.model_version_id = $1 AND sp.kind = 'CLUSTER' AND sp.segment_key = cs.cluster_id::text
        ORDER BY c.id LIMIT 60`,
      [db.model.modelId, db.model.snapshotId],
    );
    expect(result.map((r: any) => [r.id, r.rfm.segment, r.cluster.id, r.cluster.name, r.churn?.clv ?? null, r.lat, r.features.frequency])).toEqual(
      expected.map((e: any) => [e.id, e.rfm_segment, e.cluster_id, e.name, e.clv, e.lat, e.frequency]),
    );
  });
});
