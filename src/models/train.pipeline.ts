import type { DataSource } from 'typeorm';
import { config } from '../config';
import { withTransaction } from '../db/data-source';
import { computeFeatures } from '../features/features.service';
import { PRIORITY_FORMULA } from '../segmentation/priority';
import { cutAfterDay } from '../shared/as-of';
import { badInput } from '../shared/errors';
import { validateTrainRequest } from './train-request';
import { noProgress, type ProgressFn } from '../shared/progress';
import { activeModel } from './model-registry.service';
import { loadChurnInputs, type ChurnModelInfo, type TransactionModelKind } from './steps/churn.step';
import { estimateChurn } from './steps/churn-decision.step';
import { trainClassifier } from './steps/classifier.step';
import { centroidsToOriginal } from '../segmentation/feature-space';
import { DEFAULT_ALGORITHM, type ClusteringAlgorithm } from '../segmentation/cluster-model';
import { KMeansModel } from '../segmentation/kmeans';
import { assignAll, fitClusters, spaceTransforms, type PreviousClusters } from './steps/clustering.step';
import { computeTimelineAhead, writeAggregates } from './steps/aggregates.step';
import { activateModelVersion, ariBetweenModels, churnTiers, insertModelVersion, writeAssignments, writeProfiles } from './steps/persist.step';
import { segmentMapProjection } from './steps/projection.step';
import { scoreSegments } from './steps/scoring.step';
import { storeRfmBoundaries } from './serving/classify.service';
import { acquireTrainingLock, createRun, RunTracker } from './training-run.service';

export const TRAIN_STEPS = ['features', 'clusters', 'assign', 'churn', 'classifier', 'persist'] as const;
export type TrainStep = (typeof TRAIN_STEPS)[number];

/** Each step's rough share of a run's time, for the progress fraction. */
const STEP_WEIGHTS: Record<TrainStep, number> = { features: 25, clusters: 20, assign: 15, churn: 10, classifier: 10, persist: 20 };

export interface TrainOptions {
  /** Clustering engine: 'kmeans' (default) or 'gmm' (full-covariance Gaussian mixture). */
  algorithm?: ClusteringAlgorithm;
  /** Fixed number of clusters; omitted = chosen by silhouette over kMin..kMax. */
  k?: number;
  /** The customers who bought on a single day as a cluster of their own (split-model.ts). Default false. */
  singleDayCluster?: boolean;
  kMin?: number;
  kMax?: number;
  seed?: number;
  /**
   * Train as of this day (UTC): purchases made on it count and T is measured to it, like lifetimes'
   * observation_period_end (src/shared/as-of.ts). Default: the day of the last order.
   */
  asOf?: Date;
  /** Customers the clusters are fitted on (seeded sample; everyone is then assigned). Default 50,000. */
  fitSampleSize?: number;
  churnModel?: TransactionModelKind;
  /** Horizon of the expected-purchases estimate, in days. Default 90. */
  horizonDays?: number;
  /** Make the new version the active one (default true). Backtests train inactive versions. */
  activate?: boolean;
  /** Stored as the version's status (default 'ready'; backtests use 'backtest'). */
  status?: string;
  onProgress?: ProgressFn;
  requestedBy?: string;
  /** An existing queued run to execute (the retrain mutation creates it first). */
  runId?: number;
  /** Stops the run at its next step or progress report (shutdown); the run is marked failed with the reason. */
  signal?: AbortSignal;
  /** Test hook: throw at the start of this step (for 'persist': inside its transaction, after all writes). */
  failAt?: TrainStep;
}

export interface TrainResult {
  runId: number;
  modelId: number;
  snapshotId: number;
  asOf: Date;
  k: number;
  customers: number;
  silhouette: number | null;
  ariVsPrevious: number | null;
  classifierMacroF1: number;
  churn: ChurnModelInfo | null;
  durationMs: number;
}

