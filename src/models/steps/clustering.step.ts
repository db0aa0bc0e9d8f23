import type { DataSource } from 'typeorm';
import { FEATURES, featureDef, clusteringFeaturesFor, CENSORED_BY, ORDER_DETAIL_FEATURES, type ClusteringSource } from '../../features/catalogue';
import { readFeatureMatrix, sampleFeatureMatrix, type FeatureBatch } from '../../features/feature-matrix.service';

import { censoringOf, originalToSpace, toClusteringSpace, type DroppedFeature, type FeatureSpace, type FeatureTransform } from '../../segmentation/feature-space';
import type { StandardScalerJSON } from '../../segmentation/scaler';
import type { ClusteringAlgorithm } from '../../segmentation/cluster-model';
import { assignRows, meanOfRows, SplitClusterModel, storedClusterModelFromJSON, type StoredClusterModel, type StoredClusterModelJSON } from '../../segmentation/split-model';
import { searchKOffThread, type OffThreadSearch } from './k-search.thread';
import { matchCentroids } from '../../segmentation/matching';
import { StandardScaler } from '../../segmentation/scaler';
import { badInput } from '../../shared/errors';
import type { ProgressFn } from '../../shared/progress';

/** A feature enters clustering only when at least this share of the sample has it (else it is all imputation). */
export const MIN_FEATURE_PRESENCE = 0.5;

export interface ClusteringOptions {
  seed: number;
  algorithm: ClusteringAlgorithm;
  /** The single-day buyers as a cluster of their own, when there are enough of them and of the others. */
  singleDayCluster: boolean;
  k?: number;
  kMin: number;
  kMax: number;
  /** Rows the model is fitted on (seeded sample of the snapshot). */
  fitSampleSize: number;
  nInit: number;
  finalNInit: number;
  silhouetteSample: number;
  progress: ProgressFn;
}

export interface ClusteringResult {
  space: FeatureSpace;
  /** The search; with the single-day buyers apart, its k and curve count their cluster too (k = the engine's k + 1). */
  search: OffThreadSearch;
  /** The fitted model: the engine's, or the single-day buyers' cluster beside it (split-model.ts). */
  model: StoredClusterModel;
  /** Its stored form (model_version.kmeans; its `model` names the engine, or 'split'). */
  kmeans: StoredClusterModelJSON;
  /** Share of the fit sample that bought on a single day, when they are a cluster of their own; else null. */
  singleDayShare: number | null;
  /** Stable id of each cluster index (ids continue the previous model's clusters they match). */
  clusterIds: number[];
  /** Cluster index → id of the previous model's cluster it continues, or null. */
  matchedTo: (number | null)[];
  sample: FeatureBatch;
  /** Rows of `sample` in the clustering space (row-major). */
  sampleScaled: Float64Array;
  sampleLabels: Int32Array;
}

/** The catalogue's transform of each feature of `space`, in order (with the stand-in of a censored one). */
export function spaceTransforms(space: Pick<FeatureSpace, 'featureNames'>): FeatureTransform[] {
  return space.featureNames.map((f) => ({ ...featureDef(f), censoredBy: CENSORED_BY[f] ?? null }));
}

/**
 * The source of a warehouse, judged on the fit sample: a transaction log has none of the order-detail features
 * (reviews, deliveries, payments) for at least MIN_FEATURE_PRESENCE of its customers.
 */
export function detectSource(presence: ReadonlyMap<string, number>): ClusteringSource {
  return ORDER_DETAIL_FEATURES.some((f) => (presence.get(f) ?? 0) >= MIN_FEATURE_PRESENCE) ? 'orders' : 'transaction-log';
}

/**
 * The clustering space of a sample: candidates of its source, minus those absent for most customers (their values
 * would be mostly imputation) and those constant after transform and imputation (they cannot separate anyone).
 * `values` is row-major over `names`, which must hold every candidate of both sources.
 */
