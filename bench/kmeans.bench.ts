import os from 'node:os';
import { searchKFlat } from '../src/segmentation/k-search';
import { KMeansModel } from '../src/segmentation/kmeans';
import { createRandom } from '../src/shared/random';
import { median, peakRssMiB, timeRuns, writeSection } from './lib';
import { registerBench } from './run';

/**
 * K-means on customer-like data (no database): fit time per fit on 100k × 8 (native engine vs ml-kmeans), the
 * k-search over k = 2..10 on a 50k sample with the default options, and nearest-centroid assignment throughput
 * on 1M rows in 50k-row batches.
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

registerBench('kmeans', async () => {
  const log = (s: string): boolean => process.stderr.write(`  ${s}\n`);
  const data = customerLike(100_000, 1);
  const lines: string[] = [];

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
    '**k-search, k = 2..10, 50k × 8 sample, default options** (search fits: 3 restarts on a 20k subsample; silhouette on 3,000 points; final fit: 8 restarts on all 50k; single-threaded)',
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
