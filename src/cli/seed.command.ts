import type { Command } from 'commander';
import { MIX_NAMES, type MixName } from '../../seeds/behaviour';
import { DEFAULT_AS_OF, DEFAULT_HORIZON_DAYS, seedWarehouse, type SeedReport } from '../../seeds/seed.service';
import { config } from '../config';
import { parseIntArg } from './migrate.command';
import { printTable, withDatabase } from './context';
import { terminalProgress } from './progress';

interface SeedCommandOptions {
  customers?: number;
  seed?: number;
  asOf?: Date;
  horizonDays?: number;
  truthOut?: string;
  replace?: boolean;
  chunkSize?: number;
  mix?: MixName;
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('fill an empty warehouse with a deterministic synthetic Olist-like store (same seed, same data)')
    .option('--customers <n>', 'number of customers (default DEMO_CUSTOMERS, 20000)', (v) => parseIntArg('--customers', v))
    .option('--seed <s>', 'random seed (default DEMO_SEED, 42)', (v) => parseIntArg('--seed', v, 0))
    .option('--as-of <date>', `the warehouse holds facts before this date, YYYY-MM-DD (default ${DEFAULT_AS_OF.toISOString().slice(0, 10)})`, parseDateArg)
    .option('--horizon-days <n>', `days after as-of that decide seed_truth.churned_after_as_of (default ${DEFAULT_HORIZON_DAYS})`, (v) => parseIntArg('--horizon-days', v))
    .option('--truth-out <file>', 'also write the ground truth as CSV (customer_unique_id,latent_type,churned_after_as_of)')
    .option('--replace', 'truncate the warehouse first (in the same transaction) instead of refusing a non-empty one')
    .option('--mix <name>', 'mix of latent customer types: demo (Olist-like, four in five buy once) or balanced (most buy again)', parseMix)
    .option('--chunk-size <n>', 'customers generated per round of COPY statements (default 10000)', (v) => parseIntArg('--chunk-size', v))
    .action(async (opts: SeedCommandOptions) => {
      const c = config();
      await withDatabase(async (db) => {
        const bar = terminalProgress();
        let report: SeedReport;
        try {
          report = await seedWarehouse(db.ds, {
            customers: opts.customers ?? c.DEMO_CUSTOMERS,
            seed: opts.seed ?? c.DEMO_SEED,
            asOf: opts.asOf,
            horizonDays: opts.horizonDays,
            truthOut: opts.truthOut,
            replace: opts.replace,
            chunkSize: opts.chunkSize,
            mix: opts.mix,
            onProgress: bar,
          });
        } finally {
          bar.stop();
        }
        printSeedReport(report);
      });
    });
}

export function printSeedReport(report: SeedReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`seeded ${report.customers} customers (seed ${report.seed}, mix ${report.mix}, as of ${report.asOf}, horizon ${report.horizonDays} days) in ${(report.elapsedMs / 1000).toFixed(1)} s\n\n`);
  printTable(Object.entries(report.rows).map(([table, rows]) => ({ table, rows })), out);
  out.write('\n');
  printTable(
    report.latentTypes.map((t) => ({
      latent_type: t.type,
      customers: t.customers,
      share: pct(t.share),
      churned_after_as_of: pct(t.churned),
      orders_per_customer: t.ordersPerCustomer.toFixed(2),
    })),
    out,
  );
  out.write(`\none-time buyers: ${pct(report.oneTimeShare)}${report.truthOut ? `; ground truth written to ${report.truthOut}` : ''}\n`);
}

function parseMix(v: string): MixName {
  if (!(MIX_NAMES as string[]).includes(v)) throw new Error(`--mix must be one of ${MIX_NAMES.join(', ')} (got "${v}")`);
  return v as MixName;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function parseDateArg(v: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== v) throw new Error(`--as-of must be a date as YYYY-MM-DD (got "${v}")`);
  return d;
}
