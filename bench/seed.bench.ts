import { config } from '../src/config';
import os from 'node:os';
import { seedWarehouse, type SeedReport } from '../seeds/seed.service';
import { peakRssMiB, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * `segmenta seed` at scale: 100k customers (and 1M with BENCH_FULL=1), each into a fresh scratch database.
 * Reports wall time (split into generating + COPY, and rebuilding indexes and keys), rows written per second
 * and the process's peak RSS (memory must stay flat with size).
 */
registerBench('seed', async () => {
  const sizes = config().BENCH_FULL ? [100_000, 1_000_000] : [100_000];
  const lines: string[] = [
    '| customers | wall time | generate + COPY | indexes + keys | rows written | rows/s | orders | items | peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  let server = '';
  const load = os.loadavg()[0];
  for (const customers of sizes) {
    const db = await scratchDatabase();
    let report: SeedReport;
    const t0 = Date.now();
    let indexStart = 0;
    let indexEnd = 0;
    try {
      server = ((await db.ds.query(`SELECT split_part(version(), ' on ', 1) AS v`)) as { v: string }[])[0].v;
      let last = 0;
      report = await seedWarehouse(db.ds, {
        customers,
        seed: 42,
        onProgress: (e) => {
          const now = Date.now();
          if (e.step === 'building indexes and keys') {
            if (e.done === 0) indexStart = now;
            else indexEnd = now;
          }
          if (now - last > 10_000 || e.done === e.total) {
            last = now;
            process.stderr.write(`  ${e.step}: ${e.done}/${e.total} (rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)\n`);
          }
        },
      });
    } finally {
      await db.drop();
    }
    const total = Object.values(report.rows).reduce((a, b) => a + b, 0);
    const secs = report.elapsedMs / 1000;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const n = (x: number) => x.toLocaleString('en');
    const line =
      `| ${n(customers)} | ${secs.toFixed(1)} s | ${s(indexStart - t0)} | ${s(indexEnd - indexStart)} | ${n(total)} | ` +
      `${n(Math.round(total / secs))} | ${n(report.rows.orders)} | ${n(report.rows.order_item)} | ${peakRssMiB().toFixed(0)} MiB |`;
    process.stderr.write(`${line}\n`);
    lines.push(line);
  }
  writeSection(
    'Seed',
    `${lines.join('\n')}\n\n${server}; load average ${load.toFixed(1)} at start. One transaction per run, COPY in chunks of ` +
      '10,000 customers; wall time includes the final ANALYZE. Peak RSS is the whole bench process so far (it only ' +
      'grows), so the figure for a larger run includes the smaller one.',
  );
});
