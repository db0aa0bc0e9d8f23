import { lastIncludedDay } from '../shared/as-of';
import type { Command } from 'commander';
import { activateModel, listModels } from '../models/model-registry.service';
import { train, type TrainResult } from '../models/train.pipeline';
import { validateTrainRequest, type TrainRequestNames } from '../models/train-request';
import { parseIntArg } from './migrate.command';
import { parseDateArg } from './seed.command';
import { printTable, withDatabase } from './context';
import { terminalProgress } from './progress';
import type { ClusteringAlgorithm } from '../segmentation/cluster-model';

/** The flags that carry each field of a training request, for its errors. */
const TRAIN_FLAGS: TrainRequestNames = { fields: { algorithm: '--algorithm', k: '--k', singleDayCluster: '--single-day-cluster', kMax: '--k-max', seed: '--seed', asOf: '--as-of' } };

interface TrainCommandOptions {
  algorithm?: string;
  k?: string;
  singleDayCluster?: boolean;
  seed?: number;
  asOf?: Date;
  kMax?: number;
  sample?: number;
  churnModel?: 'bg-nbd' | 'mbg-nbd';
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('compute features, segment (RFM, ABC/XYZ, KMeans or a Gaussian mixture), fit churn and value models and the classifier; activate the new version')
    .option('--algorithm <a>', 'clustering engine: kmeans (default; k by silhouette) or gmm (full-covariance Gaussian mixture; k by ICL with a seed-stability guard)')
    .option('--single-day-cluster', 'customers who bought on a single day as a cluster of their own, k searched on the others: clusters that follow customer types rather than acquisition date and spend')
    .option('--k <k>', '"auto" (silhouette search over 2..--k-max) or a fixed number of clusters', 'auto')
    .option('--k-max <n>', 'largest k the search tries (default 10)', (v) => parseIntArg('--k-max', v, 2))
    .option('--seed <s>', 'random seed (default 42)', (v) => parseIntArg('--seed', v, 0))
    .option('--as-of <date>', 'train as of this day YYYY-MM-DD: purchases made on it count and customer age T is measured to it, like lifetimes\' observation_period_end (default: the day of the last order)', parseDateArg)
    .option('--sample <n>', 'customers the clusters are fitted on (default 50000; everyone is then assigned)', (v) => parseIntArg('--sample', v, 100))
    .option('--churn-model <m>', 'transaction model for churn: mbg-nbd (default) or bg-nbd')
    .action(async (opts: TrainCommandOptions) => {
      const k = opts.k === undefined || opts.k === 'auto' ? undefined : parseIntArg('--k', opts.k, 2);
      if (opts.churnModel && !['bg-nbd', 'mbg-nbd'].includes(opts.churnModel)) throw new Error('--churn-model must be bg-nbd or mbg-nbd');
      await withDatabase(async (db) => {
        const request = { algorithm: opts.algorithm as ClusteringAlgorithm | undefined, k, singleDayCluster: opts.singleDayCluster ?? false, seed: opts.seed, asOf: opts.asOf, kMax: opts.kMax };
        await validateTrainRequest(db.ds, request, TRAIN_FLAGS);
        const bar = terminalProgress();
        let res: TrainResult;
        try {
          res = await train(db.ds, { ...request, fitSampleSize: opts.sample, churnModel: opts.churnModel, onProgress: bar, requestedBy: 'cli' });
        } finally {
          bar.stop();
        }
        await printTrainSummary(db.ds, res);
      });
    });

  program
    .command('models')
    .description('list model versions, newest first')
    .option('--limit <n>', 'how many (default 20)', (v) => parseIntArg('--limit', v), 20)
    .action(async (opts: { limit: number }) => {
      await withDatabase(async (db) => {
        const models = await listModels(db.ds, { limit: opts.limit });
        printTable(
          models.map((m) => ({
            id: m.id,
            active: m.isActive ? '*' : '',
            status: m.status,
            created: m.createdAt.toISOString().slice(0, 19).replace('T', ' '),
            asOf: m.asOf.toISOString().slice(0, 10),
            k: m.k,
            customers: m.customers,
            silhouette: (m.metrics.silhouette as number | null) ?? null,
            macroF1: ((m.metrics.classifier as { macroF1?: number } | undefined)?.macroF1) ?? null,
          })),
        );
      });
    });

  program
    .command('activate <id>')
    .description('make a model version the active one (roll back to an older version)')
    .action(async (id: string) => {
      const n = parseIntArg('<id>', id);
      await withDatabase(async (db) => {
        const m = await activateModel(db.ds, n);
        process.stdout.write(`model ${m.id} (${m.name}) is now active\n`);
      });
    });
}

async function printTrainSummary(ds: import('typeorm').DataSource, res: TrainResult): Promise<void> {
  const out = process.stdout;
  out.write(`\nmodel ${res.modelId} active · run ${res.runId} · ${res.customers} customers as of ${lastIncludedDay(res.asOf).toISOString().slice(0, 10)} (that day included) · ${(res.durationMs / 1000).toFixed(1)} s\n`);
  out.write(`k = ${res.k} · silhouette ${res.silhouette?.toFixed(3) ?? 'n/a'} · ARI vs previous ${res.ariVsPrevious?.toFixed(3) ?? 'n/a'} · classifier macro-F1 ${res.classifierMacroF1.toFixed(3)}\n`);
  if (res.churn?.source === 'empirical_repeat') {
    out.write(`churn: empirical repeat estimate by recency × frequency (${res.churn.decision?.reason ?? ''})\n`);
  } else if (res.churn?.transaction) {
    const p = res.churn.transaction.params;
    out.write(`churn model ${res.churn.model}: r ${p.r.toFixed(3)} α ${p.alpha.toFixed(3)} a ${p.a.toFixed(3)} b ${p.b.toFixed(3)}\n`);
  } else {
    out.write('churn model: not fitted (segment churn risk = RFM tier share)\n');
  }
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT kind, priority_rank AS rank, name, size, round((share * 100)::numeric, 1) AS "share %",
            round((churn_risk * 100)::numeric, 1) AS "churn %", round((value_if_retained_total / NULLIF(size, 0))::numeric, 2) AS "if retained/cust",
            round(value_at_risk::numeric, 0) AS "value at risk", recommended_action AS action
       FROM segment_profile WHERE model_version_id = $1 AND kind IN ('CLUSTER', 'RFM') ORDER BY kind, priority_rank`,
    [res.modelId],
  );
  out.write('\n');
  printTable(rows.map((r) => ({ ...r, 'share %': Number(r['share %']), 'churn %': Number(r['churn %']), 'if retained/cust': Number(r['if retained/cust']), 'value at risk': Number(r['value at risk']) })));
}
