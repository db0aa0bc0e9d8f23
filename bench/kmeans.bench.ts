import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { searchKFlat } from '../src/segmentation/k-search';
import { kmeansPlusPlus, KMeansModel } from '../src/segmentation/kmeans';
import { defaultThreads } from '../src/segmentation/kmeans-threads';
import { createRandom } from '../src/shared/random';
import { median, peakRssMiB, timeRuns, writeSection } from './lib';
import { registerBench } from './run';

/**
 * K-means on customer-like data (no database): segmenta against scikit-learn on 200k × 8 (same data, same starting
 * centroids, same iteration cap and tolerance; k-means++ with restarts), fit time per fit on 100k × 8 (native
 * engine vs ml-kmeans), the k-search over k = 2..10 on a 50k sample with the default options, and
 * nearest-centroid assignment throughput on 1M rows in 50k-row batches.
 *
 * The data imitate standardised store features: 97% one-time buyers, log-normal spend, uniform recency, a
 * skewed 1–5 review score, delivery delays, instalments; standardised like StandardScaler does, so clusters
 * overlap as they do in practice (not well-separated blobs, which would converge in a few iterations).
 */
const DIM = 8;

function customerLike(n: number, seed: number): Float64Array {
  const r = createRandom(seed);
  const out = new Float64Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const f = r.next() < 0.97 ? 1 : 2 + r.int(4);
    const recency = r.next() * 700;
    const monetary = Math.exp(r.normal(4.5, 0.8)) * f;
    const tenure = recency + (f > 1 ? r.next() * 300 : 0);
    const u = r.next();
    const review = u < 0.58 ? 5 : u < 0.77 ? 4 : u < 0.85 ? 3 : u < 0.88 ? 2 : 1;
    const row = [recency, Math.log1p(f), Math.log1p(monetary), Math.log1p(monetary / f), tenure, review, r.normal(-11, 10), 1 + r.int(10)];
    out.set(row, i * DIM);
  }
  for (let j = 0; j < DIM; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += out[i * DIM + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (out[i * DIM + j] - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) out[i * DIM + j] = (out[i * DIM + j] - m) / sd;
  }
  return out;
}

const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);

/** The first python that has scikit-learn (PYTHON when set, else python3 on the PATH, then the system's), if any. */
function findPython(): string | null {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  return candidates.find((p) => spawnSync(p, ['-c', 'import sklearn, threadpoolctl'], { env: pythonEnv(), encoding: 'utf8' }).status === 0) ?? null;
}

/** scikit-learn's side: reads the rows and starting centroids from files, prints its timings as JSON. */
const SKLEARN_SCRIPT = `
import json, sys, time
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info
path, n, d, k, max_iter, tol, runs, restarts = sys.argv[1:9]
n, d, k, max_iter, runs, restarts, tol = int(n), int(d), int(k), int(max_iter), int(runs), int(restarts), float(tol)
X = np.fromfile(path, dtype='<f8').reshape(n, d)
init = np.fromfile(path + '.init', dtype='<f8').reshape(k, d)
def timed(make, runs):
    out = []
    for r in range(runs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        m = make(r).fit(X)
        if r > 0: out.append(dict(ms=(time.perf_counter() - t0) * 1000, cpu=(time.process_time() - c0) * 1000, iterations=int(m.n_iter_), inertia=float(m.inertia_)))
    return out
lloyd = timed(lambda r: KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=tol, algorithm='lloyd'), runs)
pp = timed(lambda r: KMeans(n_clusters=k, init='k-means++', n_init=restarts, max_iter=max_iter, tol=tol, algorithm='lloyd', random_state=r), runs)
threads = max([p.get('num_threads', 1) for p in threadpool_info() if p.get('user_api') == 'openmp'] or [1])
print(json.dumps(dict(version=sklearn.__version__, threads=threads, lloyd=lloyd, pp=pp)))
`;

interface SkRun {
  ms: number;
  cpu: number;
  iterations: number;
  inertia: number;
}
interface SkResult {
  version: string;
  threads: number;
  lloyd: SkRun[];
  pp: SkRun[];
}

