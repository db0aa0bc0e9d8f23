import fs from 'node:fs';
import path from 'node:path';
import { fitChurn, type ChurnInputs } from '../../src/churn/churn-fit';
import { simulateBgNbd } from '../../src/churn/simulate';
import { fitWithHoldout } from '../../src/classifier/holdout';
import { searchKFlat } from '../../src/segmentation/k-search';
import { createRandom } from '../../src/shared/random';
import type { ProgressEvent } from '../../src/shared/progress';

/**
 * A retrain in the API runs its CPU-heavy steps (k search, churn fits, classifier) on worker threads. A worker
 * can only load compiled JavaScript, so these tests load the built modules (dist/, written by `npm ci` through
 * `prepare`, or `npm run build`) and check that each thread returns exactly what the same step computes inline,
 * and that errors and progress cross the thread boundary.
 */
const DIST = path.resolve(__dirname, '../../dist/src/models/steps');
const SRC = path.resolve(__dirname, '../../src');

/** Built modules, or null (with the reason) when dist/ is missing or older than the sources. */
function built(): string | null {
  if (!fs.existsSync(path.join(DIST, 'churn.thread.js'))) return 'dist/ is missing: run npm run build';
  const newest = (dir: string): number =>
    Math.max(...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
  // An incremental build rewrites only the modules that changed, so compare the newest on each side.
  return newest(path.resolve(DIST, '../..')) < newest(SRC) ? 'dist/ is older than src/: run npm run build' : null;
}

const reason = built();
const describeBuilt = reason ? describe.skip : describe;
if (reason) console.warn(`worker-thread tests skipped: ${reason}`);

function churnInputs(n: number, seed: number): ChurnInputs {
  const sim = simulateBgNbd({ customers: n, params: { kind: 'bg-nbd', r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, seed, spend: { p: 6, q: 4, v: 15 } });
  const rng = createRandom(seed + 1);
  return {
    customerIds: Int32Array.from({ length: n }, (_, i) => i + 1),
    x: sim.x,
    tx: sim.tx,
    T: sim.T,
    m: Float64Array.from(sim.monetary ?? [], (v) => (v > 0 ? v : NaN)),
    aov: Float64Array.from({ length: n }, () => 20 + 80 * rng.next()),
  };
}

const CHURN_OPTIONS = { model: 'mbg-nbd' as const, horizonDays: 90, clvHorizonMonths: 12, monthlyDiscount: 0.01 };

describeBuilt('steps on worker threads (compiled modules)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(name: string): T => require(path.join(DIST, name)) as T;

  it('fits churn and value on a worker with the same result as inline', async () => {
    const { fitChurnOffThread } = load<typeof import('../../src/models/steps/churn.thread')>('churn.thread.js');
    const inputs = churnInputs(3000, 7);
    const onWorker = await fitChurnOffThread(inputs, CHURN_OPTIONS);
    const inline = fitChurn(inputs, CHURN_OPTIONS);
    expect(onWorker.info).toEqual(inline.info);
    for (const k of ['pAlive', 'churnProbability', 'expectedPurchases', 'expectedAvgSpend', 'clv'] as const) {
      // (typed arrays arrive outside the test's own realm, so instanceof cannot be used)
      expect(Object.prototype.toString.call(onWorker.estimates[k])).toBe('[object Float64Array]');
      expect(Array.from(onWorker.estimates[k])).toEqual(Array.from(inline.estimates[k]));
    }
  });

  it("passes a churn fit's error back from the worker", async () => {
    const { fitChurnOffThread } = load<typeof import('../../src/models/steps/churn.thread')>('churn.thread.js');
    const inputs = churnInputs(50, 3);
    inputs.x.fill(0);
    await expect(fitChurnOffThread(inputs, CHURN_OPTIONS)).rejects.toThrow('no customer has a repeat purchase');
  });

  it('searches k on a worker with the same result as inline, reporting progress, and keeps error codes', async () => {
    const { searchKOffThread } = load<typeof import('../../src/models/steps/k-search.thread')>('k-search.thread.js');
    const rng = createRandom(5);
    const dim = 2;
    const data = Float64Array.from({ length: 600 * dim }, (_, o) => (Math.floor(o / dim) % 3) * 10 + rng.normal());
    const options = { seed: 9, kMin: 2, kMax: 5, nInit: 2, finalNInit: 3 };
    const events: ProgressEvent[] = [];
    const onWorker = await searchKOffThread(data, dim, options, (e) => events.push(e));
    const inline = searchKFlat(data, dim, options);
    expect(onWorker.k).toBe(inline.k);
    expect(onWorker.curve).toEqual(inline.curve);
    expect(onWorker.model.toJSON()).toEqual(inline.model.toJSON());
    expect(Array.from(onWorker.labels)).toEqual(Array.from(inline.model.labels));
    expect(events.length).toBeGreaterThan(0);
    await expect(searchKOffThread(data, 7, options)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('not a multiple of dim 7') });
  });

  it('fits the classifier with its holdout on a worker with the same result as inline', async () => {
    const { fitWithHoldoutOffThread } = load<typeof import('../../src/models/steps/classifier.thread')>('classifier.thread.js');
    const rng = createRandom(11);
    const y = Array.from({ length: 400 }, (_, i) => i % 3);
    const rows = y.map((c) => ({ a: c * 2 + rng.normal(), b: -c + rng.normal(), state: ['SP', 'RJ', 'MG'][(c + rng.int(2)) % 3] }));
    const options = { numericFeatures: ['a', 'b'], categoricalFeatures: ['state'] };
    const holdout = { testShare: 0.2, seed: 4 };
    const onWorker = await fitWithHoldoutOffThread(rows, y, options, holdout);
    expect(onWorker).toEqual(fitWithHoldout(rows, y, options, holdout));
    expect(onWorker.report.macroF1).toBeGreaterThan(0.8);
  });
});
