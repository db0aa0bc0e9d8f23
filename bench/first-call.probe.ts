/**
 * Probe (not a registered bench): first calls of BI queries on fresh services, each started as bench/bi.bench.ts
 * fresh() starts one (its own pool of 4, warm-up on), against an existing seeded and trained store, so that one
 * cause can be tried in a few minutes instead of the `bi` bench's seed and train.
 *
 *   node dist/bench/first-call.probe.js <database url> [runs]
 *
 * PROBE_CONDS (comma list, alternated within each run so that they see the same load): `new` the warm-up as it
 * is, `old` before it ran the dashboard's own documents (every-field forms only), `texts` adds this probe's
 * hand-written texts to the list, `gc` a forced full GC after start (run node with --expose-gc). The queries: the
 * bare page, the dashboard's reads as it sends them and a BI client's own texts (bench/dashboard-reads.ts);
 * PROBE_ONLY picks them by the start of their name. PROBE_DETAIL=1
 * prints each first call's steps (HTTP request event, parse, validate, jit plan, pg statements, GCs) beside a
 * second call of the same query; PROBE_PROFILE=<dir> writes a CPU profile of each first call.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import pino from 'pino';
import { Client } from 'pg';
import { createDataSource } from '../src/db/data-source';
import { dataModel } from '../src/data-model';
import { createServer } from '../src/server';
import { CLIENT_TEXTS, dashboardReads, send as sendOp, type Operation } from './dashboard-reads';
import { median } from './lib';

const PAGE = '{ customers(first: 20) { nodes { id } } }';
/** The bare page, then (in main()) the dashboard's reads as it sends them and a BI client's own new texts. */
let QUERIES: [string, Operation | string][] = [['page', PAGE]];
const startMs = new Map<string, number[]>();
const detail = process.env.PROBE_DETAIL === '1';
const profileDir = process.env.PROBE_PROFILE;

const events: string[] = [];
const lastWindow = { end: 0 };
const gcs: { start: number; ms: number; kind: number }[] = [];
let window0 = -1;
const mark = (what: string) => {
  if (window0 >= 0) events.push(`${(performance.now() - window0).toFixed(1)} ${what}`);
};
if (detail) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  }).observe({ entryTypes: ['gc'] });
  const proto = Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const orig = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const t = performance.now();
    const q = args[0] as { text?: string; name?: string } | string;
    const text = typeof q === 'string' ? q : q?.text ?? '';
    const r = orig.apply(this, args) as Promise<unknown> | undefined;
    if (r && typeof (r as Promise<unknown>).then === 'function' && window0 >= 0) {
      if (process.env.PROBE_SQL_DUMP && typeof q === 'object' && q?.name) fs.writeFileSync(`${process.env.PROBE_SQL_DUMP}/${q.name}.sql`, `${text}\n-- ${JSON.stringify((args[0] as { values?: unknown[] }).values ?? args[1] ?? [])}\n`);
      const label = `${typeof q === 'object' && q?.name ? `[${q.name}] ` : ''}${text.replace(/\s+/g, ' ').slice(0, 60)}`;
      (r as Promise<unknown>).then(
        () => mark(`pg ${(performance.now() - t).toFixed(1)} ms (sent ${(t - window0).toFixed(1)}) ${label}`),
        () => mark(`pg FAILED ${label}`),
      );
    }
    return r;
  };
}

if (detail) {
  const timed = (mod: Record<string, unknown>, key: string, label: string) => {
    const orig = mod[key] as (...a: unknown[]) => unknown;
    mod[key] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try {
        return orig.apply(this, a);
      } finally {
        mark(`${label} ${(performance.now() - t).toFixed(2)} ms (from ${(t - window0).toFixed(1)})`);
      }
    };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  timed(require('graphql/language/parser'), 'parse', 'parse');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  timed(require('graphql/validation/validate'), 'validate', 'validate');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  timed(require('../src/graphql/jit-executor').JitExecutor.prototype, 'planFor', 'jit planFor');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  timed(require('../src/graphql/context'), 'createContext', 'createContext');
}

