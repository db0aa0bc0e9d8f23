import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DomainError, type ErrorCode } from './errors';
import type { ProgressEvent, ProgressFn } from './progress';

/**
 * Seconds of pure CPU (a k search, a churn fit) run inside the API process during a retrain would stall every
 * request for that long. Such a task runs on a worker thread instead: the module that defines it calls
 * `serveWorkerTask` at load, and `runWorkerTask` starts a worker on that same module with the input.
 *
 * Only compiled JavaScript can be loaded by a worker; under a TypeScript runner (the tests) the task runs inline,
 * with the same result. Domain errors keep their code (e.g. BAD_USER_INPUT) across the thread boundary.
 */
interface TaskMessage<R> {
  progress?: ProgressEvent;
  result?: R;
  error?: { message: string; code?: string; details?: unknown };
}

interface TaskData {
  workerTask: string;
  input: unknown;
}

/** Whether tasks defined in `file` run on a worker thread (true for the service's compiled JavaScript). */
export const runsOnWorker = (file: string): boolean => file.endsWith('.js');

/**
 * Runs the task served by module `file` on a new worker thread with `input` (structured-cloned) and resolves
 * with its result; `inline` computes the same thing on this thread when a worker cannot load `file`.
 */
export function runWorkerTask<I, R>(file: string, input: I, inline: (input: I, progress: ProgressFn) => R, progress?: ProgressFn): Promise<R> {
  const report: ProgressFn = progress ?? (() => undefined);
  if (!runsOnWorker(file)) return Promise.resolve().then(() => inline(input, report));
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(file, { workerData: { workerTask: file, input } satisfies TaskData });
    let settled = false;
    worker.on('message', (m: TaskMessage<R>) => {
      if (m.progress) report(m.progress);
      else if ('result' in m) {
        settled = true;
        resolve(m.result as R);
      } else if (m.error) {
        settled = true;
        const { message, code, details } = m.error;
        reject(code ? new DomainError(code as ErrorCode, message, (details ?? {}) as Record<string, unknown>) : new Error(message));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the worker for ${file} exited with code ${code}`));
    });
  });
}

/** Called at the load of module `file`: when this thread is a worker started for it, runs `task` and posts the result. */
export function serveWorkerTask<I, R>(file: string, task: (input: I, progress: ProgressFn) => R): void {
  const data = workerData as TaskData | undefined;
  if (isMainThread || !parentPort || data?.workerTask !== file) return;
  const port = parentPort;
  try {
    port.postMessage({ result: task(data.input as I, (e) => port.postMessage({ progress: e })) } satisfies TaskMessage<R>);
  } catch (e) {
    const err = e as { message?: string; code?: string; details?: unknown };
    port.postMessage({ error: { message: err.message ?? String(e), code: err.code, details: err.details } } satisfies TaskMessage<R>);
  }
}
