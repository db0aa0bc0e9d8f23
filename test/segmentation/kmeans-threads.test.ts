import fs from 'node:fs';
import path from 'node:path';
import { KMeansModel as KMeansFromSource } from '../../src/segmentation/kmeans';
import { createRandom } from '../../src/shared/random';

/**
 * The native k-means shares its Lloyd passes between worker threads on large data. Rows are cut into blocks that
 * do not depend on the thread count and the block sums are added in block order, so the fit must be the same, bit
 * for bit, on 1, 2 or 3 threads. Helper threads load compiled JavaScript, so these tests use the built module
 * (dist/, written by `npm run build`) and are skipped, with the reason, when it is missing or stale.
 */
const DIST = path.resolve(__dirname, '../../dist/src/segmentation');
const SRC = path.resolve(__dirname, '../../src');

/** Null when every module of src/segmentation and src/shared has a compiled file at least as new, else why not. */
function built(): string | null {
  for (const dir of ['segmentation', 'shared']) {
    for (const f of fs.readdirSync(path.join(SRC, dir)).filter((name) => name.endsWith('.ts'))) {
      const js = path.join(DIST, '..', dir, f.replace(/\.ts$/, '.js'));
      if (!fs.existsSync(js)) return `${path.relative(DIST, js)} is missing: run npm run build`;
      if (fs.statSync(js).mtimeMs < fs.statSync(path.join(SRC, dir, f)).mtimeMs) return `dist/ is older than src/${dir}/${f}: run npm run build`;
    }
  }
  return null;
}

const reason = built();
const describeBuilt = reason ? describe.skip : describe;
if (reason) console.warn(`k-means thread tests skipped: ${reason}`);

/** Overlapping clusters in 5 dimensions: points keep switching for many iterations, in every block. */
function overlapping(n: number, seed: number): Float64Array {
  const r = createRandom(seed);
  const out = new Float64Array(n * 5);
  for (let i = 0; i < n; i++) {
    const g = r.int(6);
    for (let j = 0; j < 5; j++) out[i * 5 + j] = r.normal(((g * (j + 1)) % 4) * 0.8, 1 + (g % 2) * 0.5);
  }
  return out;
}

describeBuilt('k-means on several threads (compiled module)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(name: string): T => require(path.join(DIST, name)) as T;
  const { KMeansModel } = load<typeof import('../../src/segmentation/kmeans')>('kmeans.js');
  const threads = load<typeof import('../../src/segmentation/kmeans-threads')>('kmeans-threads.js');
  afterAll(() => threads.stopKMeansThreads());

  it.each([
    [30_000, 3], // 8 blocks, ends on a partial one
    [45_000, 11],
  ])('gives bit-identical centroids, labels, inertia and iterations on 1, 2 and 3 threads (%i rows, seed %i)', (n, seed) => {
    const data = overlapping(n, seed);
    const fit = (t: number) => new KMeansModel({ k: 7, seed, nInit: 2, tolerance: 0, maxIterations: 60, threads: t }).fitFlat(data, 5);
    const one = fit(1);
    expect(one.iterations).toBeGreaterThan(5); // a real trajectory across many passes
    for (const t of [2, 3]) {
      const m = fit(t);
      expect(m.centroids).toEqual(one.centroids);
      expect(Array.from(m.labels)).toEqual(Array.from(one.labels));
      expect(m.inertia).toBe(one.inertia);
      expect(m.runs).toEqual(one.runs);
    }
    // The in-process (TypeScript) module, which never starts threads, computes the same model.
    const inline = new KMeansFromSource({ k: 7, seed, nInit: 2, tolerance: 0, maxIterations: 60 }).fitFlat(data, 5);
    expect(inline.centroids).toEqual(one.centroids);
    expect(inline.inertia).toBe(one.inertia);
  });

  it('helper threads do take blocks', async () => {
    // Helpers start asynchronously and join a fit already under way, so fit until they have taken part.
    const data = overlapping(60_000, 5);
    const before = threads.blocksRunByHelpers();
    const deadline = Date.now() + 20_000;
    while (threads.blocksRunByHelpers() === before && Date.now() < deadline) {
      new KMeansModel({ k: 6, seed: 1, nInit: 1, threads: 2 }).fitFlat(data, 5);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(threads.blocksRunByHelpers()).toBeGreaterThan(before);
  });

  it('re-seeds an empty cluster the same way on any number of threads', () => {
    // A far starting centroid gets no point: the farthest point is moved into it, then iterations go on.
    const data = overlapping(20_000, 8);
    const init = [[0, 0, 0, 0, 0], [2, 2, 2, 2, 2], [1000, 1000, 1000, 1000, 1000]];
    const fit = (t: number) => new KMeansModel({ k: 3, seed: 0, initialCentroids: init, threads: t }).fitFlat(data, 5);
    const one = fit(1);
    expect(one.runs[0].reseeded).toBeGreaterThanOrEqual(1);
    const three = fit(3);
    expect(three.centroids).toEqual(one.centroids);
    expect(Array.from(three.labels)).toEqual(Array.from(one.labels));
  });
});