/**
 * features → clusters (sample fit, k search, stable ids) → assignment of everyone → churn/value models →
 * classifier → persist. Everything the new version consists of is written in ONE transaction that also
 * switches the active model, so a failure at any step leaves the previous model and its assignments as they
 * were and the run marked failed with the reason. One training at a time (PostgreSQL advisory lock).
 */
export async function train(ds: DataSource, opts: TrainOptions = {}): Promise<TrainResult> {
  await validateTrainRequest(ds, opts);
  const started = Date.now();
  const seed = opts.seed ?? 42;
  const progress = opts.onProgress ?? noProgress;
  const c = config();
  let lock: { release(): Promise<void> };
  try {
    lock = await acquireTrainingLock(ds, { waitMs: opts.runId ? 10_000 : 0 });
  } catch (e) {
    // A queued run that cannot start must not stay queued forever.
    if (opts.runId) await ds.query(`UPDATE training_run SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'queued'`, [opts.runId, (e as Error).message]);
    throw e;
  }
  let tracker: RunTracker | undefined;
  try {
    const params = {
      algorithm: opts.algorithm ?? DEFAULT_ALGORITHM,
      k: opts.k ?? 'auto',
      singleDayCluster: opts.singleDayCluster ?? false,
      kMin: opts.kMin ?? 2,
      kMax: opts.kMax ?? 10,
      seed,
      asOf: opts.asOf?.toISOString() ?? null,
      fitSampleSize: opts.fitSampleSize ?? 50_000,
      churnModel: opts.churnModel ?? 'mbg-nbd',
      horizonDays: opts.horizonDays ?? 90,
      clvHorizonMonths: c.CLV_HORIZON_MONTHS,
      monthlyDiscount: c.CLV_MONTHLY_DISCOUNT,
    };
    const runId = opts.runId ?? (await createRun(ds, params, opts.requestedBy)).id;
    tracker = new RunTracker(ds, runId, STEP_WEIGHTS);
    await tracker.start();
    const t = tracker;
    const stopIfAborted = () => {
      if (opts.signal?.aborted) throw new Error(String(opts.signal.reason ?? 'training stopped'));
    };
    const inject = (step: TrainStep) => {
      stopIfAborted();
      if (opts.failAt === step) throw new Error(`injected failure at step "${step}"`);
    };
    const enter = (step: TrainStep) => {
      // 'persist' fails late, inside its transaction, after every row is written: the rollback must undo them.
      if (step !== 'persist') inject(step);
      t.enter(step);
      progress({ step, done: 0, total: 1 });
    };
    const within = (step: TrainStep) => (fraction: number) => {
      t.report(fraction);
      progress({ step, done: Math.round(fraction * 1000) / 1000, total: 1 });
    };

    enter('features');
    const snap = await computeFeatures(ds, {
      asOf: opts.asOf ? cutAfterDay(opts.asOf) : undefined,
      onProgress: (e) => within('features')(e.total ? e.done / e.total : 0),
    });
    if (snap.customers === 0) throw badInput(`no customer has a purchase before ${snap.asOf.toISOString()}: nothing to train on`);

    enter('clusters');
    const previous = await activeModel(ds);
    const prevClusters = previous ? await previousClusters(ds, previous.id) : null;
    const clusters = await fitClusters(ds, snap.snapshotId, prevClusters, {
      seed,
      algorithm: params.algorithm,
      singleDayCluster: params.singleDayCluster,
      k: opts.k,
      kMin: params.kMin,
      kMax: params.kMax,
      fitSampleSize: params.fitSampleSize,
      nInit: 8,
      finalNInit: 8,
      silhouetteSample: 3000,
      progress: (e) => within('clusters')(e.total ? e.done / e.total : 0),
    });

    enter('assign');
    const assigned = await assignAll(ds, snap.snapshotId, clusters, snap.customers, (f) => within('assign')(0.6 * f));
    const scores = await scoreSegments(ds, snap.snapshotId, assigned.customerIds);
    within('assign')(1);

    enter('churn');
    const churnInputs = await loadChurnInputs(ds, snap.snapshotId, snap.asOf);
    // Fit, judge the fit by measurable rules, fall back to the empirical repeat estimate when it is not sound;
    // with no estimate at all, segments get the RFM tier share, labelled as such.
    const { churn, churnError } = await estimateChurn(ds, snap.asOf, churnInputs, {
      model: params.churnModel as TransactionModelKind,
      horizonDays: params.horizonDays,
      clvHorizonMonths: params.clvHorizonMonths,
      monthlyDiscount: params.monthlyDiscount,
    });

    // The model's summaries read all of order_fact and the snapshot's features: computed now from the assignments
    // in memory, on a connection of their own, they run beside the classifier's fit and the projection, and the
    // version's transaction only writes their rows (or builds them itself when a load came in between).
    const aheadStarted = Date.now();
    let timelineAheadMs: number | null = null;
    const timelineAhead = computeTimelineAhead(ds, {
      snapshotId: snap.snapshotId,
      customerIds: assigned.customerIds,
      churnTiers: churnTiers(scores, churn?.estimates ?? null),
      rfmSegments: scores.segment,
      clusterIds: assigned.clusterIds,
      r: scores.r,
      f: scores.f,
      churnProbability: Array.from(assigned.customerIds, (_, i) => {
        const p = churn ? churn.estimates.churnProbability[i] : NaN;
        return Number.isFinite(p) ? p : null;
      }),
    })
      .then((r) => ((timelineAheadMs = Date.now() - aheadStarted), r))
      .catch(() => null);

    enter('classifier');
    const sampleIds = Array.from(clusters.sampleLabels, (l) => clusters.clusterIds[l]);
    const classifier = await trainClassifier(ds, snap.snapshotId, clusters.space, clusters.sample, clusters.sampleScaled, sampleIds, seed);
    const projection = segmentMapProjection(clusters, sampleIds, seed);

    enter('persist');
    const centroidsOriginal = centroidsToOriginal(clusters.space, spaceTransforms(clusters.space), clusters.model.centroids);
    const keptNames = new Map<number, string>();
    clusters.matchedTo.forEach((m, i) => {
      if (m !== null && prevClusters?.names.has(m)) keptNames.set(clusters.clusterIds[i], prevClusters.names.get(m)!);
    });
    const persistTimings: Record<string, number> = {};
    // Sub-steps of a timed part, e.g. assignments.copy, measured from the previous lap.
    const lap = (part: string) => {
      let t = Date.now();
      return (label: string) => {
        persistTimings[`${part}.${label}`] = Date.now() - t;
        t = Date.now();
      };
    };
    const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      try {
        return await fn();
      } finally {
        persistTimings[label] = Date.now() - t0;
      }
    };
    const modelId = await withTransaction(ds, async (client) => {
      const metricsBase = {
        kSearch: clusters.search.curve,
        chosenBy: clusters.search.chosenBy,
        kReason: clusters.search.reason,
        allDegenerate: clusters.search.allDegenerate,
        final: clusters.search.final,
        silhouette: clusters.search.curve.find((p) => p.k === clusters.search.k)?.silhouette ?? null,
        algorithm: params.algorithm,
        inertia: clusters.search.model instanceof KMeansModel ? clusters.search.model.inertia : null,
        logLikelihood: clusters.search.model instanceof KMeansModel ? null : clusters.search.model.logLikelihood,
        droppedFeatures: clusters.space.dropped,
        classifier: classifier.metrics,
        churnError,
        sampleRows: clusters.sample.rows,
        rfmBoundaries: storeRfmBoundaries(scores.boundaries),
        singleDayCluster: clusters.singleDayShare === null ? null : { clusterId: clusters.clusterIds[0], sampleShare: clusters.singleDayShare },
      };
      const id = await insertModelVersion(client, {
        name: `${params.algorithm === 'kmeans' ? 'k' : 'gmm k'}${clusters.search.k} · seed ${seed} · as of ${snap.asOf.toISOString().slice(0, 10)}`,
        status: opts.status ?? 'ready',
        trainingRunId: runId,
        snapshotId: snap.snapshotId,
        asOf: snap.asOf,
        seed,
        k: clusters.search.k,
        algorithm: params.algorithm,
        customers: assigned.customerIds.length,
        params,
        featureNames: clusters.space.featureNames,
        imputation: Object.fromEntries(clusters.space.featureNames.map((f, j) => [f, clusters.space.medians[j]])),
        scaler: clusters.space.scaler,
        kmeans: { ...clusters.kmeans, clusterIds: clusters.clusterIds },
        classifier: classifier.json,
        churnModel: churn?.info ?? null,
        priority: { formula: PRIORITY_FORMULA, riskSource: churn?.info.source ?? 'rfm_tier', value: churn ? 'value_if_retained' : 'monetary' },
        projection,
        metrics: metricsBase,
      });
      within('persist')(0.1);
      await timed('assignments', () =>
        writeAssignments(client, id, assigned, scores, churn?.estimates ?? null, churn ? churnInputs.customerIds : null, lap('assignments')),
      );
      within('persist')(0.6);
      const profiles = await timed('profiles', () => writeProfiles(client, id, snap.snapshotId, {
        centroids: new Map(clusters.clusterIds.map((cid, i) => [cid, centroidsOriginal[i]])),
        keptNames,
      }, lap('profiles'), churn?.info.source ?? 'rfm_tier'));
      within('persist')(0.85);
      const ari = previous ? await timed('ari', () => ariBetweenModels(client, previous.id, id)) : null;
      await timed('aggregates', () => writeAggregates(client, id, lap('aggregates'), timelineAhead));
      await client.query(
        `UPDATE model_version SET metrics = metrics || $2::jsonb WHERE id = $1`,
        [id, JSON.stringify({ persistTimings, timelineAheadMs, ariVsPrevious: ari?.ari ?? null, previousModelId: previous?.id ?? null, ariCommonCustomers: ari?.commonCustomers ?? 0, clusterNames: Object.fromEntries(profiles.clusterNames), segmentsByKind: profiles.kinds })],
      );
      inject('persist');
      if (opts.activate !== false) await activateModelVersion(client, id);
      await t.succeed(id, client);
      return id;
    });
    await analyzeParents(ds);
    progress({ step: 'done', done: 1, total: 1 });
    const [m] = await ds.query(`SELECT metrics FROM model_version WHERE id = $1`, [modelId]);
    return {
      runId,
      modelId,
      snapshotId: snap.snapshotId,
      asOf: snap.asOf,
      k: clusters.search.k,
      customers: assigned.customerIds.length,
      silhouette: m.metrics.silhouette,
      ariVsPrevious: m.metrics.ariVsPrevious,
      classifierMacroF1: classifier.metrics.macroF1,
      churn: churn?.info ?? null,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    await tracker?.fail(e instanceof Error ? e.message : String(e)).catch(() => undefined);
    throw e;
  } finally {
    await lock.release();
  }
}

async function previousClusters(ds: DataSource, modelId: number): Promise<PreviousClusters & { names: Map<number, string> }> {
  const rows: { segment_key: string; name: string; centroid: Record<string, number> | null }[] = await ds.query(
    `SELECT segment_key, name, centroid FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' ORDER BY segment_key::int`,
    [modelId],
  );
  const usable = rows.filter((r) => r.centroid);
  return {
    ids: usable.map((r) => Number(r.segment_key)),
    centroids: usable.map((r) => r.centroid as Record<string, number>),
    names: new Map(rows.map((r) => [Number(r.segment_key), r.name])),
  };
}

/**
 * Autovacuum never analyzes a partitioned parent, and without parent statistics the planner misjudges every
 * join of customer_segment with customer_features (an API query took 10× longer). PostgreSQL 18+ can analyze
 * the parent alone; older servers re-sample the partitions too.
 */
async function analyzeParents(ds: DataSource): Promise<void> {
  const [{ v }] = await ds.query(`SELECT current_setting('server_version_num')::int AS v`);
  const only = v >= 180000 ? 'ONLY ' : '';
  await ds.query(`ANALYZE ${only}customer_segment, ${only}customer_features`);
}
