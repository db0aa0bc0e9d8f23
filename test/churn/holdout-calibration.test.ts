import fs from 'node:fs';
import path from 'node:path';
import { BgNbdModel } from '../../src/churn';
import { applyCalibration, CALIBRATION_SAMPLE, calibrationHorizonDays, fitHoldoutCalibration, survivalIfAlive, type HoldoutState } from '../../src/churn/holdout-calibration';
import { SeededRandom } from '../../src/shared/random';
import { holdoutStateAt } from './cdnow-fixture';

/**
 * The holdout calibration of P(no purchase within the horizon) (src/churn/holdout-calibration.ts), on the committed
 * 600-customer CDNOW slice: learned one horizon before 1997-09-30 from the purchases the store had then and who
 * bought in the following horizon. CDNOW's customers all start in 1997-Q1, so a 273-day horizon leaves no history
 * before the split: the calibration must then say so rather than invent a map.
 */
const tx = fs
  .readFileSync(path.resolve(__dirname, '../fixtures/cdnow/master-first-600.txt'), 'utf8')
  .split(/\r?\n/)
  .filter((l) => l.trim() !== '' && !/customer_id/.test(l))
  .map((l) => {
    const f = l.trim().split(/\s+/);
    return { customer: String(Number(f[0])), date: f[1], value: Number(f[3]) };
  });

const stateAt = (end: string, horizonDays: number): HoldoutState => holdoutStateAt(tx, end, horizonDays);

describe('holdout calibration of P(no purchase)', () => {
  it('learns a map on the split one 90-day horizon before the cutoff that does not worsen the split’s log loss', () => {
    const r = fitHoldoutCalibration(stateAt('1997-07-02', 90), { model: 'mbg-nbd', horizonDays: 90 });
    expect(r.calibration).not.toBeNull();
    const c = r.calibration!;
    console.log(r.reason, c.coefficients.map((v) => +v.toFixed(3)));
    expect(c.customers).toBe(600);
    expect(c.coefficients).toHaveLength(5);
    expect(c.sampleSize).toBe(600);
    // Fisher scoring from the identity: the map's log loss on the split is not above the model's own (ridge aside).
    const s = stateAt('1997-07-02', 90);
    const m = BgNbdModel.fromParams(c.splitFit);
    const S = survivalIfAlive(m.params, 90 / 7, s);
    const pAlive = m.pAliveMany(s);
    const p = Float64Array.from(pAlive, (a, i) => 1 - a * (1 - S[i]));
    const q = applyCalibration(c, pAlive, S, s);
    const logLoss = (v: ArrayLike<number>) =>
      Array.from(v).reduce((a, pi, i) => a - Math.log(Math.min(Math.max(s.boughtAfter[i] ? 1 - pi : pi, 1e-12), 1)), 0) / v.length;
    expect(logLoss(q)).toBeLessThanOrEqual(logLoss(p) + 1e-3);
    // A customer more likely alive by the model stays more likely alive: the map increases in logit P(alive).
    expect(c.coefficients[1]).toBeGreaterThan(0);
    expect(c.method).toBe('alive-logistic');
  });

  it('weighs spend only as far as the split’s outcomes support it; a missing or non-positive spend counts as the mean', () => {
    const base = stateAt('1997-07-02', 90);
    const rng = new SeededRandom(3);
    const fit = (aov: Float64Array) => fitHoldoutCalibration({ ...base, aov }, { model: 'mbg-nbd', horizonDays: 90 }).calibration!;
    // Spend unrelated to buying: its weight stays near 0.
    const noise = fit(Float64Array.from(base.aov, () => Math.exp(3 + 0.7 * rng.normal())));
    // Spend that does predict buying again (the future buyers spend about twice as much): a clearly positive weight.
    const telling = fit(Float64Array.from(base.boughtAfter, (b) => Math.exp(3 + 0.7 * b + 0.5 * rng.normal())));
    // Half the spends missing or zero: still learned, finite.
    const holes = fit(Float64Array.from(base.aov, (v, i) => (i % 4 === 0 ? NaN : i % 4 === 1 ? 0 : v)));
    console.log('spend weight: noise', noise.coefficients[4], 'telling', telling.coefficients[4], 'holes', holes.coefficients[4]);
    expect(Math.abs(noise.coefficients[4])).toBeLessThan(0.2);
    expect(telling.coefficients[4]).toBeGreaterThan(0.4);
    expect(telling.after.auc).toBeGreaterThan(noise.after.auc);
    expect(holes.coefficients.every(Number.isFinite)).toBe(true);
  });

  it('learns on a seeded sample of CALIBRATION_SAMPLE customers when the split is larger', () => {
    const base = stateAt('1997-07-02', 90);
    const copies = Math.ceil((CALIBRATION_SAMPLE * 1.2) / base.x.length);
    const tile = <A extends Float64Array | Uint8Array>(v: ArrayLike<number>, make: (n: number) => A): A => {
      const out = make(v.length * copies);
      for (let c = 0; c < copies; c++) out.set(Array.from(v), c * v.length);
      return out;
    };
    const big: HoldoutState = {
      x: tile(base.x, (n) => new Float64Array(n)), tx: tile(base.tx, (n) => new Float64Array(n)), T: tile(base.T, (n) => new Float64Array(n)),
      boughtAfter: tile(base.boughtAfter, (n) => new Uint8Array(n)), aov: tile(base.aov, (n) => new Float64Array(n)),
    };
    const a = fitHoldoutCalibration(big, { model: 'mbg-nbd', horizonDays: 90 });
    const b = fitHoldoutCalibration(big, { model: 'mbg-nbd', horizonDays: 90 });
    expect(a.calibration!.customers).toBe(big.x.length);
    expect(a.calibration!.sampleSize).toBe(CALIBRATION_SAMPLE);
    expect(a.reason).toMatch(new RegExp(`a seeded sample of ${CALIBRATION_SAMPLE} of the ${big.x.length} customers`));
    expect(b.calibration!.coefficients).toEqual(a.calibration!.coefficients);
    // The sample stands for the split (here 100 copies of the same 600 customers): the map is theirs within sampling noise.
    const full = fitHoldoutCalibration(base, { model: 'mbg-nbd', horizonDays: 90 }).calibration!;
    a.calibration!.coefficients.forEach((w, j) => expect(Math.abs(w - full.coefficients[j])).toBeLessThan(0.15));
  });

  it('falls back, and says why, when the history before the split is too short', () => {
    const r = fitHoldoutCalibration(stateAt('1996-12-31', 273), { model: 'mbg-nbd', horizonDays: 273 });
    expect(r.calibration).toBeNull();
    expect(r.reason).toMatch(/not calibrated: the history one horizon before as-of has 0 customers/);
  });

  it('the identity map returns the model’s own probability', () => {
    const pAlive = [0.01, 0.3, 0.5, 0.97];
    const S = [0.2, 0.5, 0.9, 0.99];
    const q = applyCalibration({ coefficients: [0, 1, 0, 0, 0], spend: { centre: 3, scale: 1 } }, pAlive, S, { x: [0, 1, 2, 3], tx: [0, 1, 2, 3], T: [5, 6, 7, 8], aov: [NaN, 0, 20, 1e6] });
    q.forEach((v, i) => expect(v).toBeCloseTo(1 - pAlive[i] * (1 - S[i]), 12));
  });

  it('calibrates over the product’s horizon when the history holds two, else over half the history', () => {
    expect(calibrationHorizonDays(400, 90)).toBe(90);
    expect(calibrationHorizonDays(273, 273)).toBe(136);
    expect(calibrationHorizonDays(20, 90)).toBeNull();
  });
});
