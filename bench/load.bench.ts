import { seedWarehouse } from '../seeds/seed.service';
import { train } from '../src/models/train.pipeline';
import { createServer } from '../src/server';
import { machineLine, peakRssMiB, resetPeakRss, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * Load and soak on 127.0.0.1 only, bounded in time and count: the API with its default admission limits (rate
 * limit, in-flight cap) over a trained scratch warehouse, hit by autocannon (on a worker thread) with the
 * customers page and an analytics query at 50 and 200 connections, then 50 connections on the customers page
 * while a retrain runs. Per scenario: requests/s, p50/p99, errors and timeouts (no answer), non-2xx, 429s and
 * 503s (answers), and the process's RSS before, at peak and after. Goal: 0 errors at 200 connections (a 429 or
 * 503 is an answer, a timeout is not).
 * LOAD_CUSTOMERS (20,000), LOAD_DURATION_S (20 per scenario), LOAD_MAX_REQUESTS (50,000 per scenario) size it;
 * LOAD_SMOKE=1 prints the table instead of writing bench/RESULTS.md.
 */
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<LoadResult>;

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const CUSTOMERS = num('LOAD_CUSTOMERS', 20_000);
const DURATION_S = num('LOAD_DURATION_S', 20);
const MAX_REQUESTS = num('LOAD_MAX_REQUESTS', 50_000);
const SMOKE = process.env.LOAD_SMOKE === '1';

const PAGE = JSON.stringify({
  query: `{ customers(first: 50) { pageInfo { hasNextPage endCursor } edges { node { id state priorityScore rfm { segment } cluster { id name } churn { churnProbability clv } } } } }`,
});
const ANALYTICS = JSON.stringify({ query: `{ timeline(months: 24) { __typename } cohortRetention { __typename } }` });
const RETRAIN = JSON.stringify({ query: `mutation { retrain { id status } }` });

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

interface Row {
  scenario: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  s429: number;
  s503: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
}

async function run(url: string, scenario: string, body: string, connections: number, during?: () => Promise<unknown>): Promise<Row> {
  global.gc?.();
  const rssBefore = rssMiB();
  resetPeakRss();
  const [r] = await Promise.all([
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections,
      duration: DURATION_S,
      amount: MAX_REQUESTS,
      timeout: 10,
      workers: 1,
    }),
    during?.(),
  ]);
  const rssPeak = peakRssMiB();
  global.gc?.();
  const codes = r.statusCodeStats ?? {};
  return {
    scenario,
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    s429: codes['429']?.count ?? 0,
    s503: codes['503']?.count ?? 0,
    rssBefore,
    rssPeak,
    rssAfter: rssMiB(),
  };
}

registerBench('load', async () => {
  const db = await scratchDatabase();
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    await seedWarehouse(db.ds, { customers: CUSTOMERS, seed: 42 });
    await train(db.ds, { seed: 42 });
    await db.ds.query('ANALYZE');
    // Default settings (rate limit and in-flight cap included), open mode, loopback only.
    server = await createServer({ db, port: 0, host: '127.0.0.1', settings: { apiKeys: '', sandbox: false, introspection: false } });
    const url = server.graphqlUrl;
    const rows: Row[] = [];
    for (const [name, body] of [['customers page', PAGE], ['analytics', ANALYTICS]] as const) {
      for (const c of [50, 200]) {
        await db.ds.query('DELETE FROM rate_limit'); // each scenario starts with a fresh window
        rows.push(await run(url, name, body, c));
      }
    }
    await db.ds.query('DELETE FROM rate_limit');
    rows.push(
      await run(url, 'customers page during a retrain', PAGE, 50, async () => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: RETRAIN });
        if (res.status !== 200) process.stderr.write(`retrain answered ${res.status}: ${await res.text()}\n`);
      }),
    );
    const f = (x: number, d = 0) => x.toFixed(d);
    const table = [
      '| scenario | connections | req/s | p50 ms | p99 ms | errors (incl. timeouts) | non-2xx | 429 | 503 | RSS before / peak / after MiB |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.scenario} | ${r.connections} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${r.non2xx} | ${r.s429} | ${r.s503} | ${f(r.rssBefore)} / ${f(r.rssPeak)} / ${f(r.rssAfter)} |`,
      ),
    ].join('\n');
    const text = `${CUSTOMERS} customers, ${DURATION_S} s (at most ${MAX_REQUESTS} requests) per scenario, autocannon on a worker thread of the same process (RSS includes it), default admission limits.\n\n${table}\n`;
    if (SMOKE) process.stdout.write(`${machineLine()}\n${text}`);
    else writeSection('Load (API under 50 and 200 connections)', text);
  } finally {
    await server?.stop();
    await db.drop();
  }
});
