import { adjustedRandIndex } from '../../src/segmentation/ari';
import { train } from '../../src/models/train.pipeline';
import { createTrainedDb } from '../helpers/trained-db';
import type { TestDb } from '../helpers/db';
import { startTestServer, type TestServer } from './helpers';

/**
 * The analytics queries over HTTP on a seeded, trained database. Every expected number is recomputed here
 * from rows pulled with plain SQL and aggregated in JavaScript, so the SQL of the services is checked against
 * an independent computation, not against itself.
 */

type Db = TestDb & { model: { modelId: number } };

let db: Db;
let t: TestServer;
let model: { id: number; k: number; customers: number; snapshotId: number; metrics: Record<string, any> };

async function ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await t.gql<T>(query, variables);
  expect(r.body.errors ?? []).toEqual([]);
  return r.body.data as T;
}

const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
const monthName = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b)));

beforeAll(async () => {
  db = await createTrainedDb();
  t = await startTestServer({ db });
  const [m] = await db.ds.query(`SELECT id, k, customers, snapshot_id AS "snapshotId", metrics FROM model_version WHERE is_active`);
  model = m;
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('clusterQuality', () => {
  it("reports the model's k, silhouette, inertia and the k-search curve in k order", async () => {
    const d = await ok(`{ clusterQuality { modelId k silhouette inertia ariVsPrevious previousModelId degenerate allDegenerate chosenBy
                           kSearch { k inertia silhouette largestShare smallestShare degenerate degenerateReason seedStability icl } } }`);
    const q = d.clusterQuality;
    const curve = [...model.metrics.kSearch].sort((a: any, b: any) => a.k - b.k);
    expect(q.modelId).toBe(String(model.id));
    expect(q.k).toBe(model.k);
    expect(q.silhouette).toBe(model.metrics.silhouette);
    expect(q.inertia).toBe(model.metrics.inertia);
    expect(q.degenerate).toBe(model.metrics.final.degenerate);
    expect(q.allDegenerate).toBe(model.metrics.allDegenerate);
    expect(q.kSearch.map((p: any) => p.k)).toEqual(curve.map((p: any) => p.k));
    expect(q.kSearch.map((p: any) => [p.inertia, p.silhouette, p.largestShare, p.degenerate])).toEqual(
      curve.map((p: any) => [p.inertia, p.silhouette, p.largestClusterShare, p.degenerate]),
    );
    expect(q.kSearch.length).toBeGreaterThan(1);
    expect(q.kSearch.some((p: any) => p.k === q.k)).toBe(true);
    // The k-means rule's criteria: the chosen k is seed-stable when any k is, and no ICL (the mixture's criterion).
    expect(q.kSearch.map((p: any) => p.seedStability)).toEqual(curve.map((p: any) => p.seedStability));
    const chosen = q.kSearch.find((p: any) => p.k === q.k);
    if (q.kSearch.some((p: any) => !p.degenerate && p.seedStability >= 0.9)) expect(chosen.seedStability).toBeGreaterThanOrEqual(0.9);
    expect(q.kSearch.every((p: any) => p.icl === null)).toBe(true);
    expect(q.ariVsPrevious).toBeNull();
    expect(q.previousModelId).toBeNull();
  });
});

describe('rfmGrid', () => {
  it("holds all 25 cells, which add up to the model's customers and revenue, each matching the members", async () => {
    const d = await ok(`{ rfmGrid { r f segment customers revenue } }`);
    const rows: { r: number; f: number; segment: string; monetary: number | null }[] = await db.ds.query(
      `SELECT cs.r, cs.f, cs.rfm_segment AS segment, cf.monetary
         FROM customer_segment cs JOIN customer_features cf ON cf.customer_id = cs.customer_id AND cf.snapshot_id = $2
        WHERE cs.model_version_id = $1`,
      [model.id, model.snapshotId],
    );
    const expected = new Map<string, { customers: number; revenue: number; segments: Set<string> }>();
    for (const row of rows) {
      const key = `${row.r},${row.f}`;
      const e = expected.get(key) ?? { customers: 0, revenue: 0, segments: new Set<string>() };
      e.customers++;
      e.revenue += Math.max(0, row.monetary ?? 0);
      e.segments.add(row.segment);
      expected.set(key, e);
    }
    expect(d.rfmGrid).toHaveLength(25);
    expect(new Set(d.rfmGrid.map((c: any) => `${c.r},${c.f}`)).size).toBe(25);
    for (const c of d.rfmGrid) {
      const e = expected.get(`${c.r},${c.f}`);
      expect(c.customers).toBe(e?.customers ?? 0);
      close(c.revenue, e?.revenue ?? 0);
      if (e) expect([...e.segments]).toEqual([c.segment]);
    }
    const total = d.rfmGrid.reduce((s: number, c: any) => s + c.customers, 0);
    expect(total).toBe(model.customers);
    expect(total).toBe(rows.length);
    const [{ revenue }] = await db.ds.query(
      `SELECT sum(GREATEST(monetary, 0))::float8 AS revenue FROM customer_features WHERE snapshot_id = $1`,
      [model.snapshotId],
    );
    close(
      d.rfmGrid.reduce((s: number, c: any) => s + c.revenue, 0),
      revenue,
    );
  });
});

describe('segmentOverlap', () => {
  it('counts customers per (RFM segment, cluster) pair and gives the ARI of the two labelings', async () => {
    const d = await ok(`{ segmentOverlap { modelId customers adjustedRandIndex cells { rfmSegment clusterId clusterName customers } } }`);
    const labels: { rfm: string; cluster: number }[] = await db.ds.query(
      `SELECT rfm_segment AS rfm, cluster_id AS cluster FROM customer_segment WHERE model_version_id = $1 ORDER BY customer_id`,
      [model.id],
    );
    const counts = new Map<string, number>();
    for (const l of labels) counts.set(`${l.rfm}|${l.cluster}`, (counts.get(`${l.rfm}|${l.cluster}`) ?? 0) + 1);
    const o = d.segmentOverlap;
    expect(o.modelId).toBe(String(model.id));
    expect(o.cells).toHaveLength(counts.size);
    for (const c of o.cells) expect(c.customers).toBe(counts.get(`${c.rfmSegment}|${c.clusterId}`));
    expect(o.customers).toBe(labels.length);
    expect(o.cells.reduce((s: number, c: any) => s + c.customers, 0)).toBe(model.customers);
    expect(o.adjustedRandIndex).toBeCloseTo(
      adjustedRandIndex(
        labels.map((l) => l.rfm),
        labels.map((l) => l.cluster),
      ),
      12,
    );
    const names: { key: string; name: string }[] = await db.ds.query(
      `SELECT segment_key AS key, name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'`,
      [model.id],
    );
    const nameOf = new Map(names.map((n) => [n.key, n.name]));
    for (const c of o.cells) expect(c.clusterName).toBe(nameOf.get(c.clusterId));
  });
});

describe('cohortRetention', () => {
  /** Purchase months per customer, from the orders table directly (not the order_fact view the service reads). */
  async function purchaseMonths(): Promise<{ customer: number; month: string; state: string | null }[]> {
    return db.ds.query(
      `SELECT DISTINCT o.customer_id AS customer, to_char(o.purchased_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
              upper(COALESCE(c.state, g.state)) AS state
         FROM orders o JOIN customer c ON c.id = o.customer_id LEFT JOIN geolocation g ON g.zip_prefix = c.zip_prefix
        WHERE o.status NOT IN ('canceled', 'unavailable')`,
    );
  }

  function expectedCohorts(rows: { customer: number; month: string; state: string | null }[], byState: boolean, cohorts: number) {
    const months = new Map<number, Set<number>>();
    const stateOf = new Map<number, string | null>();
    for (const r of rows) {
      if (!months.has(r.customer)) months.set(r.customer, new Set());
      months.get(r.customer)!.add(monthIndex(r.month));
      stateOf.set(r.customer, r.state);
    }
    const last = Math.max(...rows.map((r) => monthIndex(r.month)));
    const groups = new Map<string, { cohort: number; group: string | null; members: number[] }>();
    for (const [customer, ms] of months) {
      const first = Math.min(...ms);
      if (first <= last - cohorts) continue;
      const group = byState ? stateOf.get(customer) ?? null : null;
      const key = `${first}|${group}`;
      if (!groups.has(key)) groups.set(key, { cohort: first, group, members: [] });
      groups.get(key)!.members.push(customer);
    }
    return [...groups.values()]
      .sort((a, b) => a.cohort - b.cohort || (a.group === null ? 1 : b.group === null ? -1 : a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
      .map((g) => ({
        cohort: monthName(g.cohort),
        group: g.group,
        size: g.members.length,
        cells: Array.from({ length: last - g.cohort + 1 }, (_, k) => {
          const active = g.members.filter((c) => months.get(c)!.has(g.cohort + k)).length;
          return { periodOffset: k, active, share: active / g.members.length };
        }),
      }));
  }

  const Q = `query ($by: CohortBy, $cohorts: Int) { cohortRetention(granularity: MONTH, by: $by, cohorts: $cohorts) {
               cohort group size cells { periodOffset active share } } }`;

  it('matches a hand computation of every cohort of the last 24 months', async () => {
    const rows = await purchaseMonths();
    const d = await ok(Q, { by: 'NONE' });
    const expected = expectedCohorts(rows, false, 24);
    expect(d.cohortRetention.length).toBeGreaterThan(3);
    expect(d.cohortRetention.length).toBeLessThanOrEqual(24);
    expect(d.cohortRetention).toEqual(expected);
    for (const c of d.cohortRetention) expect(c.cells[0]).toEqual({ periodOffset: 0, active: c.size, share: 1 });
  });

  it('one cohort, by hand in SQL: members whose first purchase month is the cohort, active k months later', async () => {
    const d = await ok(Q, {});
    const c = d.cohortRetention[0];
    const k = Math.min(2, c.cells.length - 1);
    const [{ size, active }] = await db.ds.query(
      `WITH firsts AS (
         SELECT customer_id, min(date_trunc('month', purchased_at AT TIME ZONE 'UTC')) AS first
           FROM orders WHERE status NOT IN ('canceled', 'unavailable') GROUP BY customer_id)
       SELECT count(*)::int AS size,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id AND o.status NOT IN ('canceled', 'unavailable')
                   AND date_trunc('month', o.purchased_at AT TIME ZONE 'UTC') = f.first + make_interval(months => $2)))::int AS active
         FROM firsts f WHERE to_char(f.first, 'YYYY-MM') = $1`,
      [c.cohort, k],
    );
    expect(c.size).toBe(size);
    expect(c.cells[k].active).toBe(active);
  });

  it('by STATE splits each cohort by state, and `cohorts` limits the months', async () => {
    const rows = await purchaseMonths();
    const d = await ok(Q, { by: 'STATE', cohorts: 6 });
    expect(d.cohortRetention).toEqual(expectedCohorts(rows, true, 6));
    const whole = await ok(Q, { cohorts: 6 });
    expect(whole.cohortRetention).toHaveLength(6);
    for (const c of whole.cohortRetention) {
      const parts = d.cohortRetention.filter((p: any) => p.cohort === c.cohort);
      expect(parts.reduce((s: number, p: any) => s + p.size, 0)).toBe(c.size);
      expect(parts.reduce((s: number, p: any) => s + (p.cells[1]?.active ?? 0), 0)).toBe(c.cells[1]?.active ?? 0);
    }
  });

  it('state: one state\'s cohorts of the split, any case; actives are the cells\' counts; state needs by: STATE', async () => {
    const rows = await purchaseMonths();
    const all = expectedCohorts(rows, true, 12);
    const counts = new Map<string, number>();
    for (const c of all) if (c.group) counts.set(c.group, (counts.get(c.group) ?? 0) + 1);
    const states = [...counts].sort((a, b) => b[1] - a[1]).map(([st]) => st);
    expect(states.length).toBeGreaterThan(1);
    for (const st of [states[0], states[states.length - 1]]) {
      const d = await ok(`query ($state: String) { cohortRetention(by: STATE, cohorts: 12, state: $state) { cohort group size cells { periodOffset active share } actives } }`,
        { state: ` ${st.toLowerCase()}` });
      const expected = all.filter((c) => c.group === st);
      expect(d.cohortRetention.map(({ actives, ...c }: any) => c)).toEqual(expected);
      for (const c of d.cohortRetention) expect(c.actives).toEqual(c.cells.map((x: any) => x.active));
    }
    expect((await ok(`{ cohortRetention(by: STATE, state: "no such state") { cohort } }`)).cohortRetention).toEqual([]);
    const r = await t.gql(`{ cohortRetention(state: "SP") { cohort } }`);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'state' });
  });

  it('cohortStates: each state of the split with its cohorts and customers, in byte order, unknown state last', async () => {
    const rows = await purchaseMonths();
    for (const n of [1, 12, 120]) {
      const byState = new Map<string | null, { state: string | null; cohorts: number; customers: number }>();
      for (const c of expectedCohorts(rows, true, n)) {
        const e = byState.get(c.group) ?? { state: c.group, cohorts: 0, customers: 0 };
        e.cohorts += 1;
        e.customers += c.size;
        byState.set(c.group, e);
      }
      const expected = [...byState.values()].sort((a, b) => (a.state === null ? 1 : b.state === null ? -1 : a.state < b.state ? -1 : a.state > b.state ? 1 : 0));
      const d = await ok(`query ($n: Int) { cohortStates(cohorts: $n) { state cohorts customers } }`, { n });
      expect(d.cohortStates).toEqual(expected);
      if (n === 120) expect(d.cohortStates.reduce((a: number, c: any) => a + c.customers, 0)).toBe(new Set(rows.map((r) => r.customer)).size);
    }
    const r = await t.gql(`{ cohortStates(cohorts: 0) { state } }`);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'cohorts' });
  });
});

