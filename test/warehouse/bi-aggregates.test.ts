import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedWarehouse } from '../../seeds/seed.service';
import { CohortBy } from '../../src/graphql/analytics/analytics-enums';
import { currentLoad, type BiSource } from '../../src/graphql/analytics/bi-summary';
import { cohortRetention, cohortStates } from '../../src/graphql/analytics/cohort-retention.service';
import { geoSegments } from '../../src/graphql/analytics/geo-segments.service';
import { resolveModel } from '../../src/models/model-ref';
import { rfmGrid } from '../../src/graphql/analytics/rfm-grid.service';
import { segmentOverlap } from '../../src/graphql/analytics/segment-overlap.service';
import { timeline } from '../../src/graphql/analytics/timeline.service';
import { countCustomers, type CustomerListFilter } from '../../src/graphql/customers/customer.service';
import { warehouseStats } from '../../src/graphql/warehouse/warehouse-stats.service';
import { importOlist } from '../../src/ingest/olist.service';
import { importTransactions } from '../../src/ingest/transactions.service';
import { train } from '../../src/models/train.pipeline';
import { rebuildOrderFactsNow, refreshOrderFactsFor } from '../../src/warehouse/order-fact.service';
import pino from 'pino';
import { dataModel } from '../../src/data-model';
import { createDataSource } from '../../src/db/data-source';
import { createServer } from '../../src/server';
import * as dashboardOperations from '../../src/http/dashboard/operations';
import { DASHBOARD_WARM_UP, poolOf, WARM_UP_OPERATIONS } from '../../src/server/warm-up';
import { withTransaction } from '../../src/db/data-source';
import { writeModelBiAggregates } from '../../src/warehouse/bi-aggregates.service';
import { createTestDb, type TestDb } from '../helpers/db';
import { fixture } from '../ingest/helpers';

/**
 * The BI summary tables against the live queries they stand for: every BI query is run both ways (the
 * summaries, and the live SQL that is the reference) on seeded stores of two different mixes, after imports
 * and re-imports that move customers' orders and states, after a retrain and after a full refresh, and the
 * answers must be the same to the byte. The summaries must also actually be read: each check first asserts
 * that they are current, and a tampered summary must change the answer.
 */
