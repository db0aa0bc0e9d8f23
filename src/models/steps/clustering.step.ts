import type { DataSource } from 'typeorm';
import { FEATURES, featureDef, clusteringFeatures } from '../../features/catalogue';
import { readFeatureMatrix, sampleFeatureMatrix, type FeatureBatch } from '../../features/feature-matrix.service';

import { originalToSpace, toClusteringSpace, transformForClustering, type FeatureSpace, type FeatureTransform } from '../../segmentation/feature-space';
import { KMeansModel, type KMeansJSON } from '../../segmentation/kmeans';
import { searchKOffThread, type OffThreadSearch } from './k-search.thread';
import { matchCentroids } from '../../segmentation/matching';
import { StandardScaler } from '../../segmentation/scaler';
import { badInput } from '../../shared/errors';
import type { ProgressFn } from '../../shared/progress';

/** A feature enters clustering only when at least this share of the sample has it (else it is all imputation). */
export const MIN_FEATURE_PRESENCE = 0.5;

export interface ClusteringOptions {
  seed: number;
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
  search: OffThreadSearch;
  kmeans: KMeansJSON;
  /** Stable id of each cluster index (ids continue the previous model's clusters they match). */
  clusterIds: number[];
  /** Cluster index → id of the previous model's cluster it continues, or null. */
  matchedTo: (number | null)[];
  sample: FeatureBatch;
  /** Rows of `sample` in the clustering space (row-major). */
  sampleScaled: Float64Array;
  sampleLabels: Int32Array;
}

/** The catalogue's transform of each feature of `space`, in order. */
export function spaceTransforms(space: Pick<FeatureSpace, 'featureNames'>): FeatureTransform[] {
  return space.featureNames.map((f) => featureDef(f));
}

export interface PreviousClusters {
  ids: number[];
  centroids: Record<string, number>[];
}

/** Fits the feature space and KMeans on a seeded sample of the snapshot. */
export async function fitClusters(ds: DataSource, snapshotId: number, previous: PreviousClusters | null, o: ClusteringOptions): Promise<ClusteringResult> {
  const candidates = clusteringFeatures().map((f) => f.name);
  const sample = await sampleFeatureMatrix(ds, snapshotId, candidates, o.fitSampleSize, o.seed);
  if (sample.rows < 2 * (o.k ?? o.kMin)) {
    throw badInput(`only ${sample.rows} customers have features: too few to cluster into ${o.k ?? o.kMin} segments`);
  }
  // Features that are mostly missing in this warehouse (e.g. reviews in a transaction log) are left out.
  const dC = candidates.length;
  const keep: number[] = [];
  const dropped: { feature: string; presence: number }[] = [];
  for (let j = 0; j < dC; j++) {
    let present = 0;
    for (let i = 0; i < sample.rows; i++) if (!Number.isNaN(sample.values[i * dC + j])) present++;
    const presence = present / sample.rows;
    if (presence >= MIN_FEATURE_PRESENCE) keep.push(j);
    else dropped.push({ feature: candidates[j], presence });
  }
  if (keep.length === 0) throw badInput('no clustering feature is present for enough customers');
  const featureNames = keep.map((j) => candidates[j]);
  const d = featureNames.length;
  const defs = featureNames.map((f) => featureDef(f));
  const raw = new Float64Array(sample.rows * d);
  for (let i = 0; i < sample.rows; i++) for (let jj = 0; jj < d; jj++) raw[i * d + jj] = sample.values[i * dC + keep[jj]];

  // Medians (original units) for imputation, then the scaler on transformed, imputed values.
  const medians = keep.map((_, jj) => {
    const vals: number[] = [];
    for (let i = 0; i < sample.rows; i++) {
      const v = raw[i * d + jj];
      if (!Number.isNaN(v)) vals.push(v);
    }
    vals.sort((a, b) => a - b);
    const m = vals.length >> 1;
    return vals.length % 2 ? vals[m] : (vals[m - 1] + vals[m]) / 2;
  });
  const transformed: number[][] = [];
  for (let i = 0; i < sample.rows; i++) {
    const row = new Array<number>(d);
    for (let j = 0; j < d; j++) {
      const v = raw[i * d + j];
      row[j] = transformForClustering(defs[j], Number.isNaN(v) ? medians[j] : v);
    }
    transformed.push(row);
  }
  const scaler = new StandardScaler({ featureNames }).fit(transformed);
  const space: FeatureSpace = { featureNames, medians, scaler: scaler.toJSON(), dropped };
  const scaled = scaler.transformFlat(transformed);

  const search = await searchKOffThread(
    scaled,
    d,
    {
      seed: o.seed,
      k: o.k,
      kMin: o.kMin,
      kMax: o.kMax,
      nInit: 3,
      finalNInit: o.finalNInit,
      searchSampleSize: Math.min(sample.rows, 20_000),
      sampleSize: o.silhouetteSample,
    },
    o.progress,
  );
  const model = search.model;
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
    kmeans: model.toJSON(),
    clusterIds,
    matchedTo,
    sample,
    sampleScaled: scaled,
    sampleLabels: search.labels,
  };
}

/**
 * Assigns every customer of the snapshot to its nearest centroid, streaming the snapshot in batches so that
 * memory stays bounded at a million customers. Returns customer ids and stable cluster ids, in customer order.
 */
export async function assignAll(
  ds: DataSource,
  snapshotId: number,
  result: Pick<ClusteringResult, 'space' | 'kmeans' | 'clusterIds'>,
  total: number,
  progress: (fraction: number) => void,
): Promise<{ customerIds: Int32Array; clusterIds: Int32Array }> {
  const model = KMeansModel.fromJSON(result.kmeans);
  const d = result.space.featureNames.length;
  const transforms = spaceTransforms(result.space);
  const customerIds = new Int32Array(total);
  const clusterIds = new Int32Array(total);
  let n = 0;
  await readFeatureMatrix(ds, snapshotId, result.space.featureNames, {
    batchSize: 20_000,
    onBatch: (b) => {
      const z = toClusteringSpace(result.space, transforms, b.values, b.rows);
      const labels = model.assignBatch(z, d);
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
