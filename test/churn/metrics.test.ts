import { calibrationTable, meanAbsoluteError, rocAuc, sumRatio, topDecileLift } from '../../src/churn';
import { SeededRandom } from '../../src/shared/random';

/** AUC by brute force over every (positive, negative) pair, ties counting ½. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let s = 0;
  let n = 0;
  scores.forEach((sp, i) => {
    if (!labels[i]) return;
    scores.forEach((sn, j) => {
      if (labels[j]) return;
      n++;
      s += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return s / n;
}

describe('rocAuc', () => {
  it('matches hand-worked examples, with and without ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Positives {1, 2}, negatives {1, 2}: ½ + 0 + 1 + ½ over 4 pairs.
    expect(rocAuc([1, 1, 2, 2], [0, 1, 0, 1])).toBe(0.5);
    // Positives {0.5, 0.9}, negatives {0.5, 0.5}: ½ + ½ + 1 + 1 over 4 pairs.
    expect(rocAuc([0.5, 0.5, 0.5, 0.9], [true, false, false, true])).toBe(0.75);
    expect(rocAuc([3, 2, 1], [1, 0, 0])).toBe(1);
    expect(rocAuc([3, 2, 1], [0, 1, 1])).toBe(0);
  });

  it('equals the pairwise definition on random data with many ties', () => {
    const rng = new SeededRandom(1);
    const scores = Array.from({ length: 300 }, () => rng.int(12) / 4);
    const labels = scores.map((s) => (rng.next() < 0.2 + s / 5 ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
  });

  it('needs both classes and valid labels', () => {
    expect(() => rocAuc([1, 2], [1, 1])).toThrow('needs both classes (got 2 positive, 0 negative)');
    expect(() => rocAuc([1, 2], [1, 2])).toThrow('labels[1] (2) must be 0/1 or a boolean');
    expect(() => rocAuc([1, NaN], [1, 0])).toThrow('scores[1] (NaN) is not a finite number');
    expect(() => rocAuc([1, 2], [1])).toThrow('labels has 1 rows, expected 2');
  });
});

describe('topDecileLift', () => {
  it('is the top 10% positive rate over the base rate', () => {
    // 20 customers, base rate 4/20; the top 2 by score are both positive → rate 1 → lift 5.
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const labels = scores.map((_, i) => (i < 2 || i === 10 || i === 15 ? 1 : 0));
    expect(topDecileLift(scores, labels)).toBe(5);
  });

  it('counts a tie group straddling the cut in proportion, whatever the input order', () => {
    // Top 10% of 10 = 1 customer; the best score is shared by 2 (one positive): half a positive → rate 0.5.
    const scores = [9, 9, 1, 1, 1, 1, 1, 1, 1, 1];
    const a = topDecileLift(scores, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const b = topDecileLift(scores, [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(a).toBe(b);
    expect(a).toBeCloseTo(0.5 / 0.2, 12);
  });

  it('works with continuous outcomes and other fractions', () => {
    expect(topDecileLift([3, 2, 1, 0], [10, 0, 0, 10], 0.25)).toBeCloseTo(10 / 5, 12);
    expect(() => topDecileLift([1, 2], [0, 0])).toThrow('every actual value is 0');
    expect(() => topDecileLift([1, 2], [1, 0], 0)).toThrow('fraction (0) must be in (0, 1]');
  });
});

describe('calibrationTable', () => {
  it('bins by predicted value into equal-size groups with mean predicted and actual', () => {
    const predicted = Array.from({ length: 25 }, (_, i) => i / 25);
    const actual = predicted.map((p, i) => (i % 2 === 0 ? 1 : 0) + p);
    const table = calibrationTable(predicted, actual, 5);
    expect(table.map((b) => b.count)).toEqual([5, 5, 5, 5, 5]);
    expect(table[0]).toMatchObject({ bin: 1, minPredicted: 0, maxPredicted: 4 / 25 });
    expect(table[0].meanPredicted).toBeCloseTo(2 / 25, 12);
    expect(table[0].meanActual).toBeCloseTo(2 / 25 + 3 / 5, 12);
    expect(calibrationTable(Array.from({ length: 23 }, (_, i) => i), Array(23).fill(0)).map((b) => b.count)).toEqual([2, 2, 2, 3, 2, 2, 3, 2, 2, 3]);
    expect(() => calibrationTable([1, 2], [1, 2])).toThrow('needs at least 10 rows');
  });
});

describe('meanAbsoluteError and sumRatio', () => {
  it('compute the usual definitions', () => {
    expect(meanAbsoluteError([1, 2, 3], [2, 2, 5])).toBe(1);
    expect(sumRatio([1, 2, 3], [2, 2, 2])).toBe(1);
    expect(sumRatio([1, 1], [0, 0])).toBe(Infinity);
    expect(() => meanAbsoluteError([], [])).toThrow('at least one row');
  });
});
