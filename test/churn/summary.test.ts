import { dayNumber, rfmSummary, toRfmInput, toSpendInput } from '../../src/churn';

describe('rfmSummary', () => {
  const tx = [
    { customer: 'a', date: '2024-01-01', value: 10 },
    { customer: 'a', date: '2024-01-01', value: 5 }, // same day: one purchase of 15
    { customer: 'a', date: '2024-01-08', value: 20 },
    { customer: 'a', date: '2024-01-15T23:59:00Z', value: 4 },
    { customer: 'a', date: '2024-01-15', value: 6 }, // same day as the previous: one purchase of 10
    { customer: 'a', date: '2024-03-01', value: 99 }, // after calibration end: ignored
    { customer: 7, date: new Date(Date.UTC(2024, 0, 29, 18)), value: 12 },
    { customer: 'c', date: '2024-02-01', value: 3 },
    { customer: 'c', date: '20240211', value: 9 },
  ];

  it('counts distinct purchase days, measures t_x and T in weeks, and averages repeat-day spend', () => {
    const rows = rfmSummary(tx, '2024-02-12');
    const by = new Map(rows.map((r) => [r.customer, r]));
    // a: days Jan 1, Jan 8, Jan 15 → x = 2, t_x = 14 days, T = 42 days, repeat days 20 and 10 → mean 15.
    expect(by.get('a')).toEqual({ customer: 'a', x: 2, tx: 2, T: 6, monetary: 15, first: '2024-01-01', last: '2024-01-15' });
    expect(by.get('7')).toEqual({ customer: '7', x: 0, tx: 0, T: 14 / 7, monetary: 0, first: '2024-01-29', last: '2024-01-29' });
    expect(by.get('c')).toMatchObject({ x: 1, tx: 10 / 7, T: 11 / 7, monetary: 9 });
    expect(rows.map((r) => r.customer)).toEqual(['a', '7', 'c']);
  });

  it('measures in days on request and feeds the model inputs', () => {
    const rows = rfmSummary(tx, new Date(Date.UTC(2024, 1, 12)), { timeUnit: 'day' });
    expect(rows[0]).toMatchObject({ x: 2, tx: 14, T: 42 });
    expect(toRfmInput(rows)).toEqual({ x: Float64Array.from([2, 0, 1]), tx: Float64Array.from([14, 0, 10]), T: Float64Array.from([42, 14, 11]) });
    expect(toSpendInput(rows)).toEqual({ frequency: Float64Array.from([2, 1]), monetaryValue: Float64Array.from([15, 9]) });
  });

  it('reports missing values as null monetary', () => {
    const rows = rfmSummary([{ customer: 1, date: '2024-01-01' }, { customer: 1, date: '2024-01-03', value: 4 }], '2024-01-10');
    expect(rows[0].monetary).toBeNull();
    expect(toSpendInput(rows).frequency).toHaveLength(0);
  });

  it('rejects bad input naming the transaction and field', () => {
    expect(() => rfmSummary([{ customer: 'a', date: '2024-02-30' }], '2024-03-01')).toThrow('transaction 0: date (2024-02-30) is not a valid date');
    expect(() => rfmSummary([{ customer: 'a', date: '2024-01-01' }, { customer: '', date: '2024-01-01' }], '2024-03-01')).toThrow('transaction 1: customer must be a non-empty string or a number');
    expect(() => rfmSummary([{ customer: 'a', date: '2024-01-01', value: Infinity }], '2024-03-01')).toThrow('transaction 0: value (Infinity) is not a finite number');
    expect(() => rfmSummary([], 'soon')).toThrow('calibrationEnd (soon) is not a valid date');
  });

  it('dayNumber reads UTC calendar days', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('19700102')).toBe(1);
    expect(dayNumber(new Date('1970-01-02T23:59:59Z'))).toBe(1);
    expect(dayNumber('1970-13-01')).toBeNull();
  });
});