async function post(url: string, query: Operation | string): Promise<number> {
  const t0 = performance.now();
  await sendOp(url, query);
  return performance.now() - t0;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const WARM = require('../src/server/warm-up').WARM_UP_OPERATIONS as string[];
const BASE_WARM = [...WARM];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const DASHBOARD_WARM = require('../src/server/warm-up').DASHBOARD_WARM_UP as unknown[];
const BASE_DASHBOARD_WARM = [...DASHBOARD_WARM];
/** The warm-up list before it ran the dashboard's own documents (every-field forms only). */
const OLD_WARM = [
  '{ customers(first: 20) { totalCount nodes { id } } }',
  '{ customers(first: 20, filter: { state: "SP" }) { totalCount nodes { id } } }',
  '{ cohortRetention { cohort group size cells { periodOffset active share } actives } }',
  '{ cohortRetention(by: STATE) { group } }',
  '{ cohortRetention(by: STATE, state: "SP") { cohort group size cells { periodOffset active share } actives } }',
  '{ timeline { period series activeCustomers orders revenue } }',
  '{ geoSegments { state stateName lat lng customers churnRisk revenue topSegment segments { segment customers } } }',
  '{ rfmGrid { r f customers revenue segment } }',
  '{ segmentOverlap { modelId customers adjustedRandIndex cells { rfmSegment clusterId clusterName customers } } }',
  '{ warehouseStats { customers orders orderItems payments reviews firstOrderAt lastOrderAt } }',
];
const gcIn = new Map<string, number[]>();
const allGcs: { start: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) allGcs.push({ start: e.startTime, ms: e.duration });
}).observe({ entryTypes: ['gc'] });
async function start(url: string, cond = 'base') {
  WARM.length = 0;
  WARM.push(...(cond.includes('old') ? OLD_WARM : BASE_WARM), ...(cond.includes('texts') ? QUERIES.flatMap(([, q]) => (typeof q === 'string' ? [q] : [])) : []));
  DASHBOARD_WARM.length = 0;
  if (!cond.includes('old')) DASHBOARD_WARM.push(...BASE_DASHBOARD_WARM);
  const ds = createDataSource(url, dataModel, { poolSize: 4 });
  await ds.initialize();
  const server = await createServer({
    db: { ds },
    port: 0,
    host: '127.0.0.1',
    settings: { apiKeys: '', sandbox: false, introspection: false, rateLimitPoints: 0 },
    logger: pino({ level: 'silent' }),
  });
  if (cond.includes('gc')) (globalThis as unknown as { gc(): void }).gc();
  if (detail) {
    server.httpServer.prependListener('request', () => mark('http request event'));
  }
  return { server, stop: async () => (await server.stop(), await ds.destroy()) };
}

const session = profileDir ? new inspector.Session() : undefined;
const send = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) => session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));

