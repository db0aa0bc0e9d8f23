import { config } from '../src/config';
import os from 'node:os';
import { seedWarehouse } from '../seeds/seed.service';
import { train } from '../src/models/train.pipeline';
import { CohortBy } from '../src/graphql/analytics/analytics-enums';
import { clusterQuality } from '../src/graphql/analytics/cluster-quality.service';
import { cohortRetention } from '../src/graphql/analytics/cohort-retention.service';
import { geoSegments } from '../src/graphql/analytics/geo-segments.service';
import { resolveModel } from '../src/models/model-ref';
import { rfmGrid } from '../src/graphql/analytics/rfm-grid.service';
import { segmentMap } from '../src/graphql/analytics/segment-map.service';
import { segmentOverlap } from '../src/graphql/analytics/segment-overlap.service';
import { timeline } from '../src/graphql/analytics/timeline.service';
import { listSegments } from '../src/graphql/segments/segments.service';
import { SegmentKind } from '../src/graphql/segments/segment-kind.enum';
import { median, timeRuns, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

/**
 * The dashboard's analytics queries by their live SQL (the reference path, not the summary tables the API
 * reads: bi.bench.ts measures those), services without HTTP, on a seeded warehouse of 100k customers (1M with
 * BENCH_FULL=1) with a trained model: one warm-up run, then the median of 5. Goal: each ≤ 1 s at 100k, except
 * timeline, whose floor is the order_fact view's per-order value over every purchase (the reference row):
 * goal ≤ 1.5× that reference.
 *
 * Measured twice: right after training, and after ANALYZE of the partitioned parents customer_segment and
 * customer_features. Autovacuum never analyzes a partitioned parent, and without its statistics the planner
 * estimates joins on customer_id with default selectivities (plans with nested loops, and JIT compilation
 * triggered by inflated costs).
 */
registerBench('analytics', async () => {
  const sizes = config().BENCH_FULL ? [100_000, 1_000_000] : [100_000];
  const header = ['query', ...sizes.flatMap((n) => [`${n.toLocaleString('en')}: after training`, `${n.toLocaleString('en')}: parents analyzed`])];
  const lines = [`| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '---:').join('|')}|`];
  const results = new Map<string, string[]>();
  const notes: string[] = [];
  for (const customers of sizes) {
    const db = await scratchDatabase();
    try {
      const t0 = Date.now();
      await seedWarehouse(db.ds, { customers, seed: 42 });
      const t1 = Date.now();
      process.stderr.write(`${customers} seeded in ${((t1 - t0) / 1000).toFixed(1)} s\n`);
      const model = await train(db.ds, { seed: 42 });
      const t2 = Date.now();
      process.stderr.write(`${customers} trained in ${((t2 - t1) / 1000).toFixed(1)} s\n`);
      const [{ orders }] = await db.ds.query(`SELECT count(*)::int AS orders FROM orders`);
      notes.push(
        `${customers.toLocaleString('en')} customers, ${orders.toLocaleString('en')} orders: seed ${((t1 - t0) / 1000).toFixed(1)} s, ` +
          `train ${((t2 - t1) / 1000).toFixed(1)} s (k = ${model.k}); load average ${os.loadavg()[0].toFixed(1)} before the queries.`,
      );
      const id = model.modelId;
      const ref = await resolveModel(db.ds, id);
      const queries: [string, () => Promise<unknown>][] = [
        ['segments(kind: RFM)', () => listSegments(db.ds, id, SegmentKind.RFM)],
        ['clusterQuality', () => clusterQuality(db.ds, id)],
        ['rfmGrid', () => rfmGrid(db.ds, ref, 'live')],
        ['segmentOverlap', () => segmentOverlap(db.ds, ref, 'live')],
        ['segmentMap', () => segmentMap(db.ds, id)],
        ['cohortRetention', () => cohortRetention(db.ds, {}, 'live')],
        ['cohortRetention(by: STATE)', () => cohortRetention(db.ds, { by: CohortBy.STATE }, 'live')],
        ['timeline', () => timeline(db.ds, ref, {}, 'live')],
        ['geoSegments', () => geoSegments(db.ds, ref, 'live')],
        // Reference: reading every purchase's value from the order_fact view, which timeline cannot do without.
        ['(reference) count + sum(value) over order_fact', () => db.ds.query(`SELECT count(*), sum(value) FROM order_fact WHERE is_purchase`)],
      ];
      for (const phase of ['after training', 'parents analyzed']) {
        if (phase === 'parents analyzed') await db.ds.query(`ANALYZE customer_segment, customer_features`);
        for (const [name, run] of queries) {
          await run();
          const ms = median(await timeRuns(5, run));
          process.stderr.write(`${customers} ${phase} ${name}: ${ms.toFixed(1)} ms\n`);
          results.set(name, [...(results.get(name) ?? []), fmt(ms)]);
        }
      }
    } finally {
      await db.drop();
    }
  }
  for (const [name, cells] of results) lines.push(`| ${name} | ${cells.join(' | ')} |`);
  writeSection(
    'Analytics queries',
    `${lines.join('\n')}\n\nMedian of 5 after a warm-up run, services called directly (no HTTP). "parents analyzed" = after ` +
      '`ANALYZE customer_segment, customer_features` (autovacuum never analyzes partitioned parents).\n' +
      notes.map((n) => `- ${n}`).join('\n'),
  );
});
