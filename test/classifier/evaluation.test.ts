import { accuracy, classificationReport, confusionMatrix, macroF1, stratifiedSplit } from '../../src/classifier/evaluation';

describe('classification scores', () => {
  // true:  a a a b b c
  // pred:  a a b b c c
  const yTrue = ['a', 'a', 'a', 'b', 'b', 'c'];
  const yPred = ['a', 'a', 'b', 'b', 'c', 'c'];

  it('computes the confusion matrix (rows = true, columns = predicted)', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('computes accuracy, per-class precision/recall/F1 and macro-F1 (hand computation)', () => {
    // a: P = 2/2, R = 2/3, F1 = 0.8;  b: P = 1/2, R = 1/2, F1 = 0.5;  c: P = 1/2, R = 1, F1 = 2/3
    // macro-F1 = (0.8 + 0.5 + 2/3)/3 = 59/90; accuracy = 4/6
    const r = classificationReport(yTrue, yPred);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 15);
    expect(r.accuracy).toBeCloseTo(4 / 6, 15);
    expect(r.perClass.map((c) => c.label)).toEqual(['a', 'b', 'c']);
    expect(r.perClass[0]).toMatchObject({ precision: 1, support: 3 });
    expect(r.perClass[0].recall).toBeCloseTo(2 / 3, 15);
    expect(r.perClass[0].f1).toBeCloseTo(0.8, 15);
    expect(r.perClass[1].f1).toBeCloseTo(0.5, 15);
    expect(r.perClass[2]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    expect(r.macroF1).toBeCloseTo(59 / 90, 15);
    expect(macroF1(yTrue, yPred)).toBeCloseTo(59 / 90, 15);
  });

  it('scores a class that is never predicted as 0, and checks its inputs', () => {
    const r = classificationReport([1, 1, 2], [1, 1, 1]);
    expect(r.perClass[1]).toEqual({ label: 2, precision: 0, recall: 0, f1: 0, support: 1 });
    expect(() => accuracy([1, 2], [1])).toThrow('yTrue has 2 entries, yPred has 1');
    expect(() => accuracy([1, null as unknown as number], [1, 2])).toThrow('yTrue[1] is null, expected a string, number or boolean');
    expect(() => confusionMatrix([1, 3], [1, 1], [1, 2])).toThrow('yTrue[1] = 3 is not among labels');
  });
});

describe('stratifiedSplit', () => {
  const labels = [...Array(80).fill('one-time'), ...Array(15).fill('repeat'), ...Array(5).fill('vip')];

  it('keeps each class share in the test set and is reproducible', () => {
    const s = stratifiedSplit(labels, { testShare: 0.2, seed: 1 });
    const count = (idx: number[], l: string): number => idx.filter((i) => labels[i] === l).length;
    expect(count(s.test, 'one-time')).toBe(16);
    expect(count(s.test, 'repeat')).toBe(3);
    expect(count(s.test, 'vip')).toBe(1);
    expect(s.train.length + s.test.length).toBe(100);
    expect(new Set([...s.train, ...s.test]).size).toBe(100);
    expect(stratifiedSplit(labels, { testShare: 0.2, seed: 1 })).toEqual(s);
    expect(stratifiedSplit(labels, { testShare: 0.2, seed: 2 }).test).not.toEqual(s.test);
  });

  it('keeps a single-row class in training and validates options', () => {
    const s = stratifiedSplit(['a', 'a', 'a', 'b'], { testShare: 0.5, seed: 3 });
    expect(s.test.some((i) => i === 3)).toBe(false);
    expect(() => stratifiedSplit(['a'], { testShare: 1, seed: 1 })).toThrow('testShare must be in (0, 1), got 1');
    expect(() => stratifiedSplit(['a'], { seed: undefined as unknown as number })).toThrow('seed must be an integer, got undefined');
  });
});