export function buildFeatureSpace(names: readonly string[], values: Float64Array, rows: number): { space: FeatureSpace; scaled: Float64Array } {
  const dAll = names.length;
  const presence = new Map<string, number>();
  names.forEach((f, j) => {
    let present = 0;
    for (let i = 0; i < rows; i++) if (!Number.isNaN(values[i * dAll + j])) present++;
    presence.set(f, present / Math.max(1, rows));
  });
  const source = detectSource(presence);
  const candidates = clusteringFeaturesFor(source).map((f) => f.name);
  const dropped: DroppedFeature[] = [];
  const col = (f: string): number => {
    const j = names.indexOf(f);
    if (j < 0) throw new Error(`the fit sample lacks the clustering candidate ${f}`);
    return j;
  };
  // A censored feature counts as present where its stand-in is.
  let kept = candidates.filter((f) => {
    const p = Math.max(presence.get(f)!, CENSORED_BY[f] ? presence.get(CENSORED_BY[f]) ?? 0 : 0);
    if (p >= MIN_FEATURE_PRESENCE) return true;
    dropped.push({ feature: f, presence: presence.get(f)!, reason: `absent: ${(presence.get(f)! * 100).toFixed(1)}% of customers have it (< ${MIN_FEATURE_PRESENCE * 100}%)` });
    return false;
  });
  const fill = (feats: string[]): { raw: Float64Array; medians: number[]; transformed: number[][] } => {
    const d = feats.length;
    const raw = new Float64Array(rows * d);
    const js = feats.map(col);
    for (let i = 0; i < rows; i++) for (let jj = 0; jj < d; jj++) raw[i * d + jj] = values[i * dAll + js[jj]];
    const censoredBy = censoringOf(feats, spaceTransforms({ featureNames: feats }));
    const medians = feats.map((_, jj) => {
      const vals: number[] = [];
      for (let i = 0; i < rows; i++) {
        let v = raw[i * d + jj];
        if (Number.isNaN(v) && censoredBy[jj] >= 0) v = raw[i * d + censoredBy[jj]];
        if (!Number.isNaN(v)) vals.push(v);
      }
      vals.sort((a, b) => a - b);
      const m = vals.length >> 1;
      return vals.length === 0 ? 0 : vals.length % 2 ? vals[m] : (vals[m - 1] + vals[m]) / 2;
    });
    // Same transform as toClusteringSpace, before the scaler exists.
    const identity: FeatureSpace = { featureNames: feats, medians, scaler: { mean: feats.map(() => 0), scale: feats.map(() => 1) } as StandardScalerJSON, dropped: [] };
    const t = toClusteringSpace(identity, spaceTransforms(identity), raw, rows);
    const transformed: number[][] = [];
    for (let i = 0; i < rows; i++) transformed.push(Array.from(t.subarray(i * d, i * d + d)));
    return { raw, medians, transformed };
  };
  let f = fill(kept);
  const constant = kept.filter((_, j) => f.transformed.every((r) => r[j] === f.transformed[0][j]));
  if (constant.length) {
    for (const c of constant) dropped.push({ feature: c, presence: presence.get(c)!, reason: 'constant: every customer of the sample has the same value' });
    kept = kept.filter((c) => !constant.includes(c));
    f = fill(kept);
  }
  if (kept.length === 0) throw badInput(`no clustering feature is present and varying for enough customers (${dropped.map((x) => `${x.feature}: ${x.reason}`).join('; ')})`);
  const scaler = new StandardScaler({ featureNames: kept }).fit(f.transformed);
  return { space: { featureNames: kept, medians: f.medians, scaler: scaler.toJSON(), dropped, source }, scaled: scaler.transformFlat(f.transformed) };
}

/** What a plain engine model is assigned with: it reads no single-day flag. */
const NO_FLAGS: ArrayLike<number> = { length: 0 };

/** The feature that is missing exactly for a customer whose purchases fell on one day (no gap between purchase days yet). */
const GAP_FEATURE = 'meanInterpurchaseDays';
/** The single-day buyers are a cluster of their own from this share of the fit sample up… */
export const MIN_SINGLE_DAY_SHARE = 0.02;
/** …when at least this many others remain to search k on. */
export const MIN_REPEAT_ROWS = 50;

/** Per row of `values` (the space's columns, raw), 1 when the customer bought on a single day; null when the space has no gap. */
function singleDayFlags(space: FeatureSpace, values: Float64Array, rows: number): Uint8Array | null {
  const j = space.featureNames.indexOf(GAP_FEATURE);
  if (j < 0) return null;
  const d = space.featureNames.length;
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Number.isNaN(values[i * d + j]) ? 1 : 0;
  return out;
}

