import { badInput } from '../shared/errors';
import { GaussianMixture, GMM_MODEL, type GaussianMixtureJSON } from './gmm';
import { KMeansModel, KMEANS_MODEL, type KMeansJSON } from './kmeans';

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

/** Whether `json` names one of the engines (its `model`): what clusterModelFromJSON restores. */
export function isClusterModelJSON(json: unknown): json is ClusterModelJSON {
  const model = (json as { model?: unknown } | null)?.model;
  return model === KMEANS_MODEL || model === GMM_MODEL;
}

/** A stored model of either engine, restored. */
export function clusterModelFromJSON(json: ClusterModelJSON): ClusterModel {
  if (!isClusterModelJSON(json)) throw badInput(`not a clustering model: model is ${JSON.stringify((json as { model?: unknown } | null)?.model)}`, { argument: 'json' });
  return json.model === KMEANS_MODEL ? KMeansModel.fromJSON(json) : GaussianMixture.fromJSON(json);
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