/** The environment for python: OpenBLAS settings meant for other programs make numpy refuse to start here. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Marks the segmenta/scikit-learn table in RESULTS.md, so a run without scikit-learn can show the last one. */
const TABLE_START = '<!-- sklearn-comparison -->';
const TABLE_END = '<!-- /sklearn-comparison -->';

export function lastComparison(): { date: string; table: string } | null {
  const file = path.resolve(process.cwd(), 'bench/RESULTS.md');
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  const section = /## KMeans\n\n_([^_]*)_([\s\S]*?)(?=\n## |$)/.exec(text);
  if (!section) return null;
  const a = section[2].indexOf(TABLE_START);
  const b = section[2].indexOf(TABLE_END);
  if (a < 0 || b < a) return null;
  return { date: section[1], table: section[2].slice(a, b + TABLE_END.length) };
}

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/**
 * segmenta against scikit-learn on 200k × 8, k = 8: Lloyd from the same starting centroids (both must reach the
 * same inertia in the same iterations), then k-means++ with 4 restarts each (their own seeds). Median of 5 runs
 * after one warm-up. Returns the section's lines.
 */
function compareWithSklearn(log: (s: string) => boolean): string[] {
  const n = 200_000;
  const k = 8;
  const maxIterations = 300;
  const tolerance = 1e-4;
  const runs = 5;
  const restarts = 4;
  const data = customerLike(n, 7);
  const init = kmeansPlusPlus(data, n, DIM, k, createRandom(5));
  const initRows = Array.from({ length: k }, (_, c) => Array.from(init.subarray(c * DIM, c * DIM + DIM)));

  const mine = (make: (r: number) => KMeansModel): { ms: number; cpu: number; iterations: number; inertia: number }[] => {
    const out = [];
    for (let r = 0; r <= runs; r++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const m = make(r);
      const run = { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: cpuMs(process.cpuUsage(c0)), iterations: m.iterations, inertia: m.inertia };
      if (r > 0) out.push(run); // the first fit also starts the helper threads
    }
    return out;
  };
  const threads = defaultThreads();
  const lloyd = (t?: number) => mine(() => new KMeansModel({ k, seed: 0, initialCentroids: initRows, maxIterations, tolerance, threads: t }).fitFlat(data, DIM));
  const pp = mine((r) => new KMeansModel({ k, seed: r, nInit: restarts, maxIterations, tolerance, threads }).fitFlat(data, DIM));
  const segLloyd = lloyd(threads);
  const segLloyd1 = lloyd(1);
  log(`segmenta Lloyd: ${segLloyd.map((r) => r.ms.toFixed(0)).join(', ')} ms (1 thread: ${segLloyd1.map((r) => r.ms.toFixed(0)).join(', ')})`);

  const med = (xs: { ms: number; cpu: number }[]) => ({ ms: median(xs.map((x) => x.ms)), cpu: median(xs.map((x) => x.cpu)) });
  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  const lines = [
    ...(load > cores / 2
      ? [`_The machine was loaded by other work during this run (load average ${load.toFixed(1)} on ${cores} cores): wall times are inflated, and threads (segmenta's helpers, scikit-learn's OpenMP team) lose most to waiting for each other. A run on a quiet machine replaces these figures._`, '']
      : []),
    `**segmenta vs scikit-learn, 200k × 8, k = ${k}** (customer-like data as below; tolerance ${tolerance} relative to the mean feature variance in both; iteration cap ${maxIterations}; median of ${runs} runs after a warm-up; CPU = all threads; load average at start ${load.toFixed(1)})`,
    '',
  ];
  let sk: SkResult | null = null;
  const python = findPython();
  if (python) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-kmeans-'));
    try {
      const file = path.join(dir, 'x.f64');
      fs.writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      fs.writeFileSync(`${file}.init`, new Uint8Array(init.buffer, init.byteOffset, init.byteLength));
      fs.writeFileSync(path.join(dir, 'fit.py'), SKLEARN_SCRIPT);
      const r = spawnSync(python, [path.join(dir, 'fit.py'), file, String(n), String(DIM), String(k), String(maxIterations), String(tolerance), String(runs), String(restarts)], { env: pythonEnv(), encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`scikit-learn run failed: ${r.stderr}`);
      sk = JSON.parse(r.stdout.trim().split('\n').pop()!) as SkResult;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    log(`scikit-learn ${sk.version} Lloyd: ${sk.lloyd.map((x) => x.ms.toFixed(0)).join(', ')} ms; k-means++: ${sk.pp.map((x) => x.ms.toFixed(0)).join(', ')} ms`);
    // Same start, same rule: the two must follow the same trajectory to the same optimum.
    const a = segLloyd[0];
    const b = sk.lloyd[0];
    if (a.iterations !== b.iterations || Math.abs(a.inertia - b.inertia) > 1e-9 * b.inertia) {
      throw new Error(`segmenta and scikit-learn disagree from the same start: ${a.iterations} iterations, inertia ${a.inertia} vs ${b.iterations}, ${b.inertia}`);
    }
  }
  const seg = { lloyd: med(segLloyd), lloyd1: med(segLloyd1), pp: med(pp) };
  const segPpInertia = median(pp.map((x) => x.inertia));
  if (sk) {
    const skl = { lloyd: med(sk.lloyd), pp: med(sk.pp) };
    const skPpInertia = median(sk.pp.map((x) => x.inertia));
    lines.push(
      TABLE_START,
      '',
      `| fit | segmenta (${threads} threads) | scikit-learn ${sk.version} (${sk.threads} threads) | ratio | iterations | inertia (segmenta / scikit-learn) |`,
      '|---|---:|---:|---:|---:|---|',
      `| Lloyd from the same ${k} centroids | ${ms(seg.lloyd.ms)} (CPU ${ms(seg.lloyd.cpu)}) | ${ms(skl.lloyd.ms)} (CPU ${ms(skl.lloyd.cpu)}) | ${(seg.lloyd.ms / skl.lloyd.ms).toFixed(2)}× | ${segLloyd[0].iterations} / ${sk.lloyd[0].iterations} | ${segLloyd[0].inertia.toFixed(2)} / ${sk.lloyd[0].inertia.toFixed(2)} |`,
      `| k-means++, ${restarts} restarts (own seeds) | ${ms(seg.pp.ms)} (CPU ${ms(seg.pp.cpu)}) | ${ms(skl.pp.ms)} (CPU ${ms(skl.pp.cpu)}) | ${(seg.pp.ms / skl.pp.ms).toFixed(2)}× | — | ${segPpInertia.toFixed(0)} / ${skPpInertia.toFixed(0)} (medians) |`,
      '',
      TABLE_END,
    );
  } else {
    const last = lastComparison();
    const note = last
      ? `scikit-learn is not installed for any python3 here (set PYTHON to point at one): the table below is the comparison last measured (${last.date}).`
      : 'scikit-learn is not installed for any python3 here (set PYTHON to point at one) and no earlier comparison is recorded.';
    log(note);
    lines.push(`_${note}_`, '', ...(last ? [last.table] : []));
    lines.push('', `This run, segmenta only: Lloyd from the same ${k} centroids ${ms(seg.lloyd.ms)} (CPU ${ms(seg.lloyd.cpu)}, ${segLloyd[0].iterations} iterations, inertia ${segLloyd[0].inertia.toFixed(2)}); k-means++ with ${restarts} restarts ${ms(seg.pp.ms)}.`);
  }
  lines.push('', `segmenta Lloyd on 1 thread: ${ms(seg.lloyd1.ms)} (CPU ${ms(seg.lloyd1.cpu)}); the fits on 1 and ${threads} threads are bit-identical (test/segmentation/kmeans-threads.test.ts).`, '');
  process.stdout.write(`${lines.filter((l) => !l.startsWith('<!--')).join('\n')}\n`);
  return lines;
}

registerBench('kmeans', async () => {
  const log = (s: string): boolean => process.stderr.write(`  ${s}\n`);
  const lines: string[] = compareWithSklearn(log);
  const data = customerLike(100_000, 1);

  // 1. One fit (nInit 1) at 100k × 8, k = 6.
  lines.push('**Fit, 100k × 8, k = 6, one restart** (median of runs with seeds 1..n)', '', '| engine | runs | median fit | iterations (median) | inertia (median) |', '|---|---:|---:|---:|---:|');
  for (const [engine, runs] of [
    ['native', 5],
    ['ml-kmeans', 2],
  ] as const) {
    const its: number[] = [];
    const inertias: number[] = [];
    const times = await timeRuns(runs, async (i) => {
      const m = new KMeansModel({ k: 6, seed: i + 1, nInit: 1, engine }).fitFlat(data, DIM);
      its.push(m.iterations);
      inertias.push(m.inertia);
    });
    log(`fit ${engine}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    lines.push(`| ${engine} | ${runs} | ${ms(median(times))} | ${median(its)} | ${median(inertias).toFixed(0)} |`);
  }
  // Per-iteration cost from identical starting centroids (same trajectory in both engines).
  const init: number[][] = [];
  for (let c = 0; c < 6; c++) init.push(Array.from(data.subarray(c * 997 * DIM, c * 997 * DIM + DIM)));
  const perIter: Record<string, number> = {};
  for (const engine of ['native', 'ml-kmeans'] as const) {
    const t0 = process.hrtime.bigint();
    const m = new KMeansModel({ k: 6, seed: 0, initialCentroids: init, maxIterations: 20, tolerance: 0, engine }).fitFlat(data, DIM);
    perIter[engine] = Number(process.hrtime.bigint() - t0) / 1e6 / m.iterations;
  }
  lines.push('', `Per Lloyd iteration from the same starting centroids (20 iterations): native ${perIter.native.toFixed(1)} ms, ml-kmeans ${perIter['ml-kmeans'].toFixed(1)} ms.`);

  // 2. k-search 2..10 on a 50k sample with default options.
  const sample = data.slice(0, 50_000 * DIM);
  const searchTimes: number[] = [];
  const searchCpu: number[] = [];
  let result: ReturnType<typeof searchKFlat> | null = null;
  for (let i = 0; i < 2; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    result = searchKFlat(sample, DIM, { seed: 42 + i });
    const c = process.cpuUsage(c0);
    searchTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    searchCpu.push((c.user + c.system) / 1000);
    log(`k-search: ${searchTimes[i].toFixed(0)} ms wall, ${searchCpu[i].toFixed(0)} ms CPU → k = ${result.k}`);
  }
  const r = result!;
  lines.push(
    '',
    `**k-search, k = 2..10, 50k × 8 sample, default options** (search fits: 3 restarts on a 20k subsample, on one thread; silhouette on 3,000 points; final fit: 8 restarts on all 50k, on one thread)`,
    '',
    `Two seeds: wall ${searchTimes.map(ms).join(', ')}; CPU ${searchCpu.map(ms).join(', ')} (wall exceeds CPU when the machine is shared; load average at start ${os.loadavg()[0].toFixed(1)}). Chosen k = ${r.k} (${r.reason}).`,
    '',
    '| k | inertia (20k) | silhouette | largest share | smallest share | iterations | degenerate |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...r.curve.map((p) => `| ${p.k} | ${p.inertia.toFixed(0)} | ${p.silhouette?.toFixed(3) ?? '—'} | ${(p.largestClusterShare * 100).toFixed(1)}% | ${(p.smallestClusterShare * 100).toFixed(2)}% | ${p.iterations} | ${p.degenerate ? p.degenerateReason : ''} |`),
  );

  // 3. Assignment throughput on 1M rows, 50k-row batches, k = 8.
  const model = new KMeansModel({ k: 8, seed: 3, nInit: 1 }).fitFlat(sample, DIM);
  const big = customerLike(1_000_000, 2);
  const batch = 50_000;
  const out = new Int32Array(batch);
  const assign = await timeRuns(3, async () => {
    for (let o = 0; o < 1_000_000; o += batch) model.assignBatch(big.subarray(o * DIM, (o + batch) * DIM), DIM, out);
  });
  log(`assign 1M: ${assign.map((t) => t.toFixed(0)).join(', ')} ms`);
  const t = median(assign);
  lines.push('', `**Assignment**, 1M × 8 rows to k = 8 centroids in 50k-row batches: ${ms(t)} (median of 3) = ${((1e6 / t) * 1000 / 1e6).toFixed(1)} M rows/s.`, '', `Peak RSS: ${peakRssMiB().toFixed(0)} MiB.`);

  writeSection('KMeans', lines.join('\n'));
});
