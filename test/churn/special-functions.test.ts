import { digamma, gammaSign, hyp2f1, log1pExp, logAddExp, logBeta, logGamma, logSumExp, sigmoid } from '../../src/churn';

const EULER_GAMMA = 0.5772156649015329;
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('logGamma', () => {
  it('matches factorials, √π and the reflection formula', () => {
    let fact = 1;
    for (let n = 1; n <= 25; n++) {
      expect(Math.abs(logGamma(n) - Math.log(fact))).toBeLessThan(1e-13 * Math.max(1, Math.log(fact)));
      fact *= n;
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 14); // |Γ(−½)| = 2√π
    expect(gammaSign(-0.5)).toBe(-1);
    expect(gammaSign(-1.5)).toBe(1);
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-3)).toBe(Infinity);
  });

  it('agrees with Stirling’s series for large arguments', () => {
    for (const x of [50.5, 1e3, 1e5, 1e8]) {
      const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
      expect(relErr(logGamma(x), stirling)).toBeLessThan(1e-14);
    }
  });

  it('satisfies log Γ(x+1) = log Γ(x) + log x for small x (where a log-gamma is most delicate)', () => {
    for (const x of [1e-8, 0.01, 0.243, 0.793, 1.5, 2.426, 7.3]) expect(logGamma(x + 1)).toBeCloseTo(logGamma(x) + Math.log(x), 13);
  });

  it('logBeta(a, b) = log(Γ(a)Γ(b)/Γ(a+b))', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });
});

describe('digamma', () => {
  it('matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-EULER_GAMMA, 14);
    expect(digamma(0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2, 14);
    let harmonic = 0;
    for (let n = 1; n <= 30; n++) {
      harmonic += 1 / n;
      expect(digamma(n + 1)).toBeCloseTo(harmonic - EULER_GAMMA, 13);
    }
    expect(digamma(-0.5)).toBeCloseTo(2 - EULER_GAMMA - 2 * Math.LN2, 13); // ψ(−½) = ψ(½) + 2
    expect(Number.isNaN(digamma(0))).toBe(true);
  });

  it('is the derivative of logGamma', () => {
    for (const x of [0.05, 0.243, 1.7, 9.99, 10.01, 123.4]) {
      const h = 1e-5 * Math.max(1, x);
      const numeric = (logGamma(x + h) - logGamma(x - h)) / (2 * h);
      expect(relErr(digamma(x), numeric)).toBeLessThan(1e-7);
    }
  });
});

describe('log-sum-exp helpers', () => {
  it('do not overflow or underflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAddExp(-Infinity, -5)).toBe(-5);
    expect(logSumExp([1000, 1000, 1000])).toBeCloseTo(1000 + Math.log(3), 12);
    expect(logSumExp([-1000, -1001])).toBeCloseTo(-1000 + Math.log1p(Math.exp(-1)), 12);
    expect(logSumExp([])).toBe(-Infinity);
    expect(log1pExp(800)).toBe(800);
    expect(log1pExp(-800)).toBeCloseTo(0, 300);
    expect(log1pExp(0)).toBeCloseTo(Math.LN2, 15);
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
    expect(sigmoid(800)).toBe(1);
  });
});

describe('hyp2f1', () => {
  it('matches −ln(1 − z)/z = ₂F₁(1, 1; 2; z) across the real line (c − a − b = 0: the degenerate case)', () => {
    for (const z of [-50, -2, -0.7, -0.3, 0.3, 0.55, 0.7, 0.95, 0.999]) {
      expect(relErr(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
  });

  it('matches (1 − z)^(−a) = ₂F₁(a, b; b; z), including the connection formula past z = 0.97', () => {
    for (const [a, b] of [
      [0.37, 1.3],
      [2.5, 0.4],
    ])
      for (const z of [-20, -0.8, 0.2, 0.6, 0.9, 0.98, 0.9999]) {
        expect(relErr(hyp2f1(a, b, b, z), Math.pow(1 - z, -a))).toBeLessThan(1e-12);
      }
  });

  it('matches arcsin(x)/x = ₂F₁(½, ½; 3/2; x²) and arctan(x)/x = ₂F₁(½, 1; 3/2; −x²)', () => {
    for (const x of [0.1, 0.5, 0.8, 0.99, 0.99999]) expect(relErr(hyp2f1(0.5, 0.5, 1.5, x * x), Math.asin(x) / x)).toBeLessThan(1e-12);
    for (const x of [0.3, 1, 3, 30]) expect(relErr(hyp2f1(0.5, 1, 1.5, -x * x), Math.atan(x) / x)).toBeLessThan(1e-12);
  });

  it('matches high-precision reference values (mpmath, 40 digits)', () => {
    const ref: [number, number, number, number, number][] = [
      [0.243, 2.426, 2.219, 0.9, 1.947631169818602],
      [0.243, 2.426, 2.219, 0.999999, 233.33324907341472],
      [2.243, 4.426, 6.219, 0.95, 39.3168220866436],
      [0.5, 0.3, 0.2, 0.7, 2.340857200273519],
      [1.5, 2.5, 1.3, -3, 0.009541168318721004],
      [0.3, 0.7, 1.2, -100, 0.34301903387442767],
      [3, 4, 6.5, 0.999, 1135.4621667336362],
      [8.7, 14.1, 15.7, 0.5030959752321982, 218.1419186696231],
    ];
    for (const [a, b, c, z, want] of ref) expect([a, b, c, z, relErr(hyp2f1(a, b, c, z), want) < 1e-13]).toEqual([a, b, c, z, true]);
  });

  it('handles polynomial cases, z = 1 (Gauss) and bad arguments', () => {
    // ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const [b, c, z] = [1.7, 3.2, -4];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 12);
    // Gauss: ₂F₁(a, b; c; 1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b))
    expect(hyp2f1(0.5, 0.5, 2, 1)).toBeCloseTo(Math.exp(logGamma(2) + logGamma(1) - 2 * logGamma(1.5)), 13);
    expect(hyp2f1(1, 1, 2, 1)).toBe(Infinity);
    expect(() => hyp2f1(1, 1, 2, 1.5)).toThrow('z must be ≤ 1');
    expect(() => hyp2f1(1, NaN, 2, 0.5)).toThrow('arguments must be finite');
    expect(Number.isNaN(hyp2f1(1, 1, -2, 0.5))).toBe(true);
  });
});
