import { searchKFlat, type KCurvePoint, type KSearchOptions, type KSearchResult } from '../../segmentation/k-search';
import { clusterModelFromJSON, type ClusterModel, type ClusterModelJSON } from '../../segmentation/cluster-model';
import type { ProgressFn } from '../../shared/progress';
import { runWorkerTask, serveWorkerTask } from '../../shared/worker-task';

/** The k search (seconds of pure CPU) on a worker thread, so that a retrain in the API does not stall requests. */
type SearchOptions = Omit<KSearchOptions, 'progress'>;

interface SearchInput {
  data: Float64Array;
  dim: number;
  options: SearchOptions;
}

interface PackedResult {
  k: number;
  chosenBy: KSearchResult['chosenBy'];
  algorithm: KSearchResult['algorithm'];
  allDegenerate: boolean;
  curve: KCurvePoint[];
  model: ClusterModelJSON;
  labels: Int32Array;
  final: KSearchResult['final'];
  reason: string;
}

export interface OffThreadSearch extends Omit<KSearchResult, 'model'> {
  model: ClusterModel;
  /** Cluster index of every row of the searched data (under the final model). */
  labels: Int32Array;
}

function search({ data, dim, options }: SearchInput, progress: ProgressFn): PackedResult {
  const r = searchKFlat(data, dim, { ...options, progress });
  return { k: r.k, chosenBy: r.chosenBy, algorithm: r.algorithm, allDegenerate: r.allDegenerate, curve: r.curve, model: r.model.toJSON(), labels: r.model.labels, final: r.final, reason: r.reason };
}

export async function searchKOffThread(data: Float64Array, dim: number, options: SearchOptions, progress?: ProgressFn): Promise<OffThreadSearch> {
  const r = await runWorkerTask(__filename, { data, dim, options }, search, progress);
  return { ...r, model: clusterModelFromJSON(r.model) };
}

serveWorkerTask(__filename, search);