/** Why the single-day buyers cannot be a cluster of their own in this fit (too few of them, or of the others), or null when they can. */
function singleDayRefusal(single: Uint8Array | null, singles: number, o: Pick<ClusteringOptions, 'k' | 'kMax'>): string | null {
  if (single === null) return 'the space has no interpurchase gap to tell them by';
  const rows = single.length;
  if (singles < MIN_SINGLE_DAY_SHARE * rows) return `they are ${((singles / rows) * 100).toFixed(1)}% of the sample (< ${MIN_SINGLE_DAY_SHARE * 100}%)`;
  if (rows - singles < MIN_REPEAT_ROWS) return `only ${rows - singles} other customers remain (< ${MIN_REPEAT_ROWS})`;
  if ((o.k ?? o.kMax) - 1 < 2) return `${o.k === undefined ? `kMax = ${o.kMax}` : `k = ${o.k}`} leaves fewer than 2 clusters for the others`;
  return null;
}

/** The rows (row-major, `d` columns) whose flag equals `keep`. */
function selectRows(rows: Float64Array, d: number, flags: Uint8Array, keep: number): Float64Array {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === keep) n++;
  const out = new Float64Array(n * d);
  for (let i = 0, r = 0; i < flags.length; i++) if (flags[i] === keep) out.set(rows.subarray(i * d, i * d + d), d * r++);
  return out;
}

export interface PreviousClusters {
  ids: number[];
  centroids: Record<string, number>[];
}

/** Fits the feature space and the clusters (k-means or Gaussian mixture) on a seeded sample of the snapshot. */
export async function fitClusters(ds: DataSource, snapshotId: number, previous: PreviousClusters | null, o: ClusteringOptions): Promise<ClusteringResult> {
  const candidates = [...new Set([...clusteringFeaturesFor('orders'), ...clusteringFeaturesFor('transaction-log')].map((f) => f.name))];
  const sample = await sampleFeatureMatrix(ds, snapshotId, candidates, o.fitSampleSize, o.seed);
  if (sample.rows < 2 * (o.k ?? o.kMin)) {
    throw badInput(`only ${sample.rows} customers have features: too few to cluster into ${o.k ?? o.kMin} segments`);
  }
  const { space, scaled } = buildFeatureSpace(candidates, sample.values, sample.rows);
  const d = space.featureNames.length;
  // Downstream (classifier, projections) reads the sample in the space's own columns.
  if (d !== candidates.length || space.featureNames.some((f, j) => f !== candidates[j])) {
    const js = space.featureNames.map((f) => candidates.indexOf(f));
    const values = new Float64Array(sample.rows * d);
    for (let i = 0; i < sample.rows; i++) for (let jj = 0; jj < d; jj++) values[i * d + jj] = sample.values[i * candidates.length + js[jj]];
    sample.values = values;
    sample.columns = [...space.featureNames];
  }

  // The single-day buyers: a cluster of their own when there are enough of them and enough others to search k on
  // (split-model.ts says why); the engine then searches the others, one cluster fewer.
  const single = o.singleDayCluster ? singleDayFlags(space, sample.values, sample.rows) : null;
  const singles = single ? single.reduce((a, b) => a + b, 0) : 0;
  const refusal = o.singleDayCluster ? singleDayRefusal(single, singles, o) : null;
  const split = o.singleDayCluster && refusal === null;
  const searchRows = split ? selectRows(scaled, d, single!, 0) : scaled;
  const inner = await searchKOffThread(
    searchRows,
    d,
    {
      seed: o.seed,
      algorithm: o.algorithm,
      k: o.k === undefined ? undefined : split ? o.k - 1 : o.k,
      kMin: split ? Math.max(2, o.kMin - 1) : o.kMin,
      kMax: split ? o.kMax - 1 : o.kMax,
      // A mixture's EM can stop in a local maximum whose ICL differs from the global one's, which changed the
      // chosen k between seeds with 3 starts and did not with 6; each start costs about a hundred EM iterations,
      // so the mixture searches on the silhouette's sample size of rows (a few hundred parameters at k = 10 need
      // no more) and keeps 4 final starts on the fit sample.
      nInit: o.algorithm === 'gmm' ? 6 : o.nInit,
      finalNInit: o.algorithm === 'gmm' ? Math.min(o.finalNInit, 4) : o.finalNInit,
      searchSampleSize: Math.min(searchRows.length / d, o.algorithm === 'gmm' ? o.silhouetteSample : 20_000),
      sampleSize: o.silhouetteSample,
    },
    o.progress,
  );
  let model: StoredClusterModel = inner.model;
  let search = inner;
  if (refusal !== null) search = { ...inner, reason: `no single-day cluster (${refusal}); ${inner.reason}` };
  if (split) {
    model = new SplitClusterModel(meanOfRows(scaled, d, single!), singles, inner.model);
    const labels = new Int32Array(sample.rows);
    for (let i = 0, r = 0; i < sample.rows; i++) labels[i] = single![i] ? 0 : inner.labels[r++] + 1;
    search = {
      ...inner,
      k: inner.k + 1,
      curve: inner.curve.map((p) => ({ ...p, k: p.k + 1 })),
      labels,
      reason: `customers who bought on a single day (${((singles / sample.rows) * 100).toFixed(1)}% of the sample) are one cluster; the others: ${inner.reason}`,
    };
  }
  const centroids = model.centroids;
  const k = centroids.length;

  // Stable identity: continue the previous model's cluster ids where the centroids match.
  let matchedTo: (number | null)[] = new Array(k).fill(null);
  if (previous && previous.centroids.length) {
    const prev = previous.centroids.map((c) => originalToSpace(space, spaceTransforms(space), c));
    if (prev.every((c): c is number[] => c !== null)) {
      matchedTo = matchCentroids<number>(prev, centroids, { ids: previous.ids, maxDistance: 1.5 });
    }
  }
  let next = Math.max(0, ...(previous?.ids ?? [])) + 1;
  const clusterIds = matchedTo.map((m) => (m === null ? next++ : m));
  return {
    space,
    search,
    model,
    kmeans: model.toJSON(),
    singleDayShare: split ? singles / sample.rows : null,
    clusterIds,
    matchedTo,
    sample,
    sampleScaled: scaled,
    sampleLabels: search.labels,
  };
}