/** The path and both values of the first place two JSON values differ, or null. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: ${JSON.stringify(a)?.slice(0, 300)} vs ${JSON.stringify(b)?.slice(0, 300)}`;
}

describe('BI summaries', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-bi-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const trainModel = (seed: number, k?: number) => train(db.ds, { seed, k, kMax: 5, fitSampleSize: 20_000 });

  /** Every BI answer for one model, read one way. */
  async function answers(modelId: number, source: BiSource) {
    const ds = db.ds;
    const model = await resolveModel(ds, modelId);
    const [{ state }] = await ds.query(
      `SELECT COALESCE(c.state, f.state) AS state FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1 AND COALESCE(c.state, f.state) IS NOT NULL
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
      [modelId, model.snapshotId],
    );
    const [{ segment, cluster }] = await ds.query(
      `SELECT rfm_segment AS segment, cluster_id AS cluster FROM customer_segment WHERE model_version_id = $1
        GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
      [modelId],
    );
    const filters: (CustomerListFilter | null)[] = [
      null,
      {},
      { state },
      { state: ` ${state} ` },
      { state: 'no such state' },
      { rfmSegment: segment },
      { rfmSegment: 'no such segment' },
      { clusterId: cluster },
      { clusterId: String(cluster) },
      { state, rfmSegment: segment },
      { state, rfmSegment: segment, clusterId: cluster },
      { rfmSegment: segment, clusterId: cluster },
      { abc: 'A' },
      { state, churnProbability: { min: 0.5 } },
    ];
    const counts: number[] = [];
    for (const filter of filters) counts.push(await countCustomers({ db: ds }, { modelId, filter }, source));
    const series = [];
    for (const months of [1, 3, 24, 120]) series.push(await timeline(ds, model, { months }, source));
    const cohorts = [];
    for (const by of [CohortBy.NONE, CohortBy.STATE]) {
      for (const n of [1, 2, 24, 120]) cohorts.push(await cohortRetention(ds, { by, cohorts: n }, source));
    }
    // One state's cohorts (the dashboard's picker), in the list's spelling and upper-cased, and a state with none.
    for (const st of [state, ` ${String(state).toLowerCase()} `, 'no such state']) {
      cohorts.push(await cohortRetention(ds, { by: CohortBy.STATE, cohorts: 24, state: st }, source));
    }
    const states = [];
    for (const n of [1, 2, 24, 120]) states.push(await cohortStates(ds, { cohorts: n }, source));
    return {
      counts,
      series,
      cohorts,
      states,
      geo: await geoSegments(ds, model, source),
      rfm: await rfmGrid(ds, model, source),
      overlap: await segmentOverlap(ds, model, source),
      stats: await warehouseStats(ds, source),
    };
  }

  /** Both ways are equal for every model, and the active model's summaries (all of them) are current. */
  async function expectSame(): Promise<{ models: number[] }> {
    expect(await currentLoad(db.ds)).not.toBeNull();
    // Models whose customers a replaced warehouse took away have nothing left to compare.
    const models: number[] = (
      await db.ds.query(`SELECT id FROM model_version mv WHERE EXISTS (SELECT 1 FROM customer_segment cs WHERE cs.model_version_id = mv.id) ORDER BY id`)
    ).map((r: { id: number }) => r.id);
    expect((await resolveModel(db.ds, null)).summary).toMatchObject({ loadCurrent: true });
    for (const id of models) {
      const live = await answers(id, 'live');
      const summary = await answers(id, 'summary');
      expect(firstDifference(summary, live)).toBeNull();
      expect(JSON.stringify(summary)).toBe(JSON.stringify(live));
      // Not vacuous: the store has buyers, cohorts, states and segments.
      expect(live.counts[0]).toBeGreaterThan(0);
      expect(live.counts[2]).toBeGreaterThan(0);
      expect(live.series[2].some((p) => p.series.startsWith('tier:') && p.activeCustomers > 0)).toBe(true);
      expect(live.cohorts[6].length).toBeGreaterThan(1);
      expect(live.cohorts[6].some((c) => c.group !== null)).toBe(true);
      expect(live.cohorts[8].length).toBeGreaterThan(1);
      expect(live.cohorts[8].every((c) => c.group === live.cohorts[8][0].group)).toBe(true);
      expect(live.cohorts[9]).toEqual(live.cohorts[8]);
      expect(live.cohorts[10]).toEqual([]);
      expect(live.states[2].length).toBeGreaterThan(1);
      expect(live.geo.length).toBeGreaterThan(0);
    }
    return { models };
  }

  /**
   * Loads that touch part of the warehouse, each followed by the comparison: a second log (another source)
   * touching existing customers in several cohorts and new months, its re-import with every line a return and
   * one line fewer, and an Olist import of customers only that moves purchasing customers to other states.
   */
  async function partialLoads(tag: string): Promise<void> {
    // A second log (another source) touching existing customers, in several cohorts and new months.
    const some: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM customer c WHERE EXISTS (SELECT 1 FROM order_fact f WHERE f.customer_id = c.id AND f.is_purchase)
        ORDER BY c.id DESC LIMIT 60`,
    );
    const second = path.join(tmp, `${tag}-second.csv`);
    const rows = some.map((m, i) => `${m.id},${['2016-01-15', '2017-06-30', '2018-08-01'][i % 3]},${3 + i},S${i % 25}`);
    fs.writeFileSync(second, ['c,d,a,o', ...rows, `${tag}-new,2015-12-31,9,S99`].join('\n') + '\n');
    const map2 = { customerCol: 'c', dateCol: 'd', amountCol: 'a', orderCol: 'o' };
    await importTransactions(db.ds, second, map2);
    await expectSame();
    // Its re-import with every line a return (those purchases vanish from the cohorts) and a line fewer.
    fs.writeFileSync(second, ['c,d,a,o', ...rows.slice(1).map((r) => r.replace(/,(\d+),S/, ',-$1,S'))].join('\n') + '\n');
    await importTransactions(db.ds, second, map2);
    await expectSame();

    // An Olist import of customers only: it moves purchasing customers to other states (and one to none).
    const movers: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM customer c WHERE EXISTS (SELECT 1 FROM order_fact f WHERE f.customer_id = c.id AND f.is_purchase)
        ORDER BY c.id LIMIT 30`,
    );
    const dir = path.join(tmp, `${tag}-olist-customers`);
    fs.mkdirSync(dir, { recursive: true });
    // Every other required file holds its header only.
    for (const f of fs.readdirSync(fixture('olist')).filter((f) => !/customers|sellers|geolocation/.test(f))) {
      fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(fixture('olist'), f), 'utf8').split('\n')[0] + '\n');
    }
    fs.writeFileSync(
      path.join(dir, 'olist_customers_dataset.csv'),
      ['customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state',
        ...movers.map((m, i) => `acct-${m.id},${m.id},${10000 + i},somewhere,${i === 0 ? '' : ['AM', 'PA', 'sp'][i % 3]}`)].join('\n') + '\n',
    );
    const before = await db.ds.query(`SELECT state, sum(active)::int AS n FROM bi_cohort_cell GROUP BY 1 ORDER BY 1`);
    await importOlist(db.ds, dir);
    // The summaries were moved by this load (not left behind for the live queries to answer).
    await expectSame();
    expect(await db.ds.query(`SELECT state, sum(active)::int AS n FROM bi_cohort_cell GROUP BY 1 ORDER BY 1`)).not.toEqual(before);
  }

  it('equal the live queries on a seeded, trained store', async () => {
    await seedWarehouse(db.ds, { customers: 1200, seed: 5, replace: true });
    const { modelId } = await trainModel(5);
    // The summaries were computed beside the classifier's fit, from the assignments in memory, and used as they were.
    const [{ metrics }] = await db.ds.query(`SELECT metrics FROM model_version WHERE id = $1`, [modelId]);
    expect(Object.keys(metrics.persistTimings)).toEqual(expect.arrayContaining(['aggregates.groupsAhead', 'aggregates.timelineAhead']));
    await expectSame();
  });

  it('build the timeline in the transaction when the one computed ahead read another load', async () => {
    const [{ id }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
    const laps: string[] = [];
    await withTransaction(db.ds, async (client) => {
      const bogus = {
        loadNo: -1,
        snapshotId: -1,
        rows: [{ month: '2001-01-01', series: 'all', active: 1, orders: 1, revenue: '1' }],
        groups: [{ geo_state: 'XX', list_state: 'XX', has_f: true, has_c: true, rfm_segment: 'Champions', cluster_id: 0, r: 5, f: 5, customers: 9, risk_sum: '1', risk_n: '9', revenue: '1' }],
      };
      await writeModelBiAggregates(client, id, (label) => laps.push(label), Promise.resolve(bogus));
    });
    expect(laps).toEqual(expect.arrayContaining(['groups', 'timeline']));
    await expectSame();
  });

  /** The service as `npm start` runs it (warm-up on), on a data source of its own. */
  const warmingServer = (ds: ReturnType<typeof createDataSource>) =>
    createServer({
      db: { ds },
      port: 0,
      host: '127.0.0.1',
      settings: { apiKeys: '', sandbox: false, introspection: false, rateLimitPoints: 0, warmUp: true },
      logger: pino({ level: 'silent' }),
    });

  it('a server warms up and listens while another part of the process holds a pooled connection', async () => {
    // `npm start` holds connections of its pool before listening (the job runner, session locks): warm-up takes
    // only the free ones. Asking for the whole pool waited forever and the service never listened.
    const ds = createDataSource(db.url, dataModel, { poolSize: 3, applicationName: 'segmenta-warm-up-held' });
    await ds.initialize();
    const held = await poolOf(ds)!.connect();
    try {
      const server = await warmingServer(ds);
      try {
        const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ warehouseStats { customers } }' }) });
        expect(((await res.json()) as { data: { warehouseStats: { customers: number } } }).data.warehouseStats.customers).toBeGreaterThan(0);
      } finally {
        await server.stop();
      }
    } finally {
      held.release();
      await ds.destroy();
    }
  });

  it('warms the HTTP path through its own handler before listening, counted against no caller', async () => {
    const ds = createDataSource(db.url, dataModel, { poolSize: 2, applicationName: 'segmenta-warm-up-http' });
    await ds.initialize();
    await db.ds.query(`DELETE FROM rate_limit`);
    const server = await createServer({
      db: { ds },
      port: 0,
      host: '127.0.0.1',
      settings: { apiKeys: '', sandbox: false, introspection: false, rateLimitPoints: 1000, warmUp: true },
      logger: pino({ level: 'silent' }),
    });
    try {
      // The warm-up's requests went through no admission: nothing counted. A real request is counted.
      expect((await db.ds.query(`SELECT count(*)::int AS n FROM rate_limit`))[0].n).toBe(0);
      const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ serviceInfo { openMode } }' }) });
      expect(await res.json()).toEqual({ data: { serviceInfo: { openMode: true } } });
      expect((await db.ds.query(`SELECT count(*)::int AS n FROM rate_limit`))[0].n).toBe(1);
    } finally {
      await server.stop();
      await ds.destroy();
    }
  });

  it('a server that warms up opens every pooled session and answers the BI queries as the services do', async () => {
    const ds = createDataSource(db.url, dataModel, { poolSize: 3, applicationName: 'segmenta-warm-up-test' });
    await ds.initialize();
    const server = await warmingServer(ds);
    try {
      // Before the first request: every session of the pool is open and configured, every warm-up operation compiled.
      const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'segmenta-warm-up-test'`);
      expect(n).toBe(3);
      const pool = poolOf(ds)!;
      const clients = await Promise.all([0, 1, 2].map(() => pool.connect()));
      try {
        for (const c of clients) expect((await c.query('SHOW parallel_setup_cost')).rows[0].parallel_setup_cost).toBe('10000');
      } finally {
        for (const c of clients) c.release();
      }
      expect(server.jit?.stats().compiled).toBe(new Set(DASHBOARD_WARM_UP.map((o) => o.query)).size + WARM_UP_OPERATIONS.length);
      for (const [query, expected] of [
        ['{ cohortRetention(by: STATE) { cohort group size cells { periodOffset active share } actives } }', { cohortRetention: await cohortRetention(db.ds, { by: CohortBy.STATE }, 'live') }],
        ['{ cohortRetention(by: STATE) { group } }', { cohortRetention: (await cohortRetention(db.ds, { by: CohortBy.STATE }, 'live')).map((c) => ({ group: c.group })) }],
        ['{ rfmGrid { r f customers revenue segment } }', { rfmGrid: await rfmGrid(db.ds, await resolveModel(db.ds, null), 'live') }],
      ] as const) {
        const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        expect(await res.json()).toEqual({ data: JSON.parse(JSON.stringify(expected)) });
      }
    } finally {
      await server.stop();
      await ds.destroy();
    }
  });

  it("a warmed server's first request of each of the dashboard's reads compiles nothing new", async () => {
    // Every read the dashboard sends, as its text (src/http/dashboard/operations.ts, which web/src sends): what a
    // request reuses is kept by that text, so a read missing from the warm-up is compiled by its first request.
    const reads = Object.entries(dashboardOperations as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string' && /^\s*query\b/.test(e[1]));
    expect(reads.length).toBeGreaterThanOrEqual(17);
    const [{ id: modelId }] = await db.ds.query(`SELECT id::text AS id FROM model_version WHERE is_active`);
    const [{ id: customerId }] = await db.ds.query(`SELECT customer_unique_id AS id FROM customer ORDER BY 1 LIMIT 1`);
    const [{ id: runId }] = await db.ds.query(`SELECT id::text AS id FROM training_run ORDER BY id DESC LIMIT 1`);
    const variables = {
      modelId,
      kind: 'RFM',
      cohorts: dashboardOperations.COHORT_MONTHS,
      months: dashboardOperations.TIMELINE_MONTHS,
      first: dashboardOperations.DRILLDOWN_PAGE_SIZE,
      id: customerId,
      prefix: customerId.slice(0, 3),
      from: modelId,
      to: modelId,
    };
    const ds = createDataSource(db.url, dataModel, { poolSize: 2, applicationName: 'segmenta-warm-up-forms' });
    await ds.initialize();
    const server = await warmingServer(ds);
    try {
      // Every session of the pool has prepared the drill-down's page (its LIMIT, the page size + 1, is in the text).
      const pool = poolOf(ds)!;
      const clients = await Promise.all([0, 1].map(() => pool.connect()));
      try {
        for (const c of clients) {
          const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE $1`, [`%LIMIT ${dashboardOperations.DRILLDOWN_PAGE_SIZE + 1}`]);
          expect(rows[0].n).toBeGreaterThanOrEqual(1);
        }
      } finally {
        for (const c of clients) c.release();
      }
      const compiled = server.jit!.stats().compiled;
      for (const [name, query] of reads) {
        const sent = query === dashboardOperations.TRAINING_RUN ? { ...variables, id: runId } : variables;
        const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: sent }) });
        const body = (await res.json()) as { data?: unknown; errors?: unknown };
        expect([name, body.errors]).toEqual([name, undefined]);
        expect([name, server.jit!.stats().compiled]).toEqual([name, compiled]);
      }
    } finally {
      await server.stop();
      await ds.destroy();
    }
  });

  it('are what the summary path reads: a changed summary changes its answer', async () => {
    const [{ id }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
    const before = await answers(id, 'summary');
    await db.ds.query(`UPDATE bi_rfm_cell SET customers = customers + 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_segment_overlap SET customers = customers + 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_state_count SET customers = customers + 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_geo_state SET customers = customers + 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_timeline_cell SET active = active + 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_cohort_row SET size = size + 1`);
    await db.ds.query(`UPDATE bi_load SET orders = orders + 1`);
    const after = await answers(id, 'summary');
    for (const key of Object.keys(before) as (keyof typeof before)[]) expect([key, after[key]]).not.toEqual([key, before[key]]);
    // A full refresh (segmenta refresh-facts) rebuilds the load's summaries and the active model's load-bound ones.
    await rebuildOrderFactsNow(db.ds);
    await db.ds.query(`UPDATE bi_rfm_cell SET customers = customers - 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_segment_overlap SET customers = customers - 1 WHERE model_version_id = $1`, [id]);
    await db.ds.query(`UPDATE bi_geo_state SET customers = customers - 1 WHERE model_version_id = $1`, [id]);
    await expectSame();
  });

  it('stay equal after transaction-log imports and a re-import that add, move and delete orders of model members', async () => {
    const members: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM customer c JOIN customer_segment cs ON cs.customer_id = c.id
        JOIN model_version mv ON mv.id = cs.model_version_id AND mv.is_active ORDER BY c.id LIMIT 40`,
    );
    const [{ last }] = await db.ds.query(`SELECT to_char(max(purchased_at), 'YYYY-MM-DD') AS last FROM orders`);
    const file = path.join(tmp, 'shop.csv');
    // Members also gain a return-only order in a month of their own (counted as an order, not a purchase month), a
    // purchase before their cohort (which moves it), and a return line inside a purchase order (a lower net value).
    const lines = [
      ...members.map((m, i) => `${m.id},${last},${10 + i}`),
      ...members.slice(0, 3).flatMap((m, i) => [`${m.id},2015-11-0${1 + i},-5`, `${m.id},2015-12-0${1 + i},9.25`]),
      `${members[3].id},${last},-3.5`,
    ];
    fs.writeFileSync(file, ['c,d,a', ...lines, 'newcomer-1,2016-01-05,12', 'newcomer-2,2016-03-01,7'].join('\n') + '\n');
    const map = { customerCol: 'c', dateCol: 'd', amountCol: 'a' };
    await importTransactions(db.ds, file, map);
    const { models } = await expectSame();
    expect(models).toHaveLength(1);
    // The re-import drops half of the lines and moves the rest a month back.
    const moved = members.slice(0, 20).map((m, i) => `${m.id},2016-02-0${1 + (i % 9)},${5 + i}`);
    fs.writeFileSync(file, ['c,d,a', ...moved, 'newcomer-2,2016-03-01,7'].join('\n') + '\n');
    await importTransactions(db.ds, file, map);
    await expectSame();
  });

  it('move by logs that add to members a month they have, a month before their cohort, or their first purchase', async () => {
    // A customer whose only order is a return (a member without a cohort), then one log that gives it purchases, one
    // in the month of its return; members buying again in their last purchase month and in a new one, or before
    // their cohort and in it; and a new customer with two orders in one month and one in another.
    const map = { customerCol: 'c', dateCol: 'd', amountCol: 'a' };
    const first = path.join(tmp, 'edges-1.csv');
    fs.writeFileSync(first, 'c,d,a\nedge-returns,2016-04-02,-5\n');
    await importTransactions(db.ds, first, map);
    await expectSame();
    expect(await db.ds.query(`SELECT m.cohort FROM bi_cohort_member m JOIN customer c ON c.id = m.customer_id WHERE c.customer_unique_id = 'edge-returns'`)).toEqual([
      { cohort: null },
    ]);
    const members: { id: string; last: string; before: string; cohort: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id, to_char(max(f.purchased_at) AT TIME ZONE 'UTC', 'YYYY-MM-15') AS last,
              to_char((min(f.purchased_at) AT TIME ZONE 'UTC') - interval '1 month', 'YYYY-MM-15') AS before,
              to_char(min(f.purchased_at) AT TIME ZONE 'UTC', 'YYYY-MM-15') AS cohort
         FROM customer c JOIN order_fact f ON f.customer_id = c.id AND f.is_purchase
        GROUP BY c.id HAVING count(DISTINCT date_trunc('month', f.purchased_at AT TIME ZONE 'UTC')) > 1 ORDER BY c.id LIMIT 6`,
    );
    expect(members).toHaveLength(6);
    const lines = [
      'edge-returns,2016-04-20,7.5',
      'edge-returns,2016-06-10,3',
      ...members.slice(0, 3).flatMap((m, i) => [`${m.id},${m.last},${4 + i}`, `${m.id},2018-11-0${1 + i},2.25`]),
      ...members.slice(3).flatMap((m, i) => [`${m.id},${m.before},${6 + i}`, `${m.id},${m.cohort},1.5`]),
      'edge-new,2016-07-01,2',
      'edge-new,2016-07-09,4',
      'edge-new,2016-09-30,8',
    ];
    const second = path.join(tmp, 'edges-2.csv');
    fs.writeFileSync(second, ['c,d,a', ...lines].join('\n') + '\n');
    const [{ cells_no: cellsBefore }] = await db.ds.query(`SELECT cells_no FROM bi_load`);
    await importTransactions(db.ds, second, map);
    // Moved, not rebuilt: the load carried the cell set over.
    expect(await db.ds.query(`SELECT cells_no FROM bi_load`)).toEqual([{ cells_no: cellsBefore }]);
    await expectSame();
    // The members' rows equal the ones a rebuild writes.
    const rows = () =>
      db.ds.query(
        `SELECT customer_id, cohort, state, n_orders, n_items, n_reviews,
                (SELECT json_agg(json_build_array(m, n, r) ORDER BY m) FROM unnest(months, orders, revenue) u(m, n, r)) AS months
           FROM bi_cohort_member ORDER BY customer_id`,
      );
    const moved = await rows();
    await rebuildOrderFactsNow(db.ds);
    expect(await rows()).toEqual(moved);
  });

  it('stay equal when a load changes the state of model members, and after an Olist import', async () => {
    const ids: { id: number; order: string }[] = await db.ds.query(
      `SELECT c.id, min(o.id) AS order FROM customer c JOIN orders o ON o.customer_id = c.id
        JOIN customer_segment cs ON cs.customer_id = c.id JOIN model_version mv ON mv.id = cs.model_version_id AND mv.is_active
       GROUP BY c.id ORDER BY c.id LIMIT 25`,
    );
    const [{ id: active }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
    const before = await answers(active, 'summary');
    // A write outside the loaders: the summaries stop being current at once, and every answer is the live one.
    await db.ds.query(`UPDATE customer SET state = CASE WHEN id % 2 = 0 THEN 'zz' ELSE NULL END WHERE id = ANY($1)`, [ids.map((r) => r.id)]);
    expect(await currentLoad(db.ds)).toBeNull();
    expect((await resolveModel(db.ds, active)).summary).toMatchObject({ loadCurrent: false });
    const live = await answers(active, 'live');
    expect(firstDifference(await answers(active, 'summary'), live)).toBeNull();
    expect(live.counts[2]).not.toBe(before.counts[2]);
    // A load (here the refresh of a few of their orders) makes them current again.
    await refreshOrderFactsFor(db.ds, ids.map((r) => r.order));
    await expectSame();
    await importOlist(db.ds, fixture('olist'));
    await expectSame();
  });

  it('move by what a load touched: later loads carry the other cells over and stay equal to the live queries', async () => {
    // A load that nobody else's write preceded moves only its customers' cells: a cell altered by hand in a
    // cohort the load does not touch is carried over (the answer then differs from the live one), and a full
    // refresh puts it right.
    const [{ cohort, state, k }] = await db.ds.query(
      `SELECT cohort, state, k FROM bi_cohort_cell WHERE load_no = (SELECT cells_no FROM bi_load ORDER BY load_no DESC LIMIT 1) ORDER BY cohort, state, k LIMIT 1`,
    );
    await db.ds.query(`UPDATE bi_cohort_cell SET active = active + 1000 WHERE cohort = $1 AND state = $2 AND k = $3`, [cohort, state, k]);
    // Its answer rows too: a load rewrites only the rows of the cohorts it moved (from the cells), unless the last month moved.
    await db.ds.query(`UPDATE bi_cohort_row SET size = size + 1000 WHERE cohort = $1`, [cohort]);
    // And the load's counts, which a load moves by its own rows.
    await db.ds.query(`UPDATE bi_load SET orders = orders + 1000, order_items = order_items + 1000, customers = customers + 1000`);
    // Likewise the active model's timeline (a month of 'all' the load does not touch).
    const [{ id: active }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
    await db.ds.query(
      `UPDATE bi_timeline_cell SET active = active + 1000
        WHERE model_version_id = $1 AND series = 'all' AND month = (SELECT max(month) FROM bi_timeline_cell WHERE model_version_id = $1)`,
      [active],
    );
    const file = path.join(tmp, 'stall.csv');
    fs.writeFileSync(file, 'c,d,a\nstall-1,2016-05-02,3\n');
    await importTransactions(db.ds, file, { customerCol: 'c', dateCol: 'd', amountCol: 'a' });
    const [summary, live] = [await answers(active, 'summary'), await answers(active, 'live')];
    expect(firstDifference(summary.states, live.states)).not.toBeNull();
    expect(firstDifference(summary.cohorts, live.cohorts)).not.toBeNull();
    expect(firstDifference(summary.series, live.series)).not.toBeNull();
    expect(summary.stats).toMatchObject({ orders: live.stats.orders + 1000, orderItems: live.stats.orderItems + 1000, customers: live.stats.customers + 1000 });
    expect(firstDifference({ ...summary, cohorts: null, states: null, series: null, stats: null }, { ...live, cohorts: null, states: null, series: null, stats: null })).toBeNull();
    await rebuildOrderFactsNow(db.ds);
    await expectSame();

    // A log touching as many customers as there are members (half of them members, half new) is moved too, not
    // rebuilt: a count it cannot change (payments), altered by hand, is carried over, and every other answer
    // equals the live one.
    const [{ members }] = await db.ds.query(`SELECT count(*)::int AS members FROM bi_cohort_member`);
    const touched: { id: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS id FROM bi_cohort_member m JOIN customer c ON c.id = m.customer_id ORDER BY m.customer_id LIMIT $1`,
      [Math.ceil(members / 2)],
    );
    const wide = path.join(tmp, 'wide.csv');
    fs.writeFileSync(wide, ['c,d,a', ...touched.flatMap((m, i) => [`${m.id},2017-0${1 + (i % 9)}-11,${4 + (i % 13)}`, `wide-${i},2018-02-0${1 + (i % 9)},7`])].join('\n') + '\n');
    await db.ds.query(`UPDATE bi_load SET payments = payments + 1000`);
    await importTransactions(db.ds, wide, { customerCol: 'c', dateCol: 'd', amountCol: 'a' });
    const [wideSummary, wideLive] = [await answers(active, 'summary'), await answers(active, 'live')];
    expect(wideSummary.stats.payments).toBe(wideLive.stats.payments + 1000);
    const noPayments = (a: typeof wideLive) => ({ ...a, stats: { ...a.stats, payments: 0 } });
    expect(firstDifference(noPayments(wideSummary), noPayments(wideLive))).toBeNull();
    await db.ds.query(`UPDATE bi_load SET payments = payments - 1000`);
    await expectSame();

    await partialLoads('first');
  });

  it('are written for each new model by a retrain, and an older model is answered live once a load has moved on', async () => {
    const first = (await db.ds.query(`SELECT id FROM model_version WHERE is_active`))[0].id as number;
    await trainModel(11, 3);
    const { models } = await expectSame();
    expect(models).toHaveLength(2);
    expect((await resolveModel(db.ds, first)).summary).toMatchObject({ loadCurrent: true });
    const file = path.join(tmp, 'kiosk.csv');
    fs.writeFileSync(file, 'c,d,a\nkiosk-1,2016-06-01,4\n');
    await importTransactions(db.ds, file, { customerCol: 'c', dateCol: 'd', amountCol: 'a' });
    expect((await resolveModel(db.ds, first)).summary).toMatchObject({ loadCurrent: false });
    await expectSame();
  });

  it('hold on a second store of another mix, seeded over the first (whose models lose their summaries)', async () => {
    await seedWarehouse(db.ds, { customers: 900, seed: 23, replace: true });
    expect(await db.ds.query(`SELECT model_version_id FROM bi_model_aggregate`)).toEqual([]);
    await trainModel(23);
    const { models } = await expectSame();
    expect(models).toHaveLength(1);
    await partialLoads('second');
  });
});