async function firstCall(url: string, name: string, query: Operation | string, rep: number, cond: string): Promise<number> {
  const s0 = performance.now();
  const a = await start(url, cond);
  startMs.set(cond, [...(startMs.get(cond) ?? []), performance.now() - s0]);
  try {
    if (session) {
      await send('Profiler.setSamplingInterval', { interval: 100 });
      await send('Profiler.start');
    }
    events.length = 0;
    if (process.env.PROBE_MARK) (process as unknown as { _rawDebug(s: string): void })._rawDebug(`>>> first call ${name} #${rep}`);
    window0 = performance.now();
    const w0 = window0;
    const ms = await post(a.server.graphqlUrl, query);
    lastWindow.end = performance.now();
    await new Promise((r) => setImmediate(r));
    window0 = -1;
    if (process.env.PROBE_MARK) (process as unknown as { _rawDebug(s: string): void })._rawDebug(`<<< ${name} #${rep} ${ms.toFixed(1)} ms`);
    if (session) {
      const { profile } = (await send('Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(`${profileDir}/${name}-${rep}.cpuprofile`, JSON.stringify(profile));
    }
    if (detail) {
      await new Promise((r) => setTimeout(r, 20));
      const w1 = w0 + ms;
      for (const g of gcs) if (g.start < w1 && g.start + g.ms > w0) events.push(`GC kind=${g.kind} ${g.ms.toFixed(1)} ms from ${(g.start - w0).toFixed(1)}`);
      gcs.length = 0;
      process.stderr.write(`--- ${cond} ${name} #${rep}: ${ms.toFixed(1)} ms\n  ${events.join('\n  ')}\n`);
      // The same query again on the same service (warm connection) for comparison.
      events.length = 0;
      window0 = performance.now();
      const w2 = window0;
      const again = await post(a.server.graphqlUrl, query);
      await new Promise((r) => setImmediate(r));
      window0 = -1;
      await new Promise((r) => setTimeout(r, 20));
      for (const g of gcs) if (g.start < w2 + again && g.start + g.ms > w2) events.push(`GC kind=${g.kind} ${g.ms.toFixed(1)} ms from ${(g.start - w2).toFixed(1)}`);
      gcs.length = 0;
      process.stderr.write(`    again: ${again.toFixed(1)} ms\n  ${events.join('\n  ')}\n`);
    }
    return ms;
  } finally {
    await a.stop();
  }
}

async function main() {
  const url = process.argv[2];
  const reps = Number(process.argv[3] ?? 5);
  session?.connect();
  if (session) await send('Profiler.enable');
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const load0 = os.loadavg()[0];
  // The bench runs fresh services in a process that has already worked (seeded, trained, served): warm the process.
  {
    const w = await start(url);
    QUERIES = [...QUERIES, ...(await dashboardReads(w.server.graphqlUrl)), ...CLIENT_TEXTS];
    for (const [, q] of QUERIES) for (let i = 0; i < 3; i++) await post(w.server.graphqlUrl, q);
    await w.stop();
  }
  const only = process.env.PROBE_ONLY?.split(',');
  const queries = only ? QUERIES.filter(([n]) => only.some((o) => n.startsWith(o))) : QUERIES;
  const conds = (process.env.PROBE_CONDS ?? 'base').split(',');
  // As bench/bi.bench.ts fresh(): the query as the first request of a fresh service; then, on another fresh
  // service that has served the bare page 3 times, the query's first call there and the median of 5 warm calls.
  const rows = new Map<string, { first: number[]; firstWarmed: number[]; warm: number[] }>();
  for (let rep = 0; rep < reps; rep++) {
    for (const cond of conds)
      for (const [name, q] of queries) {
        const k = `${cond} ${name}`;
        const r = rows.get(k) ?? { first: [], firstWarmed: [], warm: [] };
        rows.set(k, r);
        const ms = await firstCall(url, name, q, rep, cond);
        r.first.push(ms);
        await new Promise((res) => setTimeout(res, 10));
        const w1 = lastWindow.end;
        gcIn.set(k, [...(gcIn.get(k) ?? []), allGcs.filter((g) => g.start < w1 && g.start + g.ms > w1 - ms).reduce((acc, g) => acc + g.ms, 0)]);
        allGcs.length = 0;
        const b = await start(url, cond);
        try {
          for (let i = 0; i < 3; i++) await post(b.server.graphqlUrl, PAGE);
          r.firstWarmed.push(await post(b.server.graphqlUrl, q));
          const xs: number[] = [];
          for (let i = 0; i < 5; i++) xs.push(await post(b.server.graphqlUrl, q));
          r.warm.push(median(xs));
        } finally {
          await b.stop();
        }
      }
  }
  for (const [c, xs] of startMs) process.stdout.write(`${c}: service start (pool, schema, Apollo, warm-up) median ${median(xs).toFixed(0)} ms\n`);
  process.stdout.write(`${reps} runs of each; load average ${load0.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end\n`);
  for (const cond of conds) {
    const page = median(rows.get(`${cond} page`)?.warm ?? [NaN]);
    process.stdout.write(`[${cond}] warm page ${page.toFixed(2)} ms (median over runs of each run's median of 5)\n`);
    for (const [name] of queries) {
      const r = rows.get(`${cond} ${name}`)!;
      const f = (xs: number[]) => `${median(xs).toFixed(1)} ms ${(median(xs) / page).toFixed(1)}×`;
      const g = gcIn.get(`${cond} ${name}`)!;
      process.stdout.write(`  ${name.padEnd(9)} first ${f(r.first)} | first on page-warmed service ${f(r.firstWarmed)} | warm ${f(r.warm)} | GC in first call ${g.filter((x) => x > 0).length}/${g.length}\n`);
    }
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