describe('timeline', () => {
  it('per month and series, matches the purchases in order_fact grouped by the model assignment', async () => {
    const d = await ok(`query { timeline(granularity: MONTH, months: 120) { period series activeCustomers orders revenue } }`);
    const rows: { customer: number; month: string; value: number | null; tier: string | null; segment: string | null; cluster: number | null }[] = await db.ds.query(
      `SELECT o.customer_id AS customer, to_char(o.purchased_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, o.value::float8 AS value,
              cs.churn_tier AS tier, cs.rfm_segment AS segment, cs.cluster_id AS cluster
         FROM order_fact o LEFT JOIN customer_segment cs ON cs.customer_id = o.customer_id AND cs.model_version_id = $1
        WHERE o.is_purchase`,
      [model.id],
    );
    const exp = new Map<string, { customers: Set<number>; orders: number; revenue: number }>();
    const add = (period: string, series: string, r: (typeof rows)[number]) => {
      const key = `${period}|${series}`;
      const e = exp.get(key) ?? { customers: new Set<number>(), orders: 0, revenue: 0 };
      e.customers.add(r.customer);
      e.orders++;
      e.revenue += r.value ?? 0;
      exp.set(key, e);
    };
    for (const r of rows) {
      add(r.month, 'all', r);
      if (r.tier) add(r.month, `tier:${r.tier}`, r);
      if (r.segment) add(r.month, `segment:${r.segment}`, r);
      if (r.cluster !== null) add(r.month, `cluster:${r.cluster}`, r);
    }
    const months = [...new Set(rows.map((r) => r.month))].map(monthIndex);
    const periods = Math.max(...months) - Math.min(...months) + 1;
    const [{ n: segments }] = await db.ds.query(`SELECT count(*)::int AS n FROM segment_profile WHERE model_version_id = $1 AND kind = 'RFM'`, [model.id]);
    const [{ n: clusters }] = await db.ds.query(`SELECT count(*)::int AS n FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'`, [model.id]);
    expect(clusters).toBeGreaterThan(1);
    expect(d.timeline).toHaveLength(periods * (1 + 3 + clusters + segments));
    expect(d.timeline.filter((p: any) => p.series.startsWith('cluster:') && p.activeCustomers > 0).length).toBeGreaterThan(0);
    for (const p of d.timeline) {
      const e = exp.get(`${p.period}|${p.series}`);
      expect([p.period, p.series, p.activeCustomers, p.orders]).toEqual([p.period, p.series, e?.customers.size ?? 0, e?.orders ?? 0]);
      close(p.revenue, e?.revenue ?? 0);
    }
    // Totals of the "all" series are the warehouse's purchases.
    const all = d.timeline.filter((p: any) => p.series === 'all');
    const [tot] = await db.ds.query(`SELECT count(*)::int AS orders, sum(value)::float8 AS revenue FROM order_fact WHERE is_purchase`);
    expect(all.reduce((s: number, p: any) => s + p.orders, 0)).toBe(tot.orders);
    close(
      all.reduce((s: number, p: any) => s + p.revenue, 0),
      tot.revenue,
    );
    const tiers = d.timeline.filter((p: any) => p.series.startsWith('tier:'));
    expect(new Set(tiers.map((p: any) => p.series))).toEqual(new Set(['tier:HIGH', 'tier:MEDIUM', 'tier:LOW']));
  });

  it('months limits the window to the last months with purchases', async () => {
    const d = await ok(`{ timeline(months: 3) { period series orders } }`);
    const periods = [...new Set(d.timeline.map((p: any) => p.period))] as string[];
    const [{ last }] = await db.ds.query(`SELECT to_char(max(purchased_at) AT TIME ZONE 'UTC', 'YYYY-MM') AS last FROM order_fact WHERE is_purchase`);
    expect(periods).toEqual([monthName(monthIndex(last) - 2), monthName(monthIndex(last) - 1), last]);
  });
});

