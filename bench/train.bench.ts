import { seedWarehouse } from '../seeds/seed.service';
import { config } from '../src/config';
import { train } from '../src/models/train.pipeline';
import { peakRssMiB, resetPeakRss, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * `segmenta train` end to end at 100k customers (and 1M with BENCH_FULL=1): time per step, total, and the
 * process's peak RSS during training only (the counter is reset after seeding). Goals at 1M on 2 cores:
 * ≤ 60 s and ≤ 1.5 GB.
 */
registerBench('train', async () => {
  const sizes = config().BENCH_FULL ? [100_000, 1_000_000] : [100_000];
  const rows: string[] = ['| customers | total | features | clusters | assign | churn | classifier | persist | k | peak RSS (training) |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const customers of sizes) {
    const db = await scratchDatabase();
    try {
      process.stderr.write(`  seeding ${customers} customers…\n`);
      await seedWarehouse(db.ds, { customers, seed: 42 });
      await db.ds.query('VACUUM ANALYZE');
      const measured = resetPeakRss();
      const res = await train(db.ds, { seed: 42 });
      const rss = peakRssMiB();
      const [run] = await db.ds.query(`SELECT step_timings FROM training_run WHERE id = $1`, [res.runId]);
      const t = Object.fromEntries((run.step_timings as { step: string; ms: number }[]).map((x) => [x.step, x.ms]));
      const s = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);
      const line = `| ${customers.toLocaleString('en')} | ${s(res.durationMs)} | ${s(t.features)} | ${s(t.clusters)} | ${s(t.assign)} | ${s(t.churn)} | ${s(t.classifier)} | ${s(t.persist)} | ${res.k} | ${measured ? `${rss.toFixed(0)} MiB` : 'n/a'} |`;
      process.stderr.write(`${line}\n`);
      rows.push(line);
    } finally {
      await db.drop();
    }
  }
  writeSection('Train (whole pipeline)', `Goals at 1M customers: ≤ 60 s, peak RSS ≤ 1.5 GB.\n\n${rows.join('\n')}`);
});