/**
 * Assigns every customer of the snapshot to its cluster (nearest centroid, or most likely mixture component), streaming the snapshot in batches so that
 * memory stays bounded at a million customers. Returns customer ids and stable cluster ids, in customer order.
 */
export async function assignAll(
  ds: DataSource,
  snapshotId: number,
  result: Pick<ClusteringResult, 'space' | 'kmeans' | 'clusterIds'>,
  total: number,
  progress: (fraction: number) => void,
): Promise<{ customerIds: Int32Array; clusterIds: Int32Array }> {
  const model = storedClusterModelFromJSON(result.kmeans);
  const d = result.space.featureNames.length;
  const transforms = spaceTransforms(result.space);
  const customerIds = new Int32Array(total);
  const clusterIds = new Int32Array(total);
  let n = 0;
  await readFeatureMatrix(ds, snapshotId, result.space.featureNames, {
    batchSize: 20_000,
    onBatch: (b) => {
      const z = toClusteringSpace(result.space, transforms, b.values, b.rows);
      // Only a split model reads the single-day flags; a split model's space always has the gap.
      const single = model instanceof SplitClusterModel ? singleDayFlags(result.space, b.values, b.rows)! : NO_FLAGS;
      const labels = assignRows(model, z, d, single);
      if (n + b.rows > customerIds.length) throw new Error('the snapshot grew while it was being read');
      for (let i = 0; i < b.rows; i++) {
        customerIds[n + i] = b.customerIds[i];
        clusterIds[n + i] = result.clusterIds[labels[i]];
      }
      n += b.rows;
      progress(n / Math.max(1, total));
    },
  });
  return { customerIds: customerIds.subarray(0, n), clusterIds: clusterIds.subarray(0, n) };
}

/** Numeric features described in segment profiles (all numeric catalogue features but the BG/NBD inputs). */
export const PROFILE_FEATURES = FEATURES.filter(
  (f) => (f.type === 'float' || f.type === 'int') && !['purchase_days', 'repeat_monetary_mean', 'lat', 'lng', 'returns', 'order_value_cv'].includes(f.column),
);
