import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
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

/**
 * scikit-learn's side: loads the rows and starting centroids from files once, then fits on request, one fit per
 * line read ("lloyd", "elkan", or "pp-lloyd R" / "pp-elkan R" for k-means++ with seed R), printing each fit's timing
 * as a JSON line. One process for the whole comparison, so its fits can be interleaved with segmenta's.
 */
const SKLEARN_SCRIPT = `
import json, sys, time
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info
path, n, d, k, max_iter, tol, restarts = sys.argv[1:8]
n, d, k, max_iter, restarts, tol = int(n), int(d), int(k), int(max_iter), int(restarts), float(tol)
X = np.fromfile(path, dtype='<f8').reshape(n, d)
init = np.fromfile(path + '.init', dtype='<f8').reshape(k, d)
threads = max([p.get('num_threads', 1) for p in threadpool_info() if p.get('user_api') == 'openmp'] or [1])
print(json.dumps(dict(version=sklearn.__version__, threads=threads)), flush=True)
for line in sys.stdin:
    words = line.split()
    if not words: break
    kind = words[0]
    if kind.startswith('pp-'):
        make = KMeans(n_clusters=k, init='k-means++', n_init=restarts, max_iter=max_iter, tol=tol, algorithm=kind[3:], random_state=int(words[1]))
    else:
        make = KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=tol, algorithm=kind)
    t0, c0 = time.perf_counter(), time.process_time()
    m = make.fit(X)
    print(json.dumps(dict(ms=(time.perf_counter() - t0) * 1000, cpu=(time.process_time() - c0) * 1000, iterations=int(m.n_iter_), inertia=float(m.inertia_))), flush=True)
`;

interface Fit {
  ms: number;
  cpu: number;
  iterations: number;
  inertia: number;
}

/** A running scikit-learn process: `fit(kind)` sends one request and resolves with its timing. */
interface Sklearn {
  version: string;
  threads: number;
  fit(kind: string): Promise<Fit>;
  close(): void;
}

function startSklearn(python: string, args: string[]): Promise<Sklearn> {
  const child = spawn(python, args, { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const failed = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`scikit-learn exited (${code}): ${stderr}`))));
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), failed]);
  return next().then((hello) => {
    const { version, threads } = JSON.parse(hello) as { version: string; threads: number };
    return {
      version,
      threads,
      fit: (kind: string) => {
        const reply = next();
        child.stdin.write(`${kind}\n`);
        return reply.then((line) => JSON.parse(line) as Fit);
      },
      close: () => {
        failed.catch(() => undefined);
        child.stdin.end();
      },
    };
  });
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
 * segmenta against scikit-learn on 200k × 8, k = 8: Lloyd from the same starting centroids (all must reach the
 * same inertia in the same iterations; scikit-learn both with 'lloyd' and with its accelerated 'elkan'), then
 * k-means++ with 4 restarts each (their own seeds). The fits are interleaved round by round, so a change in the
 * machine's load hits every column alike; median of `runs` rounds after a warm-up round. Returns the section's lines.
 */
