import type { Command } from 'commander';
import { runBacktest } from '../models/backtest.service';
import { parseIntArg } from './migrate.command';
import { parseDateArg } from './seed.command';
import { printTable, withDatabase } from './context';
import { terminalProgress } from './progress';

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('fit every model as of --cutoff on earlier facts only, then score churn and value against the horizon after it')
    .requiredOption('--cutoff <date>', 'calibration end, YYYY-MM-DD', parseDateArg)
    .option('--horizon-days <n>', 'days after the cutoff that decide churn and value (default 90)', (v) => parseIntArg('--horizon-days', v), 90)
    .option('--seed <s>', 'random seed (default 42)', (v) => parseIntArg('--seed', v, 0))
    .option('--k <n>', 'fixed number of clusters (default: automatic)', (v) => parseIntArg('--k', v, 2))
    .option('--json', 'print the full results as JSON')
    .action(async (opts: { cutoff: Date; horizonDays: number; seed?: number; k?: number; json?: boolean }) => {
      await withDatabase(async (db) => {
        const bar = terminalProgress();
        const { id, results: r } = await runBacktest(db.ds, { cutoff: opts.cutoff, horizonDays: opts.horizonDays, seed: opts.seed, k: opts.k, onProgress: bar }).finally(() => bar.stop());
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ id, ...r }, null, 2)}\n`);
          return;
        }
        const out = process.stdout;
        out.write(`\nbacktest ${id}: cutoff ${r.cutoff.slice(0, 10)}, horizon ${r.horizonDays} days, ${r.customers} customers, churn rate ${(r.churnRate * 100).toFixed(1)}% (labels: ${r.labels})\n\nChurn (no purchase in the horizon):\n`);
        printTable(r.churn.map((c) => ({ score: c.score, AUC: c.auc, 'top-decile lift': c.topDecileLift })));
        out.write(`\nbest baseline: ${r.bestBaseline.score} (AUC ${r.bestBaseline.auc.toFixed(3)}); churn model ${r.modelBeatsBaselines ? 'at least as good' : 'WORSE'}\n`);
        if (r.value) {
          out.write(`\nValue: purchases predicted/actual ${r.value.purchasesSumRatio.toFixed(3)} (MAE ${r.value.purchasesMae.toFixed(3)}), spend predicted/actual ${r.value.spendSumRatio.toFixed(3)} (MAE ${r.value.spendMae.toFixed(2)})\n\nCalibration (expected vs actual purchases by decile):\n`);
          printTable(r.calibration.map((b) => ({ decile: b.bin, customers: b.count, predicted: b.meanPredicted, actual: b.meanActual })));
        }
        out.write('\nSegments in priority order:\n');
        printTable(
          r.segments.map((s) => ({
            kind: s.kind,
            rank: s.priorityRank,
            name: s.name,
            size: s.size,
            'pred churn': s.predictedChurnRisk,
            'actual churn': s.actualChurnRate,
            'pred purchases': s.predictedPurchases,
            'actual purchases': s.actualPurchases,
            'actual revenue': s.actualRevenue,
          })),
        );
      });
    });
}
