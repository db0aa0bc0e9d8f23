import { badInput } from '../shared/errors';
import { GaussianMixture, GMM_MODEL, type GaussianMixtureJSON } from './gmm';
import { KMeansModel, KMEANS_MODEL, type KMeansJSON } from './kmeans';
import { SplitClusterModel, SPLIT_MODEL, type SplitModelJSON } from './split-model';

/**
 * The clustering engines a model can be trained with, and what the rest of the system needs of either: a
 * centre per cluster (means of a mixture), the cluster of each training row, the cluster of any new row, and a
 * stored form that says which engine made it (the JSON's `model`).
 */
export const CLUSTERING_ALGORITHMS = ['kmeans', 'gmm'] as const;
export type ClusteringAlgorithm = (typeof CLUSTERING_ALGORITHMS)[number];
export const DEFAULT_ALGORITHM: ClusteringAlgorithm = 'kmeans';

export type ClusterModel = KMeansModel | GaussianMixture;
export type ClusterModelJSON = KMeansJSON | GaussianMixtureJSON;

export function isClusteringAlgorithm(v: unknown): v is ClusteringAlgorithm {
  return typeof v === 'string' && (CLUSTERING_ALGORITHMS as readonly string[]).includes(v);
}

export function algorithmOf(model: ClusterModel): ClusteringAlgorithm {
  return model instanceof GaussianMixture ? 'gmm' : 'kmeans';
}

/** A stored model of either engine, restored. */
export function clusterModelFromJSON(json: ClusterModelJSON): ClusterModel {
  if (json?.model === KMEANS_MODEL) return KMeansModel.fromJSON(json);
  if (json?.model === GMM_MODEL) return GaussianMixture.fromJSON(json);
  throw badInput(`not a clustering model: model is ${JSON.stringify((json as { model?: unknown } | null)?.model)}`, { argument: 'json' });
}

/** Σ squared distance of each row to the centre of its cluster (k-means's objective, reported for either engine). */
export function inertiaOf(data: Float64Array, dim: number, centroids: number[][], labels: Int32Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const c = centroids[labels[i]];
    for (let j = 0; j < dim; j++) s += (data[i * dim + j] - c[j]) ** 2;
  }
  return s;
}

/** What a model version stores: an engine's model, or the engine's model of the repeat customers beside the single-day buyers' cluster (split-model.ts). */
export type StoredClusterModel = ClusterModel | SplitClusterModel;
export type StoredClusterModelJSON = ClusterModelJSON | SplitModelJSON;

export function storedClusterModelFromJSON(json: StoredClusterModelJSON): StoredClusterModel {
  return json?.model === SPLIT_MODEL ? SplitClusterModel.fromJSON(json) : clusterModelFromJSON(json as ClusterModelJSON);
}

/**
 * The cluster of each row (clustering space, row-major) under a stored model; `single` flags the rows whose
 * purchases fell on one day, which a split model puts in its cluster 0 (other models ignore it).
 */
export function assignRows(model: StoredClusterModel, rows: Float64Array, dim: number, single: ArrayLike<number | boolean>): Int32Array {
  return model instanceof SplitClusterModel ? model.assignBatch(rows, dim, single) : model.assignBatch(rows, dim);
}
