import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { searchKFlat, type KCurvePoint, type KSearchOptions, type KSearchResult } from '../../segmentation/k-search';
import { KMeansModel, type KMeansJSON } from '../../segmentation/kmeans';
import { DomainError, type ErrorCode } from '../../shared/errors';
import type { ProgressFn } from '../../shared/progress';

/**
 * The k search is seconds of pure CPU. Run inside the API process (a retrain mutation), it would stall every
 * request for that long, so it runs on a worker thread when this module is compiled JavaScript (the service);
 * under a TypeScript runner (tests) the worker could not load this file and it runs inline, with the same result.
 */
type SearchOptions = Omit<KSearchOptions, 'progress'>;

interface WorkerResult {
  k: number;
  chosenBy: KSearchResult['chosenBy'];
  allDegenerate: boolean;
  curve: KCurvePoint[];
  model: KMeansJSON;
  labels: Int32Array;
  final: KSearchResult['final'];
  reason: string;
}

export interface OffThreadSearch extends Omit<KSearchResult, 'model'> {
  model: KMeansModel;
  /** Cluster index of every row of the searched data (under the final model). */
  labels: Int32Array;
}

const canUseWorker = __filename.endsWith('.js');

function pack(r: KSearchResult): WorkerResult {
  return { k: r.k, chosenBy: r.chosenBy, allDegenerate: r.allDegenerate, curve: r.curve, model: r.model.toJSON(), labels: r.model.labels, final: r.final, reason: r.reason };
}

function unpack(r: WorkerResult): OffThreadSearch {
  return { ...r, model: KMeansModel.fromJSON(r.model) };
}

export async function searchKOffThread(data: Float64Array, dim: number, options: SearchOptions, progress?: ProgressFn): Promise<OffThreadSearch> {
  if (!canUseWorker) return unpack(pack(searchKFlat(data, dim, { ...options, progress })));
  return new Promise<OffThreadSearch>((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { data, dim, options } });
    let settled = false;
    worker.on('message', (m: { progress?: Parameters<ProgressFn>[0]; result?: WorkerResult; error?: { message: string; code?: string; details?: unknown } }) => {
      if (m.progress) progress?.(m.progress);
      else if (m.result) {
        settled = true;
        resolve(unpack(m.result));
      } else if (m.error) {
        settled = true;
        // Keep a domain error's code (e.g. BAD_USER_INPUT) across the thread boundary.
        const { message, code, details } = m.error;
        reject(code ? new DomainError(code as ErrorCode, message, (details ?? {}) as Record<string, unknown>) : new Error(message));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the k-search worker exited with code ${code}`));
    });
  });
}

if (!isMainThread && workerData && parentPort) {
  const port = parentPort;
  const { data, dim, options } = workerData as { data: Float64Array; dim: number; options: SearchOptions };
  try {
    const r = searchKFlat(data, dim, { ...options, progress: (e) => port.postMessage({ progress: e }) });
    port.postMessage({ result: pack(r) });
  } catch (e) {
    const err = e as { message?: string; code?: string; details?: unknown };
    port.postMessage({ error: { message: err.message ?? String(e), code: err.code, details: err.details } });
  }
}
