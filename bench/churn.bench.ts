import {
  aggregateRfm,
  BgNbdModel,
  customerLifetimeValues,
  fitBgNbd,
  fitGammaGamma,
  fitMbgNbd,
  GammaGammaModel,
  simulateBgNbd,
  type BgNbdParams,
  type GammaGammaParams,
} from '../src/churn';
import { median, peakRssMiB, timeRuns, writeSection } from './lib';
import { registerBench } from './run';

/**
 * Fits BG/NBD, MBG/NBD and Gamma-Gamma on 1M simulated customers (seeded; CDNOW-like parameters, ages uniform on
 * 1..546 days, times in weeks) and times them (median of 3 runs), plus bulk P(alive) and 12-month CLV. Goal: each
 * fit ≤ 10 s on 2 cores.
 */

const CUSTOMERS = 1_000_000;
const RUNS = 3;
const BG: BgNbdParams = { kind: 'bg-nbd', r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const MBG: BgNbdParams = { kind: 'mbg-nbd', r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
const GG: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };

const sec = (ms: number) => (ms / 1000).toFixed(2);
const fmt = (v: number) => v.toPrecision(4);
const err = (got: number, want: number) => `${((got / want - 1) * 100).toFixed(1)}%`;

async function timeSync<T>(runs: number, fn: () => T): Promise<{ ms: number; all: number[]; value: T }> {
  let value!: T;
  const all = await timeRuns(runs, async () => {
    value = fn();
  });
  return { ms: median(all), all, value };
}

registerBench('churn', async () => {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`simulating ${CUSTOMERS.toLocaleString('en')} BG/NBD and ${CUSTOMERS.toLocaleString('en')} MBG/NBD customers…`);
  const sim = await timeSync(1, () => simulateBgNbd({ customers: CUSTOMERS, params: BG, seed: 20_240_601, spend: GG }));
  const bgData = sim.value;
  const mbgData = simulateBgNbd({ customers: CUSTOMERS, params: MBG, seed: 20_240_602 });
  let oneTime = 0;
  for (const v of bgData.x) if (v === 0) oneTime++;

  const agg = await timeSync(RUNS, () => aggregateRfm(bgData));
  log(`aggregation: ${sec(agg.ms)} s, ${agg.value.rows} distinct rows`);

  const bgFit = await timeSync(RUNS, () => fitBgNbd(bgData));
  log(`BG/NBD fit: ${sec(bgFit.ms)} s`);
  const mbgFit = await timeSync(RUNS, () => fitMbgNbd(mbgData));
  log(`MBG/NBD fit: ${sec(mbgFit.ms)} s`);

  const rep: number[] = [];
  for (let i = 0; i < CUSTOMERS; i++) if (bgData.x[i] > 0) rep.push(i);
  const spend = { frequency: Float64Array.from(rep, (i) => bgData.x[i]), monetaryValue: Float64Array.from(rep, (i) => bgData.monetary![i]) };
  const ggFit = await timeSync(RUNS, () => fitGammaGamma(spend));
  log(`Gamma-Gamma fit: ${sec(ggFit.ms)} s`);

  const model = bgFit.value;
  const pAlive = await timeSync(RUNS, () => model.pAliveMany(bgData));
  const clv = await timeSync(1, () =>
    customerLifetimeValues({
      transactionModel: model,
      spendModel: GammaGammaModel.fromParams(ggFit.value.params),
      x: bgData.x,
      tx: bgData.tx,
      T: bgData.T,
      m: bgData.monetary!,
    }),
  );
  log(`P(alive): ${sec(pAlive.ms)} s; CLV: ${sec(clv.ms)} s`);

  const pr = (m: BgNbdModel, truth: BgNbdParams) =>
    (['r', 'alpha', 'a', 'b'] as const).map((k) => `${k === 'alpha' ? 'α' : k} ${fmt(m.params[k])} (${err(m.params[k], truth[k])})`).join(', ');
  const gg = ggFit.value.params;
  const md = `
${CUSTOMERS.toLocaleString('en')} simulated customers per model (seeded), ages uniform on 1–546 days, times in weeks;
${((oneTime / CUSTOMERS) * 100).toFixed(1)}% of the BG/NBD customers never buy again. Fits use L-BFGS with analytic
gradients from 3 fixed starts on the distinct (x, t_x, T) rows. Median of ${RUNS} runs unless noted.

| step | time (s) | notes |
|---|---:|---|
| simulate 1M customers (1 run) | ${sec(sim.ms)} | |
| group identical (x, t_x, T) | ${sec(agg.ms)} | ${agg.value.rows.toLocaleString('en')} distinct rows |
| fit BG/NBD | ${sec(bgFit.ms)} | runs ${bgFit.all.map(sec).join(' / ')}; ${bgFit.value.fitInfo!.evaluations} evaluations; converged ${bgFit.value.fitInfo!.converged} |
| fit MBG/NBD | ${sec(mbgFit.ms)} | runs ${mbgFit.all.map(sec).join(' / ')}; ${mbgFit.value.fitInfo!.evaluations} evaluations; converged ${mbgFit.value.fitInfo!.converged} |
| fit Gamma-Gamma (${rep.length.toLocaleString('en')} repeat customers) | ${sec(ggFit.ms)} | runs ${ggFit.all.map(sec).join(' / ')}; converged ${ggFit.value.fitInfo!.converged} |
| P(alive), 1M customers | ${sec(pAlive.ms)} | |
| 12-month CLV, 1M customers (1 run) | ${sec(clv.ms)} | forecasts computed per distinct row |

Recovered parameters (relative error against the simulating values):
- BG/NBD (true r 0.243, α 4.414, a 0.793, b 2.426): ${pr(bgFit.value, BG)}
- MBG/NBD (true r 0.525, α 6.183, a 0.891, b 1.614): ${pr(mbgFit.value, MBG)}
- Gamma-Gamma (true p 6.25, q 3.74, v 15.44): p ${fmt(gg.p)} (${err(gg.p, GG.p)}), q ${fmt(gg.q)} (${err(gg.q, GG.q)}), v ${fmt(gg.v)} (${err(gg.v, GG.v)})

Peak RSS ${peakRssMiB().toFixed(0)} MiB. Goal: each fit ≤ 10 s on 2 cores.
`;
  writeSection('Churn models (1M customers)', md);
  log(md);
});