describe('geoSegments', () => {
  it("per state: the model's customers, revenue, mean churn risk and segment counts, at the state centroid", async () => {
    const d = await ok(`{ geoSegments { state stateName lat lng customers churnRisk revenue topSegment segments { segment customers } } }`);
    const rows: { state: string | null; segment: string; p: number | null; monetary: number | null }[] = await db.ds.query(
      `SELECT upper(cf.state) AS state, cs.rfm_segment AS segment, cs.churn_probability AS p, cf.monetary
         FROM customer_segment cs JOIN customer_features cf ON cf.customer_id = cs.customer_id AND cf.snapshot_id = $2
        WHERE cs.model_version_id = $1`,
      [model.id, model.snapshotId],
    );
    const centroids: { state: string; name: string; lat: number; lng: number }[] = await db.ds.query(`SELECT state, name, lat, lng FROM state_centroid`);
    const byState = new Map<string, typeof rows>();
    for (const r of rows) if (r.state) byState.set(r.state, [...(byState.get(r.state) ?? []), r]);
    expect(d.geoSegments.map((g: any) => g.state).sort()).toEqual([...byState.keys()].sort());
    for (const g of d.geoSegments) {
      const members = byState.get(g.state)!;
      const c = centroids.find((x) => x.state === g.state);
      expect([g.stateName, g.lat, g.lng]).toEqual(c ? [c.name, c.lat, c.lng] : [null, null, null]);
      expect(g.customers).toBe(members.length);
      close(g.revenue, members.reduce((s, m) => s + Math.max(0, m.monetary ?? 0), 0));
      const ps = members.filter((m) => m.p !== null).map((m) => m.p as number);
      if (ps.length) close(g.churnRisk, ps.reduce((a, b) => a + b, 0) / ps.length);
      else expect(g.churnRisk).toBeNull();
      const counts = new Map<string, number>();
      for (const m of members) counts.set(m.segment, (counts.get(m.segment) ?? 0) + 1);
      const expectedSegments = [...counts].map(([segment, customers]) => ({ segment, customers })).sort((a, b) => b.customers - a.customers || (a.segment < b.segment ? -1 : 1));
      expect(g.segments).toEqual(expectedSegments);
      expect(g.topSegment).toBe(expectedSegments[0].segment);
    }
    const sum = d.geoSegments.reduce((s: number, g: any) => s + g.customers, 0);
    expect(sum).toBe(rows.filter((r) => r.state).length);
    expect(sum).toBeGreaterThan(0.9 * model.customers);
    const sorted = d.geoSegments.map((g: any) => g.customers);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
  });
});

