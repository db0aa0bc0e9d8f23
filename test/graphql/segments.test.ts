import { parseSegmentId, segmentId } from '../../src/models/segment-id';
import { SegmentKind } from '../../src/graphql/segments/segment-kind.enum';
import { createTrainedDb } from '../helpers/trained-db';
import type { TestDb } from '../helpers/db';
import { startTestServer, type TestServer } from './helpers';

/**
 * segments / segment over HTTP on a seeded, trained database, checked against the model's assignments
 * (customer_segment) counted here with SQL of the test's own.
 */

let db: TestDb;
let t: TestServer;
let model: { id: number; customers: number };

const KINDS = ['CLUSTER', 'RFM', 'ABC_XYZ'] as const;
const MEMBER_KEY: Record<(typeof KINDS)[number], string> = {
  CLUSTER: 'cluster_id::text',
  RFM: 'rfm_segment',
  ABC_XYZ: 'abc || xyz',
};

const FIELDS = `id kind key name size share revenueShare avgRecencyDays avgFrequency avgMonetary churnRisk churnRiskSource
  expectedValueTotal expectedValueMean priorityScore priorityRank recommendedAction actionText actionReason modelId
  profile { feature mean z }`;

async function ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await t.gql<T>(query, variables);
  expect(r.body.errors ?? []).toEqual([]);
  return r.body.data as T;
}

