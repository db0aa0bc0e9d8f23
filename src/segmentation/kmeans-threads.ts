import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runBlock, type LloydState } from './kmeans-kernel';

/**
 * Lloyd passes over blocks of rows, shared by this thread and helper worker threads.
 *
 * The fit stays synchronous: the data and the per-block results live on SharedArrayBuffers, a pass is published by
 * bumping a generation counter, every thread (this one included) takes the pass's blocks one at a time from a
 * shared ticket counter, and this thread sleeps on Atomics.wait until all blocks are done. Which thread runs a
 * block changes nothing: each block writes only its own rows and slots, and the caller reduces the slots in
 * block order. A helper that has not started yet, or is busy, simply takes no blocks.
 *
 * Helpers are started on first use, kept for later fits and unref'd, so they never keep the process alive. They
 * can only load compiled JavaScript: under a TypeScript runner (the tests) every pass runs on this thread.
 */

/** Control words (Int32Array on a SharedArrayBuffer). */
const GEN = 0; // generation of the pass currently published (0 = none yet)
const MODE = 1; // what the pass computes (a MODE_* of the kernel), or STOP
const NEXT = 2; // next block ticket; tickets of generation g are (g − 1)·nBlocks … g·nBlocks − 1
const DONE = 3; // blocks finished, over all generations
const FAILED = 4; // set by a helper whose block threw
const HELPED = 5; // blocks run by helpers
const CONTROL_WORDS = 6;
const STOP = -1;

interface PoolJob {
  kmeansPoolJob: true;
  state: LloydState;
  control: Int32Array;
}

/** Whether helper threads can be started from this module (compiled JavaScript only). */
export const threadsAvailable = (): boolean => __filename.endsWith('.js');

/** Default thread count: every core the process may use. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

const helpers: Worker[] = [];

function helper(i: number): Worker {
  while (helpers.length <= i) {
    const w = new Worker(__filename, { workerData: { kmeansPool: __filename } });
    w.unref();
    // A helper that fails to start takes no blocks; the passes complete without it.
    w.on('error', () => undefined);
    helpers.push(w);
  }
  return helpers[i];
}

/** Stops the helper threads (they restart on the next parallel fit). */
export async function stopKMeansThreads(): Promise<void> {
  const all = helpers.splice(0);
  await Promise.all(all.map((w) => w.terminate()));
}

let helperBlocks = 0;

/** Blocks run by helper threads since this module loaded (over closed fits): shows that helpers share the work. */
export const blocksRunByHelpers = (): number => helperBlocks;

/** Takes and runs the blocks of generation g until none is left; returns how many it ran. */
function work(state: LloydState, control: Int32Array, g: number, mode: number): number {
  const end = g * state.nBlocks;
  let ran = 0;
  for (;;) {
    const t = Atomics.load(control, NEXT);
    if (t >= end) return ran;
    if (Atomics.compareExchange(control, NEXT, t, t + 1) !== t) continue;
    runBlock(state, mode, t - (g - 1) * state.nBlocks);
    ran++;
    if (Atomics.add(control, DONE, 1) + 1 === end) Atomics.notify(control, DONE);
  }
}

/** Runs passes over the blocks of one fit's state, with `threads` threads in all (this one included). */
export class BlockRunner {
  private readonly control: Int32Array | null;
  private gen = 0;

  constructor(
    readonly state: LloydState,
    threads: number,
  ) {
    if (threads <= 1) {
      this.control = null;
      return;
    }
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const job: PoolJob = { kmeansPoolJob: true, state, control: this.control };
    for (let i = 0; i < threads - 1; i++) helper(i).postMessage(job);
  }

  /** Runs pass `mode` over every block; returns when all are done. */
  run(mode: number): void {
    const { state, control } = this;
    if (!control) {
      for (let b = 0; b < state.nBlocks; b++) runBlock(state, mode, b);
      return;
    }
    const g = ++this.gen;
    Atomics.store(control, MODE, mode);
    Atomics.store(control, GEN, g);
    Atomics.notify(control, GEN);
    work(state, control, g, mode);
    const end = g * state.nBlocks;
    for (let done = Atomics.load(control, DONE); done < end; done = Atomics.load(control, DONE)) {
      if (Atomics.load(control, FAILED)) break;
      Atomics.wait(control, DONE, done, 1000);
    }
    if (Atomics.load(control, FAILED)) throw new Error('a k-means helper thread failed');
  }

  /** Releases the helpers from this fit (they wait for the next one). */
  close(): void {
    const { control } = this;
    if (!control) return;
    Atomics.store(control, MODE, STOP);
    Atomics.store(control, GEN, ++this.gen);
    Atomics.notify(control, GEN);
    helperBlocks += Atomics.load(control, HELPED);
  }
}

/** A helper: serves one fit at a time, each a sequence of passes, until its generation says STOP. */
function serve(job: PoolJob): void {
  const { state, control } = job;
  let seen = 0;
  for (;;) {
    Atomics.wait(control, GEN, seen);
    const g = Atomics.load(control, GEN);
    seen = g;
    const mode = Atomics.load(control, MODE);
    if (mode === STOP) return;
    try {
      Atomics.add(control, HELPED, work(state, control, g, mode));
    } catch {
      Atomics.store(control, FAILED, 1);
      Atomics.notify(control, DONE);
      return;
    }
  }
}

if (!isMainThread && parentPort && (workerData as { kmeansPool?: string } | undefined)?.kmeansPool === __filename) {
  parentPort.on('message', (job: PoolJob) => {
    if (job?.kmeansPoolJob) serve(job);
  });
}