async function compareWithSklearn(log: (s: string) => boolean): Promise<string[]> {
  const n = 200_000;
  const k = 8;
  const maxIterations = 300;
  const tolerance = 1e-4;
  const runs = 5;
  const restarts = 4;
  const data = customerLike(n, 7);
  const init = kmeansPlusPlus(data, n, DIM, k, createRandom(5));
  const initRows = Array.from({ length: k }, (_, c) => Array.from(init.subarray(c * DIM, c * DIM + DIM)));
  const threads = defaultThreads();

  const mine = (make: () => KMeansModel): Fit => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const m = make();
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: cpuMs(process.cpuUsage(c0)), iterations: m.iterations, inertia: m.inertia };
  };
  const columns: Record<string, () => Promise<Fit> | Fit> = {
    lloyd: () => mine(() => new KMeansModel({ k, seed: 0, initialCentroids: initRows, maxIterations, tolerance, threads }).fitFlat(data, DIM)),
    lloyd1: () => mine(() => new KMeansModel({ k, seed: 0, initialCentroids: initRows, maxIterations, tolerance, threads: 1 }).fitFlat(data, DIM)),
  };
  let round = 0;
  columns.pp = () => mine(() => new KMeansModel({ k, seed: round, nInit: restarts, maxIterations, tolerance, threads }).fitFlat(data, DIM));
  columns.pp1 = () => mine(() => new KMeansModel({ k, seed: round, nInit: restarts, maxIterations, tolerance, threads: 1 }).fitFlat(data, DIM));

  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  let sk: Sklearn | null = null;
  const python = findPython();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-kmeans-'));
  const results: Record<string, Fit[]> = {};
  try {
    if (python) {
      const file = path.join(dir, 'x.f64');
      fs.writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      fs.writeFileSync(`${file}.init`, new Uint8Array(init.buffer, init.byteOffset, init.byteLength));
      fs.writeFileSync(path.join(dir, 'fit.py'), SKLEARN_SCRIPT);
      sk = await startSklearn(python, [path.join(dir, 'fit.py'), file, String(n), String(DIM), String(k), String(maxIterations), String(tolerance), String(restarts)]);
      const py = sk;
      columns.skLloyd = () => py.fit('lloyd');
      columns.skElkan = () => py.fit('elkan');
      columns.skPp = () => py.fit(`pp-lloyd ${round}`);
      columns.skPpElkan = () => py.fit(`pp-elkan ${round}`);
    }
    // Round 0 warms up every column (and starts segmenta's helper threads); it is not counted.
    for (round = 0; round <= runs; round++) {
      for (const [name, fit] of Object.entries(columns)) {
        const r = await fit();
        if (round > 0) (results[name] ??= []).push(r);
      }
      if (round > 0) log(`round ${round}: ${Object.entries(results).map(([name, rs]) => `${name} ${rs[rs.length - 1].ms.toFixed(0)}`).join(', ')} ms (load ${os.loadavg()[0].toFixed(1)})`);
    }
  } finally {
    sk?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg()[0];
  const med = (name: string) => ({ ms: median(results[name].map((x) => x.ms)), cpu: median(results[name].map((x) => x.cpu)), inertia: median(results[name].map((x) => x.inertia)) });
  const first = (name: string) => results[name][0];
  const cell = (name: string) => `${ms(med(name).ms)} (CPU ${ms(med(name).cpu)})`;
  const lines = [
    ...(Math.max(load, loadEnd) > cores / 2
      ? [`_Loaded machine: other work ran during this run (load average ${load.toFixed(1)} at its start, ${loadEnd.toFixed(1)} at its end, on ${cores} cores). Wall times are inflated and threads (segmenta's helpers, scikit-learn's OpenMP team) lose most to waiting for each other; the fits were interleaved round by round, so the ratios are fairer than the times. A run on a quiet machine replaces these figures._`, '']
      : []),
    `**segmenta vs scikit-learn, 200k × 8, k = ${k}** (customer-like data as below; tolerance ${tolerance} relative to the mean feature variance in all; iteration cap ${maxIterations}; fits interleaved round by round, median of ${runs} rounds after a warm-up round; CPU = all threads; load average ${load.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end)`,
    '',
  ];
  if (sk) {
    // Same start, same rule: every implementation must follow the same trajectory to the same optimum.
    for (const name of ['lloyd1', 'skLloyd', 'skElkan']) {
      const a = first('lloyd');
      const b = first(name);
      if (a.iterations !== b.iterations || Math.abs(a.inertia - b.inertia) > 1e-9 * b.inertia) {
        throw new Error(`segmenta and ${name} disagree from the same start: ${a.iterations} iterations, inertia ${a.inertia} vs ${b.iterations}, ${b.inertia}`);
      }
    }
    const ratio = (a: string, b: string): string => `${(med(a).ms / med(b).ms).toFixed(2)}×`;
    lines.push(
      TABLE_START,
      '',
      `| fit | segmenta, ${threads} threads | segmenta, 1 thread | scikit-learn ${sk.version} 'lloyd' (${sk.threads} threads) | scikit-learn 'elkan' (${sk.threads} threads) | segmenta ${threads} threads ÷ lloyd / ÷ elkan | iterations | inertia (segmenta / scikit-learn) |`,
      '|---|---:|---:|---:|---:|---:|---:|---|',
      `| Lloyd from the same ${k} centroids | ${cell('lloyd')} | ${cell('lloyd1')} | ${cell('skLloyd')} | ${cell('skElkan')} | ${ratio('lloyd', 'skLloyd')} / ${ratio('lloyd', 'skElkan')} | ${first('lloyd').iterations} / ${first('skLloyd').iterations} | ${first('lloyd').inertia.toFixed(2)} / ${first('skLloyd').inertia.toFixed(2)} |`,
      `| k-means++, ${restarts} restarts (own seeds) | ${cell('pp')} | ${cell('pp1')} | ${cell('skPp')} | ${cell('skPpElkan')} | ${ratio('pp', 'skPp')} / ${ratio('pp', 'skPpElkan')} | — | ${med('pp').inertia.toFixed(0)} / ${med('skPp').inertia.toFixed(0)} (medians) |`,
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
    lines.push('', `This run, segmenta only: Lloyd from the same ${k} centroids ${cell('lloyd')} on ${threads} threads, ${cell('lloyd1')} on 1 (${first('lloyd').iterations} iterations, inertia ${first('lloyd').inertia.toFixed(2)}); k-means++ with ${restarts} restarts ${cell('pp')} on ${threads} threads, ${cell('pp1')} on 1.`);
  }
  lines.push('', `The fits on 1 and ${threads} threads are bit-identical (test/segmentation/kmeans-threads.test.ts), and the bounded Lloyd iterations bit-identical to plain Lloyd's (test/segmentation/kmeans.test.ts).`, '');
  process.stdout.write(`${lines.filter((l) => !l.startsWith('<!--')).join('\n')}\n`);
  return lines;
}

registerBench('kmeans', async () => {
  const log = (s: string): boolean => process.stderr.write(`  ${s}\n`);
  const lines: string[] = await compareWithSklearn(log);
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
    `**k-search, k = 2..10, 50k × 8 sample, default options** (search fits: 8 restarts on a 20k subsample, on one thread; silhouette on 3,000 points; final fit: 8 restarts on all 50k, on one thread)`,
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