describe('segmentMap', () => {
  it('serves the stored projection with public customer ids and named centroids', async () => {
    const d = await ok(`{ segmentMap { modelId explainedVariance points { x y clusterId customerId } centroids { clusterId name x y } } }`);
    const [{ projection }] = await db.ds.query(`SELECT projection FROM model_version WHERE id = $1`, [model.id]);
    const ids: { id: number; uid: string }[] = await db.ds.query(`SELECT id, customer_unique_id AS uid FROM customer WHERE id = ANY($1)`, [
      projection.points.map((p: any) => p.customerId),
    ]);
    const uid = new Map(ids.map((r) => [r.id, r.uid]));
    const m = d.segmentMap;
    expect(m.modelId).toBe(String(model.id));
    expect(m.explainedVariance).toEqual(projection.explainedVariance);
    expect(m.points.length).toBeGreaterThan(100);
    expect(m.points).toEqual(projection.points.map((p: any) => ({ x: p.x, y: p.y, clusterId: String(p.clusterId), customerId: uid.get(p.customerId) })));
    const names: { key: string; name: string }[] = await db.ds.query(
      `SELECT segment_key AS key, name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'`,
      [model.id],
    );
    expect(m.centroids).toHaveLength(model.k);
    for (const c of m.centroids) {
      expect(c.name).toBe(names.find((n) => n.key === c.clusterId)?.name);
      const stored = projection.centroids.find((s: any) => String(s.clusterId) === c.clusterId);
      expect([c.x, c.y]).toEqual([stored.x, stored.y]);
    }
  });
});