beforeAll(async () => {
  db = await createTrainedDb();
  t = await startTestServer({ db });
  [model] = await db.ds.query(`SELECT id, customers FROM model_version WHERE is_active`);
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('segments', () => {
  it.each(KINDS)('%s: sizes match the assignments and sum to the customers, shares sum to 1, ranks are 1..n in order', async (kind) => {
    const d = await ok(`query ($kind: SegmentKind!) { segments(kind: $kind) { ${FIELDS} } }`, { kind });
    const segs = d.segments as any[];
    const counts: { key: string; n: number; revenue: number }[] = await db.ds.query(
      `SELECT ${MEMBER_KEY[kind]} AS key, count(*)::int AS n, sum(GREATEST(f.monetary, 0))::float8 AS revenue
         FROM customer_segment cs
         JOIN model_version mv ON mv.id = cs.model_version_id
         JOIN customer_features f ON f.snapshot_id = mv.snapshot_id AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1 GROUP BY 1`,
      [model.id],
    );
    const totalRevenue = counts.reduce((s, c) => s + c.revenue, 0);
    expect(segs.map((s) => s.key).sort()).toEqual(counts.map((c) => c.key).sort());
    for (const s of segs) {
      const c = counts.find((x) => x.key === s.key)!;
      expect(s.size).toBe(c.n);
      expect(s.share).toBeCloseTo(c.n / model.customers, 12);
      expect(s.revenueShare).toBeCloseTo(c.revenue / totalRevenue, 9);
      expect(s.id).toBe(`${model.id}:${kind}:${s.key}`);
      expect(s.kind).toBe(kind);
      expect(s.modelId).toBe(String(model.id));
      expect(s.actionText.length).toBeGreaterThan(10);
      expect(s.actionReason).toMatch(/value at risk \d+(\.\d+)? \(\d+% of all(, at least an average segment's \d+%)?\); churn \d+% vs \d+% overall/);
      expect(s.profile.length).toBeGreaterThan(3);
      expect(['bg_nbd', 'rfm_tier']).toContain(s.churnRiskSource);
    }
    expect(segs.reduce((a, s) => a + s.size, 0)).toBe(model.customers);
    expect(segs.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 9);
    expect(segs.reduce((a, s) => a + s.revenueShare, 0)).toBeCloseTo(1, 9);
    expect(segs.map((s) => s.priorityRank)).toEqual(segs.map((_, i) => i + 1));
    const scores = segs.map((s) => s.priorityScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('churn risk of an RFM segment is the mean churn probability of its members, or the tier share without a churn model', async () => {
    const d = await ok(`{ segments(kind: RFM) { key churnRisk churnRiskSource expectedValueTotal } }`);
    const [{ hasChurn }] = await db.ds.query(`SELECT churn_model IS NOT NULL AS "hasChurn" FROM model_version WHERE id = $1`, [model.id]);
    const rows: { key: string; risk: number; tierRisk: number; clv: number }[] = await db.ds.query(
      `SELECT rfm_segment AS key, avg(churn_probability)::float8 AS risk, sum(clv)::float8 AS clv,
              avg(CASE churn_tier WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 0.5 ELSE 0 END)::float8 AS "tierRisk"
         FROM customer_segment WHERE model_version_id = $1 GROUP BY 1`,
      [model.id],
    );
    expect(d.segments.length).toBe(rows.length);
    for (const s of d.segments) {
      const r = rows.find((x) => x.key === s.key)!;
      expect(s.churnRiskSource).toBe(hasChurn ? 'bg_nbd' : 'rfm_tier');
      expect(s.churnRisk).toBeCloseTo(hasChurn ? r.risk : r.tierRisk, 9);
      if (hasChurn) expect(s.expectedValueTotal).toBeCloseTo(r.clv, 6);
    }
  });
});

describe('segment(id)', () => {
  it('returns each listed segment by its id', async () => {
    const d = await ok(`{ segments(kind: RFM) { ${FIELDS} } }`);
    for (const s of d.segments.slice(0, 4)) {
      const one = await ok(`query ($id: ID!) { segment(id: $id) { ${FIELDS} } }`, { id: s.id });
      expect(one.segment).toEqual(s);
    }
  });

  it('null for an unknown segment or model; BAD_USER_INPUT naming id when malformed', async () => {
    for (const id of [`${model.id}:RFM:Nobody`, `987654:RFM:Champions`, `${model.id}:CLUSTER:99`, `${model.id}:RFM:'; DROP TABLE segment_profile; --`]) {
      expect((await ok(`query ($id: ID!) { segment(id: $id) { id } }`, { id })).segment).toBeNull();
    }
    for (const id of ['nonsense', `${model.id}:FOO:x`, 'x:RFM:Lost', `${model.id}:RFM:`, `-3:RFM:Lost`, `${model.id}`, 'a'.repeat(300)]) {
      const r = await t.gql(`query ($id: ID!) { segment(id: $id) { id } }`, { id });
      expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    }
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM segment_profile`);
    expect(n).toBeGreaterThan(0);
  });

  it('keys may hold colons and apostrophes: the key is everything after the second colon', () => {
    expect(parseSegmentId("12:RFM:Can't Lose Them")).toEqual({ modelId: 12, kind: 'RFM', key: "Can't Lose Them" });
    expect(parseSegmentId('3:CLUSTER:a:b')).toEqual({ modelId: 3, kind: 'CLUSTER', key: 'a:b' });
    expect(segmentId({ modelId: 3, kind: SegmentKind.ABC_XYZ, key: 'AX' })).toBe('3:ABC_XYZ:AX');
  });
});

describe('Segment.customers', () => {
  it.each(KINDS)("%s: pages through exactly the segment's members, totalCount = size", async (kind) => {
    const d = await ok(`query ($kind: SegmentKind!) { segments(kind: $kind) { id key size } }`, { kind });
    // The smallest segment keeps the walk short; the biggest checks totalCount on a large one.
    const sorted = [...d.segments].sort((a: any, b: any) => a.size - b.size);
    const small = sorted[0];
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const page: any = await ok(
        `query ($id: ID!, $after: String) { segment(id: $id) { customers(first: 40, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`,
        { id: small.id, after },
      );
      const c = page.segment.customers;
      expect(c.totalCount).toBe(small.size);
      seen.push(...c.edges.map((e: any) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    const members: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
        WHERE cs.model_version_id = $1 AND ${MEMBER_KEY[kind]} = $2`,
      [model.id, small.key],
    );
    expect(seen.length).toBe(small.size);
    expect(new Set(seen)).toEqual(new Set(members.map((m) => m.id)));

    const big = sorted[sorted.length - 1];
    const b = await ok(`query ($id: ID!) { segment(id: $id) { customers(first: 5) { totalCount edges { node { id } } } } }`, { id: big.id });
    expect(b.segment.customers.totalCount).toBe(big.size);
    expect(b.segment.customers.edges).toHaveLength(Math.min(5, big.size));
  });

  it('segments { customers } for every segment of a kind in one request', async () => {
    const d = await ok(`{ segments(kind: CLUSTER) { size customers(first: 3) { totalCount edges { node { id } } } } }`);
    for (const s of d.segments) {
      expect(s.customers.totalCount).toBe(s.size);
      expect(s.customers.edges.length).toBe(Math.min(3, s.size));
    }
  });

  it('an order other than priority can be asked for', async () => {
    const d = await ok(`{ segments(kind: RFM) { id } }`);
    const r = await ok(
      `query ($id: ID!) { segment(id: $id) { customers(first: 20, orderBy: { field: RECENCY, direction: ASC }) { edges { node { features { recencyDays } } } } } }`,
      { id: d.segments[0].id },
    );
    const rec = r.segment.customers.edges.map((e: any) => e.node.features.recencyDays);
    expect(rec).toEqual([...rec].sort((a, b) => a - b));
  });
});
