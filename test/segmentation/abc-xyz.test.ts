import { abcClasses, classifyAbcXyz, revenueCents, xyzClass } from '../../src/segmentation/abc-xyz';

describe('ABC', () => {
  it('puts the top ~80 % of revenue in A, the next to 95 % in B, the rest in C', () => {
    // total 100: 50 (before 0) A, 30 (before 50) A, 10 (before 80) B, 5 and 5 (before 90, tied) B, nothing C
    expect(abcClasses([5, 50, 10, 30, 5])).toEqual(['B', 'A', 'B', 'A', 'B']);
    expect(abcClasses([1, 60, 20, 10, 5, 4])).toEqual(['C', 'A', 'A', 'B', 'B', 'C']);
  });

  it('keeps the customer that first passes 80 % in A, and one starting exactly at 80 % in B', () => {
    // 70 then 20: the 20 starts at 70 % (< 80 %) and passes 80 % → A.
    expect(abcClasses([70, 20, 6, 4])).toEqual(['A', 'A', 'B', 'C']);
    // 80 then 15: the 15 starts exactly at 80 % → B; the 5 starts exactly at 95 % → C.
    expect(abcClasses([80, 15, 5])).toEqual(['A', 'B', 'C']);
    // Cents, not floats: 0.7 + 0.15 + 0.1 is 0.95 exactly, so the last customer starts at 95 % → C.
    expect(abcClasses([0.7, 0.1, 0.15, 0.05])).toEqual(['A', 'B', 'A', 'C']);
  });

  it('gives tied revenue the same class', () => {
    expect(abcClasses([40, 40, 20])).toEqual(['A', 'A', 'B']);
    expect(abcClasses([25, 25, 25, 25])).toEqual(['A', 'A', 'A', 'A']);
  });

  it('puts zero, negative and unknown revenue in C, outside the total', () => {
    expect(abcClasses([100, 0, -30, null])).toEqual(['A', 'C', 'C', 'C']);
    expect(revenueCents(12.345)).toBe(1235);
    expect(revenueCents(-1)).toBeNull();
    expect(() => abcClasses([1, NaN])).toThrow(/monetary\[1\] is NaN/);
  });
});

describe('XYZ', () => {
  it.each([
    [1, null, 'S'],
    [1, 3, 'S'],
    [2, 0, 'X'],
    [2, 0.5, 'X'],
    [2, 0.5000001, 'Y'],
    [3, 1.0, 'Y'],
    [3, 1.0000001, 'Z'],
    [4, 2.5, 'Z'],
    [2, null, 'Z'],
  ] as const)('frequency %i, cv %p → %s', (f, cv, cls) => {
    expect(xyzClass(f, cv)).toBe(cls);
  });

  it('combines both into a class', () => {
    const out = classifyAbcXyz([
      { customerId: 7, monetary: 90, frequency: 3, orderValueCv: 0.2 },
      { customerId: 8, monetary: 10, frequency: 1, orderValueCv: null },
    ]);
    expect(out).toEqual([
      { customerId: 7, abc: 'A', xyz: 'X', abcXyz: 'AX' },
      { customerId: 8, abc: 'B', xyz: 'S', abcXyz: 'BS' },
    ]);
    expect(() => classifyAbcXyz([{ customerId: 1, monetary: 1, frequency: 2, orderValueCv: -1 }])).toThrow(/rows\[0\]\.orderValueCv/);
  });
});
