import { digamma, gammaSign, hyp2f1, log1pExp, logAddExp, logBeta, logGamma, logSumExp, sigmoid } from '../../src/churn';
import { HYP2F1_MAX_TERMS } from '../../src/churn/special-functions';

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

  it('matches mpmath near z = 1 with c − a − b at, near and off integers (1 − z transformations, 1e-10)', () => {
    // Reference: mpmath 1.3.0, mp.dps = 40, mp.hyp2f1(a, b, c, z) rounded to double, for a, b in {(0.243, 2.426),
    // (2.5, 3.1)}, c = a + b + m + gap with m in −1..2 and gap in {0, 1e-9, −3e-7, 5e-5, −2e-4}, and (1.3, 0.7)
    // with c near 0 (m = −2); z = 0.9, 0.97, 0.999, 0.99999 in that order.
    const zs = [0.9, 0.97, 0.999, 0.99999];
    const ref: [number, number, number, number[]][] = [
      [0.243, 2.426, 1.669, [3.1357361669831962, 7.83709752099422, 193.45061532156123, 19132.574682422768]],
      [0.243, 2.426, 1.6690000010000001, [3.1357361631681817, 7.8370975019015585, 193.45061414053845, 19132.57447672803]],
      [0.243, 2.426, 1.6689997, [3.135737311487892, 7.837103248795349, 193.450969628711, 19132.636390941017]],
      [0.243, 2.426, 1.6690500000000001, [3.135545428242056, 7.836142970634841, 193.3915738358468, 19122.29276904244]],
      [0.243, 2.426, 1.6688, [3.13649936139147, 7.840917376187346, 193.68697431309963, 19173.758832539712]],
      [0.243, 2.426, 2.669, [1.5914182426362327, 1.9478953333535038, 3.0146471446087406, 4.483663217001768]],
      [0.243, 2.426, 2.669000001, [1.5914182421016998, 1.9478953321170238, 3.0146471391363336, 4.4836631999853465]],
      [0.243, 2.426, 2.6689997, [1.5914184029961516, 1.947895704297595, 3.0146487863316422, 4.483668321933067]],
      [0.243, 2.426, 2.66905, [1.591391517005837, 1.9478335125898396, 3.0143735518831396, 4.482812543963373]],
      [0.243, 2.426, 2.6688, [1.5915251654939053, 1.9481426810622773, 3.0157420675359305, 4.487068869873455]],
      [0.243, 2.426, 3.669, [1.2965881349767345, 1.376302267949901, 1.4404272552032793, 1.4453858972791291]],
      [0.243, 2.426, 3.669000001, [1.2965881348199702, 1.3763022677050598, 1.4404272548415074, 1.4453858969005429]],
      [0.243, 2.426, 3.6689997, [1.2965881820060539, 1.3763023414022837, 1.4404273637349185, 1.4453860108550465]],
      [0.243, 2.426, 3.66905, [1.296580296951286, 1.3762900262662858, 1.4404091673687491, 1.4453669688299238]],
      [0.243, 2.426, 3.6688, [1.296619490944321, 1.3763512422429878, 1.4404996218919581, 1.4454616283821642]],
      [0.243, 2.426, 4.6690000000000005, [1.1924278357180949, 1.226428359978655, 1.2446486488282116, 1.245367140693614]],
      [0.243, 2.426, 4.669000001000001, [1.1924278356494669, 1.226428359887814, 1.2446486487217518, 1.2453671405863977]],
      [0.243, 2.426, 4.6689997000000005, [1.1924278563065192, 1.2264283872309243, 1.2446486807661012, 1.2453671728584863]],
      [0.243, 2.426, 4.66905, [1.1924244043739394, 1.226423818025037, 1.2446433259672902, 1.2453617800040822]],
      [0.243, 2.426, 4.6688, [1.1924415622854023, 1.2264465296077287, 1.2446699426713455, 1.2453885858879692]],
      [2.5, 3.1, 4.6, [29.151265933371924, 123.8458934527296, 4506.708971183797, 457906.0224123962]],
      [2.5, 3.1, 4.600000001, [29.151265899906722, 123.84589320652536, 4506.70894875097, 457906.0180512527]],
      [2.5, 3.1, 4.5999997, [29.15127597293459, 123.84596731402256, 4506.715701036584, 457907.3307572472]],
      [2.5, 3.1, 4.6000499999999995, [29.14959273999319, 123.83358398687517, 4505.58747873217, 457688.0182393024]],
      [2.5, 3.1, 4.599799999999999, [29.157960040375976, 123.89514622224897, 4511.197917828213, 458779.09948653396]],
      [2.5, 3.1, 5.6, [11.598291821576222, 25.509800979011562, 87.02778770737778, 183.19584823273087]],
      [2.5, 3.1, 5.600000001, [11.598291813170176, 25.509800948248465, 87.02778746738409, 183.19584731528596]],
      [2.5, 3.1, 5.5999997, [11.598294343389721, 25.509810207942643, 87.02785970551906, 183.1961234664507]],
      [2.5, 3.1, 5.6000499999999995, [11.597871531892332, 25.508262891702422, 87.01578911743137, 183.1499834578897]],
      [2.5, 3.1, 5.599799999999999, [11.599973230161405, 25.515954677757975, 87.0758039474117, 183.37945674546705]],
      [2.5, 3.1, 6.6, [6.482646783080387, 10.108963387254981, 14.705155127560136, 15.21426828750758]],
      [2.5, 3.1, 6.600000001, [6.482646780088917, 10.108963380238723, 14.705155111801815, 15.214268269982375]],
      [2.5, 3.1, 6.5999997, [6.482647680521577, 10.108965492132281, 14.705159855057204, 15.214273545070439]],
      [2.5, 3.1, 6.6000499999999995, [6.48249721291402, 10.108612585234992, 14.704367249650462, 15.213392075035122]],
      [2.5, 3.1, 6.599799999999999, [6.483245130654231, 10.110366811332737, 14.708307400134336, 15.217774091950428]],
      [2.5, 3.1, 7.6, [4.44555524225924, 5.876219140554336, 6.949807948590056, 7.001829777725686]],
      [2.5, 3.1, 7.600000001, [4.445555240895957, 5.876219138082403, 6.949807944933116, 7.001829773993007]],
      [2.5, 3.1, 7.5999997, [4.445555651244251, 5.876219882134334, 6.9498090456720965, 7.001830897529335]],
      [2.5, 3.1, 7.6000499999999995, [4.445487079273279, 5.876095546627779, 6.949625106695993, 7.0016431491049]],
      [2.5, 3.1, 7.599799999999999, [4.445827917713896, 5.876713570733658, 6.950539417822757, 7.0025763980005085]],
      [1.3, 0.7, 1e-09, [77882524498.96869, 927547162847.2875, 857612242415415.2, 8.583858691718851e+18]],
      [1.3, 0.7, -3e-07, [-259608663.7541905, -3091828039.065012, -2858714278182.2744, -2.861297007305615e+16]],
      [1.3, 0.7, 5e-05, [1557402.5881763573, 18546794.78313207, 17145465520.1332, 171569800974863.03]],
    ];
    for (const [a, b, c, want] of ref)
      zs.forEach((z, i) => expect([a, b, c, z, relErr(hyp2f1(a, b, c, z), want[i]) < 1e-10]).toEqual([a, b, c, z, true]));
  });

  it('costs a bounded number of terms: every series stops at its cap (at most HYP2F1_MAX_TERMS) and throws there', () => {
    expect(() => hyp2f1(0.5, 0.7, 1.2, 0.45, 5)).toThrow('in 5 terms');
    // A larger cap is clamped to HYP2F1_MAX_TERMS; near z = 1 the 1 − z series need a few dozen terms.
    expect(relErr(hyp2f1(0.5, 0.5, 1.5, 0.99999999, 1e9), Math.asin(Math.sqrt(0.99999999)) / Math.sqrt(0.99999999))).toBeLessThan(1e-12);
    expect(HYP2F1_MAX_TERMS).toBeLessThanOrEqual(20_000);
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
