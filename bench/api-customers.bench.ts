import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { seedWarehouse } from '../seeds/seed.service';
import { train } from '../src/models/train.pipeline';
import { createServer } from '../src/server';
import { median, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * The customers page over HTTP under load, against a hand-written baseline. A scratch warehouse of 50k
 * customers, trained; the API on an ephemeral port; autocannon (load on a worker thread) for 10 s at 10
 * connections on `customers(first: 100)` with features, cluster and churn estimates, once per GraphQL executor
 * (jit, the default, and graphql-js). Then the same load on a minimal node http handler that runs one
 * hand-written SQL statement through its own pg pool (same size as the API's) and answers the same JSON, sent
 * as a plain query (the baseline of the goal) and as a named prepared statement (as the API sends its own).
 * Goal: the API (jit) within 1.5× of the baseline's requests/s.
 */
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches?: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<LoadResult>;

const CUSTOMERS = 50_000;
const DURATION_S = 10;
const CONNECTIONS = 10;
const POOL = 4;
type Executor = 'jit' | 'graphql-js';
const EXECUTORS: [string, Executor][] = [
  ['jit', 'jit'],
  ['graphql-js', 'graphql-js'],
];

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
const PAGE_WITH_COUNT = PAGE.replace('pageInfo {', 'totalCount pageInfo {');
const VARIABLES = { first: 100 };

/** The same 100 rows in one statement: what a hand-written endpoint would run. */
const BASELINE_SQL = `
  SELECT c.customer_unique_id AS id, COALESCE(c.state, f.state) AS state, c.city, f.lat, f.lng, cs.priority_score,
         f.recency_days, f.frequency, f.monetary, f.avg_order_value, f.tenure_days, f.last_purchase_at,
         cs.r, cs.f, cs.m, cs.rfm_segment, cs.churn_tier, cs.cluster_id, sp.name AS cluster_name,
         cs.p_alive, cs.churn_probability, cs.expected_purchases_90d, cs.clv, cs.customer_id
    FROM customer_segment cs
    JOIN customer_features f ON f.snapshot_id = (SELECT snapshot_id FROM model_version WHERE is_active) AND f.customer_id = cs.customer_id
    JOIN customer c ON c.id = cs.customer_id
    LEFT JOIN segment_profile sp ON sp.model_version_id = cs.model_version_id AND sp.kind = 'CLUSTER' AND sp.segment_key = cs.cluster_id::text
   WHERE cs.model_version_id = (SELECT id FROM model_version WHERE is_active)
   ORDER BY COALESCE(cs.priority_score, '-Infinity'::float8) DESC, cs.customer_id DESC
   LIMIT 101`;

type BaselineRow = Record<string, string | number | Date | null>;

/** The rows in the GraphQL response's shape (so both servers serialize the same document). */
function baselineBody(rows: BaselineRow[]): string {
  const page = rows.slice(0, 100);
  const cursor = (r: BaselineRow) =>
    Buffer.from(JSON.stringify({ k: r.priority_score ?? null, i: r.customer_id, s: 'PRIORITY:DESC' }), 'utf8').toString('base64url');
  const edges = page.map((r) => ({
    cursor: cursor(r),
    node: {
      id: r.id,
      state: r.state,
      city: r.city,
      lat: r.lat,
      lng: r.lng,
      priorityScore: r.priority_score,
      features: {
        recencyDays: r.recency_days,
        frequency: r.frequency,
        monetary: r.monetary,
        avgOrderValue: r.avg_order_value,
        tenureDays: r.tenure_days,
        lastPurchaseAt: (r.last_purchase_at as Date).toISOString(),
      },
      rfm: { r: r.r, f: r.f, m: r.m, segment: r.rfm_segment, churnTier: r.churn_tier },
      cluster: { id: String(r.cluster_id), name: r.cluster_name },
      churn: { pAlive: r.p_alive, churnProbability: r.churn_probability, expectedPurchases90d: r.expected_purchases_90d, clv: r.clv },
    },
  }));
  const endCursor = edges.length ? edges[edges.length - 1].cursor : null;
  return JSON.stringify({ data: { customers: { pageInfo: { hasNextPage: rows.length > 100, endCursor }, edges } } });
}

async function startBaseline(url: string, opts: { prepared: boolean }): Promise<{ url: string; stop(): Promise<void> }> {
  const pool = new Pool({ connectionString: url, max: POOL });
  const query = { text: BASELINE_SQL, ...(opts.prepared ? { name: 'baseline_page' } : {}) };
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      pool.query<BaselineRow>(query).then(
        (r) => {
          const body = baselineBody(r.rows);
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<{ ms: number; body: string; sql: number }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-debug-sql-count': '1', ...headers },
    body: JSON.stringify({ query, variables: VARIABLES }),
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  const json = JSON.parse(body) as { errors?: unknown[]; extensions?: { sqlStatements?: number } };
  if (res.status !== 200 || json.errors) throw new Error(`request failed: ${res.status} ${body.slice(0, 300)}`);
  return { ms, body, sql: json.extensions?.sqlStatements ?? NaN };
}

function load(url: string, body: string, expectBody: string, seconds: number): Promise<LoadResult> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: seconds,
    workers: 1,
    expectBody,
  });
}

interface Measured {
  rps: number;
  total: number;
  failed: number;
  p50: number;
  p99: number;
}

/** Slices of one server's load measured as one: requests/s over the whole time, the worst slice's latencies. */
function combine(slices: LoadResult[], seconds: number): Measured {
  const total = slices.reduce((n, r) => n + r.requests.total, 0);
  return {
    rps: total / seconds,
    total,
    failed: slices.reduce((n, r) => n + failed(r), 0),
    p50: Math.max(...slices.map((r) => r.latency.p50)),
    p99: Math.max(...slices.map((r) => r.latency.p99)),
  };
}

const failed = (r: LoadResult) => r.errors + r.timeouts + r.non2xx + (r.mismatches ?? 0);

registerBench('api-customers', async () => {
  const loadAvg = os.loadavg()[0];
  const db = await scratchDatabase();
  const apis: { name: string; executor: Executor; server: Awaited<ReturnType<typeof createServer>> }[] = [];
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  let prepared: Awaited<ReturnType<typeof startBaseline>> | undefined;
  try {
    const t0 = Date.now();
    await seedWarehouse(db.ds, { customers: CUSTOMERS, seed: 42 });
    const t1 = Date.now();
    const model = await train(db.ds, { seed: 42 });
    const t2 = Date.now();
    await db.ds.query('ANALYZE');
    process.stderr.write(`seeded ${CUSTOMERS} customers in ${((t1 - t0) / 1000).toFixed(1)} s, trained k = ${model.k} (${model.customers} customers) in ${((t2 - t1) / 1000).toFixed(1)} s\n`);
    for (const [name, executor] of EXECUTORS) {
      const server = await createServer({
        db,
        port: 0,
        host: '127.0.0.1',
        settings: { apiKeys: '', sandbox: false, introspection: false, executor, rateLimitPoints: 0 },
        logger: pino({ level: 'silent' }),
      });
      apis.push({ name, executor, server });
    }
    const [jit, plain] = apis;
    baseline = await startBaseline(db.url, { prepared: false });
    prepared = await startBaseline(db.url, { prepared: true });

    // Warm all, check they serve the same document.
    const body = JSON.stringify({ query: PAGE, variables: VARIABLES });
    const bodies: string[] = [];
    for (const api of apis) {
      for (let i = 0; i < 20; i++) await post(api.server.graphqlUrl, PAGE);
      bodies.push(await (await fetch(api.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text());
    }
    const apiBody = bodies[0];
    if (bodies.some((b) => b !== apiBody)) process.stderr.write('warning: the executors answer different documents\n');
    const baseBody = await (await fetch(baseline.url, { method: 'POST', body: '{}' })).text();
    const preparedBody = await (await fetch(prepared.url, { method: 'POST', body: '{}' })).text();
    const same = apiBody.trimEnd() === baseBody && preparedBody === baseBody && bodies.every((b) => b === apiBody);
    if (!same) process.stderr.write(`warning: the baseline's document differs from the API's\n${apiBody.slice(0, 400)}\n${baseBody.slice(0, 400)}\n`);

    const sequential = async (url: string, query: string) => {
      const runs: { ms: number; sql: number }[] = [];
      for (let i = 0; i < 30; i++) runs.push(await post(url, query));
      return { ms: median(runs.map((r) => r.ms)), sql: [...new Set(runs.map((r) => r.sql))].join(', ') };
    };
    const seqPage = await sequential(jit.server.graphqlUrl, PAGE);
    const seqCount = await sequential(jit.server.graphqlUrl, PAGE_WITH_COUNT);
    const seqPlain = await sequential(plain.server.graphqlUrl, PAGE);
    const sequentialBaseline = async (url: string) => {
      const runs: number[] = [];
      for (let i = 0; i < 30; i++) {
        const s = performance.now();
        await (await fetch(url, { method: 'POST', body: '{}' })).text();
        runs.push(performance.now() - s);
      }
      return median(runs);
    };
    const seqBase = await sequentialBaseline(baseline.url);
    const seqPrepared = await sequentialBaseline(prepared.url);

    // Each server twice for half the time, in the order jit / graphql-js / baseline / prepared baseline and back,
    // so that a drift in the machine's load (shared) weighs on all alike.
    const half = DURATION_S / 2;
    const targets = [
      { url: jit.server.graphqlUrl, body, expect: apiBody },
      { url: plain.server.graphqlUrl, body, expect: apiBody },
      { url: baseline.url, body: '{}', expect: baseBody },
      { url: prepared.url, body: '{}', expect: baseBody },
    ];
    const slices: LoadResult[][] = targets.map(() => []);
    for (const i of [0, 1, 2, 3, 3, 2, 1, 0]) slices[i].push(await load(targets[i].url, targets[i].body, targets[i].expect, half));
    const [a, g, b, p] = slices.map((s) => combine(s, DURATION_S));
    const ratio = b.rps / a.rps;
    const plainRatio = b.rps / g.rps;
    const preparedRatio = p.rps / a.rps;
    const line = (name: string, r: Measured) => `| ${name} | ${r.rps.toFixed(0)} | ${r.p50} / ${r.p99} ms | ${r.total.toLocaleString('en')} / ${r.failed} |`;
    process.stderr.write(
      `API (jit) ${a.rps.toFixed(0)} req/s (p50 ${a.p50} ms, p99 ${a.p99} ms); API (graphql-js) ${g.rps.toFixed(0)} req/s; baseline ${b.rps.toFixed(0)} req/s; ` +
        `prepared baseline ${p.rps.toFixed(0)} req/s; ratio ${ratio.toFixed(2)}× (graphql-js ${plainRatio.toFixed(2)}×; prepared baseline ${preparedRatio.toFixed(2)}×)\n`,
    );
    const stats = jit.server.jit?.stats();
    const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
    const md = [
      `${CUSTOMERS.toLocaleString('en')} seeded customers, trained model (k = ${model.k}); servers, load generator (autocannon on a worker thread, ${CONNECTIONS} connections, ${DURATION_S} s per server in two halves, jit API / graphql-js API / baseline / prepared baseline and back; latencies: the worse half) and PostgreSQL on this machine; pools of ${POOL} connections. ` +
        'Query: `customers(first: 100)` with pageInfo, cursors and per customer id, state, city, lat/lng, priorityScore, 6 features, rfm, cluster { id name } and 4 churn estimates. ' +
        'The API runs twice, once per `GRAPHQL_EXECUTOR`: `jit` (the default: the operation compiled once by graphql-jit and cached) and `graphql-js` (interpreted on every request). ' +
        `Baseline: one hand-written SQL statement through \`pg\` in a bare node http handler answering the same JSON document (${same ? 'checked byte for byte, both executors' : '**documents differ**'}), sent as a plain query (the goal's baseline) and, as "prepared baseline", as a named prepared statement like the API's. ` +
        `NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (graphql-js runs extra type checks unless it is production); load average ${loadAvg.toFixed(1)} at start.`,
      '',
      '| server | requests/s | latency p50 / p99 | requests / failed |',
      '|---|---:|---:|---:|',
      line('GraphQL API, jit executor', a),
      line('GraphQL API, graphql-js executor', g),
      line('baseline (pg + http)', b),
      line('prepared baseline (pg + http, named statement)', p),
      '',
      '| measure | value |',
      '|---|---:|',
      `| baseline ÷ API requests/s, jit executor | ${ratio.toFixed(2)}× (goal ≤ 1.5×: ${ratio <= 1.5 ? 'met' : '**not met**'}) |`,
      `| baseline ÷ API requests/s, graphql-js executor | ${plainRatio.toFixed(2)}× |`,
      `| prepared baseline ÷ API requests/s, jit executor | ${preparedRatio.toFixed(2)}× |`,
      `| SQL statements per request | ${seqPage.sql} (with totalCount: ${seqCount.sql}) |`,
      `| one request at a time, median of 30: jit API / jit API with totalCount / graphql-js API / baseline / prepared baseline | ${fmt(seqPage.ms)} / ${fmt(seqCount.ms)} / ${fmt(seqPlain.ms)} / ${fmt(seqBase)} / ${fmt(seqPrepared)} ms |`,
      `| jit: operations compiled / served from the cache / sent to graphql-js | ${stats ? `${stats.compiled} / ${stats.hits.toLocaleString('en')} / ${stats.fallbacks}` : 'n/a'} |`,
      '',
      'All four servers run the same one statement per page. The API sends it as a named prepared statement with its LIMIT in the text, ' +
        'so PostgreSQL parses and plans it once per connection (planning was about half of its time in PostgreSQL, which shares this ' +
        "machine's two cores); the baseline sends it as a plain query, planned on every request, the prepared baseline as the API does. " +
        'The jit executor runs a function compiled once for this operation (no info object or path per field, plain result objects); ' +
        'graphql-js interprets the operation on every request, about 3,500 field resolutions per page, and builds null-prototype objects ' +
        'that are slower to stringify. The page statement reads only the columns the query selects (29 here, the baseline 24) as array ' +
        'rows straight from the pg pool, into Customers whose fields are plain properties (no resolver per field) and edges whose cursors ' +
        'are encoded when read. ' +
        'CPU profiles of the jit API under this load (node --cpu-prof, measured apart from this run; sampled, so roughly, per request): ' +
        'pg protocol and row parsing 0.8 ms (baseline 0.6), socket writes 0.7 ms (as the baseline), garbage collection 0.55 ms ' +
        '(baseline 0.05: graphql-jit allocates a location and a path array for every leaf value), JSON.stringify 0.45 ms (about 0.15 ms of ' +
        "it calling toJSON on the Date objects graphql-scalars' DateTime serializes to), jit execution 0.3 ms, Apollo's pipeline with HTTP " +
        'handling 0.4 ms, the page\'s objects and cursors 0.15 ms, the Latitude/Longitude scalars 0.12 ms. ' +
        "Apollo's cache-control plugin is off (it wrapped every resolver).",
    ].join('\n');
    writeSection('API: customers page', md);
  } finally {
    for (const api of apis) await api.server.stop();
    await baseline?.stop();
    await prepared?.stop();
    await db.drop();
  }
});
