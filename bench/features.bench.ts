import { config } from '../src/config';
import fs from 'node:fs';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import { seedWarehouse } from '../seeds/seed.service';
import { clusteringFeatures } from '../src/features/catalogue';
import { readFeatureMatrix, sampleFeatureMatrix } from '../src/features/feature-matrix.service';
import { computeFeatures, deleteSnapshot, STATEMENT_SETTINGS } from '../src/features/features.service';
import { scoreSegments } from '../src/models/steps/scoring.step';
import { rebuildOrderFactsNow } from '../src/warehouse/order-fact.service';
import { median, timeRuns, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * Feature SQL against "the scan": one plain query that aggregates count and sum per customer over orders,
 * order_item, order_payment and order_review separately and joins the four aggregates — the least any
 * per-customer computation over those tables has to read. The feature run is the whole snapshot write
 * (INSERT … SELECT into a fresh partition, attach with index build and foreign-key checks); it starts from
 * order_fact, the per-order table the loaders write, whose full rebuild is timed and reported beside. Runs alternate
 * (scan, features, scan, …) so that a busy machine slows both alike; medians are reported. Goal: ≤ 1.5×.
 */
export const SCAN_SQL = `
SELECT count(*) AS customers, sum(o.n) AS orders, max(o.last) AS last_purchase, sum(i.n) AS items, sum(i.s) AS item_value,
       sum(p.n) AS payments, sum(p.s) AS paid, sum(r.n) AS reviews, sum(r.s) AS score_sum
  FROM (SELECT customer_id, count(*) AS n, max(purchased_at) AS last FROM orders GROUP BY customer_id) o
  LEFT JOIN (SELECT o.customer_id, count(*) AS n, sum(i.price + i.freight) AS s
               FROM order_item i JOIN orders o ON o.id = i.order_id GROUP BY o.customer_id) i USING (customer_id)
  LEFT JOIN (SELECT o.customer_id, count(*) AS n, sum(p.value) AS s
               FROM order_payment p JOIN orders o ON o.id = p.order_id GROUP BY o.customer_id) p USING (customer_id)
  LEFT JOIN (SELECT o.customer_id, count(*) AS n, sum(r.score) AS s
               FROM order_review r JOIN orders o ON o.id = r.order_id GROUP BY o.customer_id) r USING (customer_id)`;

export interface FeatureBenchResult {
  customers: number;
  orders: number;
  scanMs: number[];
  featuresMs: number[];
  /** Server CPU time of each run (null when the server is not a local process). */
  scanCpuMs: (number | null)[];
  featuresCpuMs: (number | null)[];
  /** computeFeatures' own duration (create + INSERT … SELECT + attach), per run. */
  statementMs: number[];
  /** scoreSegments: RFM and ABC/XYZ of every customer (read + score). */
  scoringMs: number;
  /** Rebuilding order_fact from the fact tables (what a load pays, once). */
  orderFactMs: number;
  matrixMs: number;
  sampleMs: number;
  /** 1-minute load average before and after the timed runs (the machine may be shared). */
  load: string;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * CPU time (user + system, ms) used so far by the server processes serving database `db`, when the server runs
 * on this Linux machine (embedded, or DATABASE_URL on localhost); null otherwise. Unlike wall time it hardly
 * moves when other work shares the CPUs, so the scan/features ratio is also given in CPU time. Assumes the
 * usual 100 clock ticks per second.
 */
function serverCpuMs(db: string): number | null {
  if (process.platform !== 'linux') return null;
  let ticks = 0;
  let found = false;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmd.startsWith('postgres:') || !cmd.includes(` ${db} `)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // the process ended meanwhile
    }
  }
  return found ? ticks * 10 : null;
}

async function cpuOf(db: string, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number | null }> {
  const c0 = serverCpuMs(db);
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = ms(t0);
  const c1 = serverCpuMs(db);
  return { wall, cpu: c0 === null || c1 === null ? null : c1 - c0 };
}

