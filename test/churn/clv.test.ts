import {
  BgNbdModel,
  conditionalExpectedAverageSpend,
  conditionalExpectedPurchases,
  customerLifetimeValue,
  customerLifetimeValues,
  discountedExpectedPurchases,
  GammaGammaModel,
  MONTH_LENGTH,
  type BgNbdParams,
} from '../../src/churn';

const BG: BgNbdParams = { kind: 'bg-nbd', r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const MBG: BgNbdParams = { kind: 'mbg-nbd', r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
const GG = { p: 6.25, q: 3.74, v: 15.44 };

/** The lifetimes recipe written out: monthly increments of E[Y(t)], discounted. */
function manualClv(p: BgNbdParams, x: number, tx: number, T: number, m: number, months: number, d: number, month: number): number {
  const spend = conditionalExpectedAverageSpend(GG, x, m);
  let clv = 0;
  for (let i = 1; i <= months; i++) {
    const inc = conditionalExpectedPurchases(p, i * month, x, tx, T) - conditionalExpectedPurchases(p, (i - 1) * month, x, tx, T);
    clv += (inc * spend) / (1 + d) ** i;
  }
  return clv;
}

describe('customerLifetimeValue', () => {
  it('discounts the monthly expected purchases times the expected spend (weeks: 4.345-week months)', () => {
    for (const p of [BG, MBG]) {
      const v = customerLifetimeValue({ transactionModel: p, spendModel: GG, x: 2, tx: 30.43, T: 38.86, m: 22.35 });
      expect(v).toBeCloseTo(manualClv(p, 2, 30.43, 38.86, 22.35, 12, 0.01, 4.345), 10);
      expect(v).toBeGreaterThan(0);
    }
  });

  it('with no discount and one month, is E[Y(one month)] × spend; more months add value; discount lowers it', () => {
    const base = { transactionModel: BG, spendModel: GG, x: 5, tx: 20, T: 30, m: 40 };
    const one = customerLifetimeValue({ ...base, horizonMonths: 1, monthlyDiscount: 0 });
    expect(one).toBeCloseTo(conditionalExpectedPurchases(BG, 4.345, 5, 20, 30) * conditionalExpectedAverageSpend(GG, 5, 40), 10);
    expect(customerLifetimeValue({ ...base, horizonMonths: 24 })).toBeGreaterThan(customerLifetimeValue(base));
    expect(customerLifetimeValue({ ...base, monthlyDiscount: 0.05 })).toBeLessThan(customerLifetimeValue({ ...base, monthlyDiscount: 0 }));
  });

  it('uses 30-day months for a day-unit model', () => {
    const dayParams = { ...BG, alpha: BG.alpha * 7 };
    const model = BgNbdModel.fromParams(dayParams, 'day');
    const v = customerLifetimeValue({ transactionModel: model, spendModel: GammaGammaModel.fromParams(GG), x: 2, tx: 213, T: 272, m: 22.35 });
    expect(MONTH_LENGTH.day).toBe(30);
    expect(v).toBeCloseTo(manualClv(dayParams, 2, 213, 272, 22.35, 12, 0.01, 30), 10);
  });

  it('values a one-time buyer at the population mean spend', () => {
    const v = customerLifetimeValue({ transactionModel: BG, spendModel: GG, x: 0, tx: 0, T: 10, m: 0 });
    expect(v).toBeCloseTo(manualClv(BG, 0, 0, 10, 0, 12, 0.01, 4.345), 10);
  });

  it('validates its arguments', () => {
    const base = { transactionModel: BG, spendModel: GG, x: 1, tx: 1, T: 2, m: 10 };
    expect(() => customerLifetimeValue({ ...base, horizonMonths: 0 })).toThrow('horizonMonths (0) must be an integer ≥ 1');
    expect(() => customerLifetimeValue({ ...base, monthlyDiscount: -0.1 })).toThrow('monthlyDiscount (-0.1) must be a finite number ≥ 0');
    expect(() => customerLifetimeValue({ ...base, spendModel: { ...GG, q: 1 } })).toThrow('q (1) must be > 1');
    expect(() => customerLifetimeValue({ ...base, tx: 3 })).toThrow('row 0: t_x (3) > T (2)');
    expect(() => customerLifetimeValue({ ...base, transactionModel: new BgNbdModel() })).toThrow('not fitted');
  });
});

describe('customerLifetimeValues', () => {
  it('equals the per-customer values, sharing work across identical histories', () => {
    const x = [0, 0, 2, 2, 7, 1];
    const tx = [0, 0, 30.43, 30.43, 29.43, 5];
    const T = [38.86, 38.86, 38.86, 38.86, 38.86, 12];
    const m = [0, 0, 22.35, 50, 73.74, 11.77];
    const out = customerLifetimeValues({ transactionModel: MBG, spendModel: GG, x, tx, T, m, horizonMonths: 6 });
    expect(out).toHaveLength(6);
    x.forEach((_, i) => expect(out[i]).toBeCloseTo(customerLifetimeValue({ transactionModel: MBG, spendModel: GG, x: x[i], tx: tx[i], T: T[i], m: m[i], horizonMonths: 6 }), 12));
    expect(out[3]).toBeGreaterThan(out[2]); // same history, higher spend
  });

  it('names the row of a bad value', () => {
    expect(() => customerLifetimeValues({ transactionModel: BG, spendModel: GG, x: [1, 1], tx: [1, 1], T: [2, 2], m: [10, -5] })).toThrow('row 1: monetary value (-5) must be > 0');
    expect(() => customerLifetimeValues({ transactionModel: BG, spendModel: GG, x: [1, 1], tx: [1, 1], T: [2, 2], m: [10] })).toThrow('x has 2 rows but m has 1');
  });
});

describe('discountedExpectedPurchases', () => {
  it('is CLV per unit of spend: CLV divided by the customer expected spend', () => {
    const tp = { kind: 'bg-nbd' as const, r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const sp = { p: 6.25, q: 3.74, v: 15.44 };
    const data = { x: [0, 2, 2, 7], tx: [0, 30.43, 30.43, 35], T: [38.86, 38.86, 38.86, 38.86] };
    const m = [0, 35, 35, 20];
    const clv = customerLifetimeValues({ transactionModel: tp, spendModel: sp, ...data, m });
    const unit = discountedExpectedPurchases(tp, data);
    expect(unit[1]).toBe(unit[2]); // identical histories, identical forecasts
    unit.forEach((u, i) => expect(u * conditionalExpectedAverageSpend(sp, data.x[i], m[i])).toBeCloseTo(clv[i], 10));
  });
});