describe('model selection and errors', () => {
  const MODEL_QUERIES = [
    'clusterQuality(modelId: $m) { k }',
    'rfmGrid(modelId: $m) { customers }',
    'segmentOverlap(modelId: $m) { customers }',
    'segmentMap(modelId: $m) { modelId }',
    'timeline(modelId: $m) { period }',
    'geoSegments(modelId: $m) { state }',
    'segments(kind: RFM, modelId: $m) { id }',
  ];

  it.each(MODEL_QUERIES)('%s: a malformed modelId is BAD_USER_INPUT naming modelId, an unknown one NOT_FOUND naming it', async (field) => {
    for (const bad of ['abc', '-1', '0', '1.5', '99999999999', "1; DROP TABLE customer; --"]) {
      const r = await t.gql(`query ($m: ID) { ${field} }`, { m: bad });
      expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'modelId' });
      expect(r.body.errors?.[0].message).toMatch(/modelId/);
    }
    const r = await t.gql(`query ($m: ID) { ${field} }`, { m: '987654' });
    expect(r.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(r.body.errors?.[0].message).toMatch(/987654/);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer`);
    expect(n).toBeGreaterThan(0);
  });

  it('without an active model, an omitted modelId is NOT_FOUND saying so', async () => {
    await db.ds.query(`UPDATE model_version SET is_active = false WHERE id = $1`, [model.id]);
    try {
      for (const field of MODEL_QUERIES) {
        const r = await t.gql(`query ($m: ID) { ${field} }`, {});
        expect(r.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
        expect(r.body.errors?.[0].message).toMatch(/no active model/);
      }
      // cohortRetention does not depend on a model.
      expect((await t.gql(`{ cohortRetention { cohort } }`)).body.errors).toBeUndefined();
    } finally {
      await db.ds.query(`UPDATE model_version SET is_active = true WHERE id = $1`, [model.id]);
    }
  });

  it('refuses out-of-range windows, naming the argument', async () => {
    for (const [q, argument] of [
      ['{ cohortRetention(cohorts: 0) { cohort } }', 'cohorts'],
      ['{ cohortRetention(cohorts: 121) { cohort } }', 'cohorts'],
      ['{ timeline(months: 0) { period } }', 'months'],
    ] as const) {
      const r = await t.gql(q);
      expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });

  it('each analytics query is at most two SQL statements (the model lookup and one aggregate)', async () => {
    for (const q of [
      '{ clusterQuality { k } }',
      '{ rfmGrid { customers } }',
      '{ segmentOverlap { customers } }',
      '{ segmentMap { modelId } }',
      '{ timeline { period } }',
      '{ geoSegments { state } }',
      '{ cohortRetention(by: STATE) { cohort } }',
    ]) {
      const r = await t.gql(q, undefined, { headers: { 'x-debug-sql-count': '1' } });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.extensions?.sqlStatements).toBeLessThanOrEqual(2);
    }
  });

  it('a second, inactive model: modelId selects it, an omitted one still means the active model, ARI vs previous matches', async () => {
    const second = await train(db.ds, { seed: 11, k: 3, fitSampleSize: 20_000, activate: false });
    const d = await ok(
      `query ($m: ID) { q: clusterQuality(modelId: $m) { modelId k ariVsPrevious previousModelId kSearch { k } }
                        active: segmentOverlap { modelId } grid: rfmGrid(modelId: $m) { customers } }`,
      { m: String(second.modelId) },
    );
    expect(d.q).toMatchObject({ modelId: String(second.modelId), k: 3, previousModelId: String(model.id), kSearch: [{ k: 3 }] });
    expect(d.active.modelId).toBe(String(model.id));
    expect(d.grid.reduce((s: number, c: any) => s + c.customers, 0)).toBe(second.customers);
    const pairs: { a: number; b: number }[] = await db.ds.query(
      `SELECT p.cluster_id AS a, n.cluster_id AS b
         FROM customer_segment n JOIN customer_segment p ON p.customer_id = n.customer_id AND p.model_version_id = $1
        WHERE n.model_version_id = $2 ORDER BY n.customer_id`,
      [model.id, second.modelId],
    );
    expect(d.q.ariVsPrevious).toBeCloseTo(
      adjustedRandIndex(
        pairs.map((p) => p.a),
        pairs.map((p) => p.b),
      ),
      12,
    );
  });
});
