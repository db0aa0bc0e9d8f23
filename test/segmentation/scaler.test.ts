import { StandardScaler, applyImputation, imputeMedian } from '../../src/segmentation/scaler';

describe('StandardScaler', () => {
  it('standardises with the population std and maps a constant column to 0 (scale 1)', () => {
    // column 0: 1, 3, 5 → mean 3, variance (4 + 0 + 4) / 3 = 8/3; column 1 constant 7
    const X = [
      [1, 7],
      [3, 7],
      [5, 7],
    ];
    const s = new StandardScaler().fit(X);
    const sd = Math.sqrt(8 / 3);
    expect(s.mean).toEqual([3, 7]);
    expect(s.scale[0]).toBeCloseTo(sd, 14);
    expect(s.scale[1]).toBe(1);
    const Z = s.transform(X);
    expect(Z[0][0]).toBeCloseTo(-2 / sd, 14);
    expect(Z[1][0]).toBe(0);
    expect(Z[2][0]).toBeCloseTo(2 / sd, 14);
    expect(Z.map((r) => r[1])).toEqual([0, 0, 0]);
    const back = s.inverseTransform(Z);
    back.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(X[i][j], 12)));
  });

  it('log-transforms the configured features and undoes it in inverseTransform', () => {
    // monetary: e^0−1, e^1−1, e^2−1 → log1p = 0, 1, 2 → mean 1, std sqrt(2/3)
    const X = [
      [0, 10],
      [Math.E - 1, 20],
      [Math.E ** 2 - 1, 30],
    ];
    const s = new StandardScaler({ featureNames: ['monetary', 'recency_days'], log1p: ['monetary'] }).fit(X);
    expect(s.log1pMask).toEqual([true, false]);
    expect(s.mean[0]).toBeCloseTo(1, 14);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 14);
    const Z = s.transform(X);
    expect(Z[2][0]).toBeCloseTo(1 / Math.sqrt(2 / 3), 12);
    // Centroid z = 0 is the log-space mean: expm1(1) = e − 1 in original units (a geometric-type centre).
    expect(s.inverseTransform([[0, 0]])[0][0]).toBeCloseTo(Math.E - 1, 12);
    s.inverseTransform(Z).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(X[i][j], 10)));
  });

  it('rejects NaN, ragged rows, log1p of values ≤ −1 and unknown log features with precise messages', () => {
    expect(() => new StandardScaler().fit([[1, 2], [3, NaN]])).toThrow('X[1][1] is NaN');
    expect(() => new StandardScaler().fit([[1, 2], [3]])).toThrow('X[1] has 1 columns, expected 2');
    expect(() => new StandardScaler().fit([[1], [Infinity]])).toThrow('X[1][0] is Infinity');
    expect(() => new StandardScaler({ log1p: [0] }).fit([[0], [-1]])).toThrow(/X\[1\]\[0\] = -1 is ≤ −1: log1p is undefined for column 0/);
    expect(() => new StandardScaler({ featureNames: ['a'], log1p: ['b'] })).toThrow('log1p names unknown feature "b" (features: a)');
    const s = new StandardScaler({ featureNames: ['a', 'b'] });
    expect(() => s.transform([[1, 2]])).toThrow(/not fitted/);
    s.fit([[1, 2], [2, 3]]);
    expect(() => s.transform([[1, 2, 3]])).toThrow('X[0] has 3 columns, expected 2');
    expect(() => s.transform([[1, null as unknown as number]])).toThrow('X[0][1] is null, expected a finite number');
  });

  it('round-trips through JSON with its version and imputation medians', () => {
    const X = [
      [1, 0],
      [2, 5],
      [4, 9],
    ];
    const s = new StandardScaler({ featureNames: ['frequency', 'monetary'], log1p: ['monetary'] }).fit(X, { imputeMedians: [null, 5] });
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    expect(json).toMatchObject({ model: 'standard-scaler', version: 1, imputeMedians: [null, 5], featureNames: ['frequency', 'monetary'] });
    const r = StandardScaler.fromJSON(json);
    expect(r.transform([[3, 3]])).toEqual(s.transform([[3, 3]]));
    expect(r.imputeMedians).toEqual([null, 5]);
    expect(() => StandardScaler.fromJSON({ ...json, version: 2 })).toThrow('standard-scaler version 2 is not supported (expected 1)');
    expect(() => StandardScaler.fromJSON({ ...json, model: 'kmeans' })).toThrow(/not a standard-scaler model/);
  });
});

describe('imputeMedian', () => {
  it('fills missing values with the column median and reports it', () => {
    const X = [
      [1, null, 3],
      [2, 4, 3],
      [NaN, 6, 3],
      [10, 8, 3],
    ];
    // column 0 present: 1, 2, 10 → median 2; column 1 present: 4, 6, 8 → median 6; column 2 not imputed
    const r = imputeMedian(X, [0, 1]);
    expect(r.medians).toEqual([2, 6, null]);
    expect(r.filled).toEqual([1, 1, 0]);
    expect(r.X).toEqual([
      [1, 6, 3],
      [2, 4, 3],
      [2, 6, 3],
      [10, 8, 3],
    ]);
    expect(X[0][1]).toBeNull(); // input untouched
    // even count: median of 1, 3 = 2
    expect(imputeMedian([[1], [undefined], [3]]).medians).toEqual([2]);
  });

  it('applies recorded medians and refuses missing values in columns that are not imputed', () => {
    expect(applyImputation([[null, 1]], [5, null]).X).toEqual([[5, 1]]);
    expect(() => applyImputation([[1, null]], [5, null])).toThrow('X[0][1] is missing and column 1 is not imputed');
    expect(() => imputeMedian([[null], [null]])).toThrow('X column 0 has no values to take a median from');
    expect(() => imputeMedian([[1, 'x' as unknown as number]])).toThrow('X[0][1] is string "x", expected a finite number or a missing value');
  });
});
