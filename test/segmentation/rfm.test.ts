import { churnTier, OTHERS, quintileBoundaryValues, quintileScores, quintileThresholdRanks, RFM_SEGMENTS, rfmScore, rfmSegment, scoreRfm } from '../../src/segmentation/rfm';

const scores = (xs: number[]) => Array.from(quintileScores(xs));

describe('quintileScores', () => {
  it('gives exact quintiles when there are no ties', () => {
    expect(scores([10, 20, 30, 40, 50])).toEqual([1, 2, 3, 4, 5]);
    expect(scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(scores([9, 3, 7, 1, 5, 10, 2, 8, 4, 6])).toEqual([5, 2, 4, 1, 3, 5, 1, 4, 2, 3]);
    // 7 values: below = 0..6 → 1 + ⌊5·below/7⌋ = 1,1,2,3,3,4,5
    expect(scores([1, 2, 3, 4, 5, 6, 7])).toEqual([1, 1, 2, 3, 3, 4, 5]);
  });

  it('keeps ties together in the quintile where the tie group starts', () => {
    expect(scores([1, 2, 2, 2, 3, 4, 5, 6, 7, 8])).toEqual([1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
    // A dominant floor: the one value above it starts its own range at 2.
    expect(scores([5, 5, 5, 5, 5, 5, 5, 5, 5, 9])).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(scores([4, 4])).toEqual([1, 1]);
    expect(scores([7])).toEqual([1]);
    expect(scores([])).toEqual([]);
  });

  it('gives a dominant floor score 1 and spreads the rest over 2–5', () => {
    // floor of 3 > 10/5: the others by quartiles of the 7 above it: 2 + ⌊4·(below−3)/7⌋
    expect(scores([1, 1, 1, 2, 3, 4, 5, 6, 7, 8])).toEqual([1, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    // 97 % one-time buyers: they all get 1, repeat buyers still differ.
    const f = [...Array(97).fill(1), 2, 2, 3];
    const s = scores(f);
    expect(new Set(s.slice(0, 97))).toEqual(new Set([1]));
    expect(s.slice(97)).toEqual([2, 2, 4]);
    // Exactly a fifth at the floor is not dominant.
    expect(scores([1, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('ranks -Infinity lowest and refuses NaN', () => {
    expect(scores([-Infinity, 1, 2, 3, 4])).toEqual([1, 2, 3, 4, 5]);
    expect(() => quintileScores([1, NaN], 'monetary')).toThrow(/monetary\[1\] is NaN/);
  });
});

describe('quintileThresholdRanks', () => {
  // Data whose answer is known from quintileScores itself: a value scores s exactly when at least k_s values lie
  // strictly below it. Mixes: no ties, many ties, a dominant floor (most buy once), a small floor, tiny sets.
  const mixes: Record<string, number[]> = {
    distinct: Array.from({ length: 37 }, (_, i) => (i * 7919) % 101),
    ties: Array.from({ length: 50 }, (_, i) => Math.floor(i / 6)),
    dominantFloor: [...Array(70).fill(1), ...Array.from({ length: 30 }, (_, i) => 2 + (i % 9))],
    smallFloor: [...Array(15).fill(0), ...Array.from({ length: 85 }, (_, i) => 1 + i)],
    negInfinity: [-Infinity, -Infinity, 3, 4, 4, 9, 12, 15],
    one: [5],
    two: [5, 6],
  };
  it.each(Object.entries(mixes))('inverts quintileScores on %s', (_name, xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const floor = sorted.filter((v) => v === sorted[0]).length;
    const ks = quintileThresholdRanks(xs.length, floor);
    expect(ks).toHaveLength(4);
    const got = xs.map((v) => {
      const below = sorted.filter((u) => u < v).length;
      return 1 + ks.filter((k) => below >= k).length;
    });
    expect(got).toEqual(scores(xs));
  });
});

describe('quintileBoundaryValues', () => {
  const score = (above: (number | null)[], v: number) => 1 + above.filter((t) => t === null || v > t).length;
  it.each([
    ['distinct values', Array.from({ length: 23 }, (_, i) => (i * 7) % 23)],
    ['most values tied at the smallest (one-time buyers)', [...Array(70).fill(1), 2, 2, 3, 5, 5, 8, ...Array(24).fill(4)]],
    ['unknown spend ranked lowest', [-Infinity, -Infinity, -Infinity, 10, 20, 20, 30, -Infinity, 15, 12]],
    ['one value', [3]],
  ])('scoring each member against them gives back its quintile score (%s)', (_name, values) => {
    const above = quintileBoundaryValues(values);
    expect(above).toHaveLength(4);
    const expected = Array.from(quintileScores(values));
    expect(values.map((v) => score(above, v))).toEqual(expected);
  });

  it('refuses no values', () => {
    expect(() => quintileBoundaryValues([])).toThrow(/no values/);
  });
});

describe('RFM segments', () => {
  // The documented grid, row by row (R = 5 … 1), F = 1 … 5.
  const grid: Record<number, string[]> = {
    5: ['New Customers', 'Potential Loyalist', 'Loyal Customers', 'Champions', 'Champions'],
    4: ['Promising', 'Potential Loyalist', 'Loyal Customers', 'Champions', 'Champions'],
    3: ['About To Sleep', 'Need Attention', 'Loyal Customers', 'Loyal Customers', 'Loyal Customers'],
    2: ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose Them"],
    1: ['Lost', 'Lost', 'At Risk', 'At Risk', "Can't Lose Them"],
  };
  const cells = Object.entries(grid).flatMap(([r, row]) => row.map((name, i) => [Number(r), i + 1, name] as const));

  it.each(cells)('R=%i F=%i is %s', (r, f, name) => {
    expect(rfmSegment(r, f)).toBe(name);
  });

  it('reaches every named segment and keeps the listed order', () => {
    expect(new Set(cells.map((c) => c[2]))).toEqual(new Set(RFM_SEGMENTS.map((s) => s.name)));
    expect(RFM_SEGMENTS.map((s) => s.name)).toEqual([
      'Champions', 'Loyal Customers', 'Potential Loyalist', 'New Customers', 'Promising', 'Need Attention',
      'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating', 'Lost',
    ]);
    expect(rfmSegment(0, 0)).toBe(OTHERS);
  });

  it('maps segments to churn tiers', () => {
    for (const s of ['Lost', 'Hibernating', 'At Risk', "Can't Lose Them"]) expect(churnTier(s)).toBe('HIGH');
    for (const s of ['About To Sleep', 'Need Attention']) expect(churnTier(s)).toBe('MEDIUM');
    for (const s of ['Champions', 'Loyal Customers', 'Potential Loyalist', 'New Customers', 'Promising', OTHERS]) expect(churnTier(s)).toBe('LOW');
  });

  it('weighs R, F and M 0.5 / 0.3 / 0.2', () => {
    expect(rfmScore(5, 5, 5)).toBeCloseTo(5, 12);
    expect(rfmScore(1, 1, 1)).toBeCloseTo(1, 12);
    expect(rfmScore(4, 1, 3)).toBeCloseTo(2 + 0.3 + 0.6, 12);
  });
});

describe('scoreRfm', () => {
  it('reverses recency, scores F and M upwards and ranks unknown spend lowest', () => {
    const rows = [
      { customerId: 1, recencyDays: 1, frequency: 1, monetary: 10 },
      { customerId: 2, recencyDays: 10, frequency: 2, monetary: 50 },
      { customerId: 3, recencyDays: 100, frequency: 3, monetary: null },
      { customerId: 4, recencyDays: 1000, frequency: 4, monetary: 20 },
      { customerId: 5, recencyDays: 10000, frequency: 5, monetary: 30 },
    ];
    const out = scoreRfm(rows);
    expect(out.map((o) => o.r)).toEqual([5, 4, 3, 2, 1]);
    expect(out.map((o) => o.f)).toEqual([1, 2, 3, 4, 5]);
    expect(out.map((o) => o.m)).toEqual([2, 5, 1, 3, 4]);
    expect(out[0]).toMatchObject({ customerId: 1, segment: 'New Customers', churnTier: 'LOW' });
    expect(out[4]).toMatchObject({ customerId: 5, segment: "Can't Lose Them", churnTier: 'HIGH' });
    expect(out[1].rfmScore).toBeCloseTo(0.5 * 4 + 0.3 * 2 + 0.2 * 5, 12);
  });

  it('gives customers with equal values equal scores', () => {
    const rows = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map((v, i) => ({ customerId: i, recencyDays: v, frequency: 1, monetary: v * 10 }));
    const out = scoreRfm(rows);
    for (let i = 0; i < 10; i += 2) {
      expect(out[i].r).toBe(out[i + 1].r);
      expect(out[i].m).toBe(out[i + 1].m);
    }
    expect(new Set(out.map((o) => o.f))).toEqual(new Set([1]));
  });

  it('names the row and field of bad input', () => {
    expect(() => scoreRfm([{ customerId: 1, recencyDays: 1, frequency: 0, monetary: 1 }])).toThrow(/rows\[0\]\.frequency is 0/);
    expect(() => scoreRfm([{ customerId: 1, recencyDays: NaN, frequency: 1, monetary: 1 }])).toThrow(/rows\[0\]\.recencyDays/);
    expect(() => scoreRfm([{ customerId: 1, recencyDays: 1, frequency: 1, monetary: Infinity }])).toThrow(/rows\[0\]\.monetary/);
  });
});