/** Measures an already populated warehouse. */
export async function measureFeatures(ds: DataSource, runs = 5): Promise<FeatureBenchResult> {
  const [{ orders }] = await ds.query(`SELECT count(*)::int AS orders FROM orders`);
  // Warm-up: both read every table once so neither pays for a cold cache.
  await ds.query(SCAN_SQL);
  await deleteSnapshot(ds, (await computeFeatures(ds)).snapshotId);
  const [{ db }] = await ds.query(`SELECT current_database() AS db`);
  const loadBefore = os.loadavg()[0];
  const scanMs: number[] = [];
  const featuresMs: number[] = [];
  const scanCpuMs: (number | null)[] = [];
  const featuresCpuMs: (number | null)[] = [];
  const statementMs: number[] = [];
  let last = 0;
  let customers = 0;
  // Both sides serial (INSERT … SELECT never runs in parallel, so the scan does not either) and with the
  // feature statement's own settings (work_mem, no JIT), so neither gets memory or compilation the other lacks.
  const scanSerial = () =>
    ds.transaction(async (m) => {
      await m.query('SET LOCAL max_parallel_workers_per_gather = 0');
      for (const s of STATEMENT_SETTINGS) await m.query(s);
      return m.query(SCAN_SQL);
    });
  for (let i = 0; i < runs; i++) {
    const scan = await cpuOf(db, scanSerial);
    scanMs.push(scan.wall);
    scanCpuMs.push(scan.cpu);
    if (last) await deleteSnapshot(ds, last);
    const feat = await cpuOf(db, async () => {
      const snap = await computeFeatures(ds);
      statementMs.push(snap.durationMs);
      last = snap.snapshotId;
      customers = snap.customers;
    });
    featuresMs.push(feat.wall);
    featuresCpuMs.push(feat.cpu);
    process.stderr.write(`  run ${i + 1}: scan ${scan.wall.toFixed(0)} ms (cpu ${scan.cpu ?? '?'}), features ${feat.wall.toFixed(0)} ms (cpu ${feat.cpu ?? '?'})\n`);
  }
  const load = `${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`;
  const [{ ids }] = await ds.query(`SELECT array_agg(customer_id ORDER BY customer_id) AS ids FROM customer_features WHERE snapshot_id = $1`, [last]);
  let t0 = process.hrtime.bigint();
  await scoreSegments(ds, last, Int32Array.from(ids as number[]));
  const scoringMs = ms(t0);
  // What the loaders pay once per load so that snapshots can start from one row per order.
  const orderFactMs = (await rebuildOrderFactsNow(ds)).durationMs;
  const names = clusteringFeatures().map((f) => f.name);
  t0 = process.hrtime.bigint();
  await readFeatureMatrix(ds, last, names, { batchSize: 50_000, onBatch: () => undefined });
  const matrixMs = ms(t0);
  t0 = process.hrtime.bigint();
  await sampleFeatureMatrix(ds, last, names, 20_000, 1);
  const sampleMs = ms(t0);
  await deleteSnapshot(ds, last);
  return { customers, orders, scanMs, featuresMs, scanCpuMs, featuresCpuMs, statementMs, scoringMs, orderFactMs, matrixMs, sampleMs, load };
}

const fmt = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x).toLocaleString('en')} ms`);

export function featureBenchRow(r: FeatureBenchResult): string {
  const scan = median(r.scanMs);
  const feat = median(r.featuresMs);
  const best = Math.min(...r.featuresMs) / Math.min(...r.scanMs);
  const cpu = r.scanCpuMs.every((x) => x !== null) && r.featuresCpuMs.every((x) => x !== null)
    ? `${fmt(median(r.scanCpuMs as number[]))} / ${fmt(median(r.featuresCpuMs as number[]))} = **${(median(r.featuresCpuMs as number[]) / median(r.scanCpuMs as number[])).toFixed(2)}×**`
    : 'n/a';
  return `| ${r.customers.toLocaleString('en')} | ${r.orders.toLocaleString('en')} | ${fmt(scan)} | ${fmt(feat)} | ${fmt(median(r.statementMs))} | **${(feat / scan).toFixed(2)}×** | ${best.toFixed(2)}× | ${cpu} | ${fmt(r.scoringMs)} | ${fmt(r.orderFactMs)} | ${fmt(r.matrixMs)} | ${fmt(r.sampleMs)} | ${r.load} |`;
}

registerBench('features', async () => {
  // A benchmark-only switch, so it is read here rather than in the service's config.
  const sizes = config().BENCH_FULL ? [100_000, 1_000_000] : [100_000];
  const lines = [
    `| customers (with a purchase) | orders | scan | features | of which SQL + attach | ratio (medians) | ratio (best runs) | server CPU scan / features | RFM + ABC/XYZ scoring | order_fact build (at load) | matrix read (${clusteringFeatures().length} features) | 20k sample | load avg |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const customers of sizes) {
    const db = await scratchDatabase();
    try {
      process.stderr.write(`  seeding ${customers.toLocaleString('en')} customers…\n`);
      await seedWarehouse(db.ds, { customers, seed: 42 });
      // More runs where they are short: a shared machine's noise is then a larger share of each.
      const r = await measureFeatures(db.ds, customers <= 100_000 ? 11 : 5);
      const line = featureBenchRow(r);
      process.stderr.write(`${line}\n`);
      lines.push(line);
    } finally {
      await db.drop();
    }
  }
  writeSection(
    'Feature SQL',
    `${lines.join('\n')}\n\n` +
      'Medians (and the ratio of the fastest runs) of 11 alternating runs at 100k and 5 at 1M, after one warm-up of each; on a shared machine ' +
      'the server CPU time of the database\'s processes is the steadier measure. Parallel query is off for both sides, and both run with the feature statement\'s settings (work_mem 256MB, JIT off). ' +
      '"scan" = one query aggregating count/sum per customer over ' +
      'orders, order_item, order_payment and order_review separately and joining them (bench/features.bench.ts); "features" = ' +
      '`computeFeatures` end to end (one INSERT … SELECT into a fresh partition, attach with bulk index build and set-based ' +
      'foreign-key checks, ANALYZE); it reads the per-order table order_fact, which the loaders write once per load — its ' +
      'full rebuild from the fact tables is the "order_fact build" column. RFM + ABC/XYZ: scoreSegments over the snapshot ' +
      '(one ordered read of four features, pure scoring in Node). Matrix read: ' +
      'every row of the default clustering features by keyset pages of 50,000.',
  );
});
