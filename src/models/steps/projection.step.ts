import { pca2 } from '../../segmentation/pca';
import type { ClusteringResult } from './clustering.step';

/** Points of the segment map stored with a model (the first rows of the seeded clustering sample). */
const MAP_POINTS = 2000;
/** Rows the PCA is fitted on. */
const PCA_SAMPLE = 20_000;

/**
 * The segment map of a model: a 2-D PCA of the clustering space fitted on the clustering sample, the projected
 * sample points with their clusters, and the projected centroids. Stored as the model's `projection`.
 * `sampleClusterIds` are the stable cluster ids of the sample's rows.
 */
export function segmentMapProjection(clusters: Pick<ClusteringResult, 'space' | 'sample' | 'sampleScaled' | 'model' | 'clusterIds'>, sampleClusterIds: number[], seed: number) {
  const d = clusters.space.featureNames.length;
  const row = (i: number) => Array.from(clusters.sampleScaled.subarray(i * d, (i + 1) * d));
  const pca = pca2(Array.from({ length: clusters.sample.rows }, (_, i) => row(i)), { sampleSize: PCA_SAMPLE, seed });
  const proj = pca.project(Array.from({ length: Math.min(clusters.sample.rows, MAP_POINTS) }, (_, i) => row(i)));
  const centroidProj = pca.project(clusters.model.centroids);
  return {
    explainedVariance: pca.explainedVarianceRatio,
    pca: pca.toJSON(),
    points: proj.map(([x, y], i) => ({ x, y, clusterId: sampleClusterIds[i], customerId: clusters.sample.customerIds[i] })),
    centroids: centroidProj.map(([x, y], i) => ({ x, y, clusterId: clusters.clusterIds[i] })),
  };
}
