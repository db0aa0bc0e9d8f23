import { adjustedRandIndex, adjustedRandIndexFromContingency } from '../../src/segmentation/ari';
import { createRandom } from '../../src/shared/random';

describe('adjustedRandIndex', () => {
  it('matches scikit-learn documentation values', () => {
    // sklearn.metrics.adjusted_rand_score docstring examples
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285715, 14);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 14);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
  });

  it('matches a hand computation', () => {
    // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]
    // contingency n_ij: (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=2 → Σ C(n_ij,2) = 1 + 1 = 2
    // Σ C(a_i,2) = 3 + 3 = 6; Σ C(b_j,2) = 1 + 1 + 1 = 3; E = 6·3/C(6,2) = 18/15 = 1.2; max = (6 + 3)/2 = 4.5
    // ARI = (2 − 1.2)/(4.5 − 1.2) = 0.8/3.3 = 8/33
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(8 / 33, 14);
  });

  it('accepts labels of any kind and is symmetric', () => {
    const a = ['x', 'x', 'y', 'y', 'z'];
    const b = [true, true, false, false, false];
    expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 15);
    expect(adjustedRandIndex(['a', 'a', 'b'], [7, 7, 3])).toBe(1);
  });

  it('is about 0 for independent labelings', () => {
    const r = createRandom(12);
    const a = Array.from({ length: 5000 }, () => r.int(4));
    const b = Array.from({ length: 5000 }, () => r.int(5));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
  });

  it('rejects mismatched or missing labels', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow('b has 1 entries, expected 2 (one per row)');
    expect(() => adjustedRandIndex([0, null], [0, 1])).toThrow('a[1] is null');
    expect(() => adjustedRandIndex([], [])).toThrow(/empty/);
  });
});

describe('adjustedRandIndexFromContingency', () => {
  it('equals the label-based index on the same data', () => {
    const a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 1, 0];
    const b = ['x', 'x', 'y', 'y', 'y', 'z', 'z', 'z', 'x', 'z', 'y', 'x'];
    const counts = new Map<string, number>();
    a.forEach((v, i) => counts.set(`${v}|${b[i]}`, (counts.get(`${v}|${b[i]}`) ?? 0) + 1));
    const cells = [...counts].map(([k, count]) => ({ a: k.split('|')[0], b: k.split('|')[1], count }));
    expect(adjustedRandIndexFromContingency(cells)).toBeCloseTo(adjustedRandIndex(a, b), 12);
  });
  it('rejects an empty table and bad counts', () => {
    expect(() => adjustedRandIndexFromContingency([])).toThrow(/empty/);
    expect(() => adjustedRandIndexFromContingency([{ a: 1, b: 1, count: -1 }])).toThrow(/cells\[0\]\.count/);
  });
});
