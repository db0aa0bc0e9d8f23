import { buildFeatureSpace, spaceTransforms } from '../../src/models/steps/clustering.step';
import { toClusteringSpace } from '../../src/segmentation/feature-space';

/** Names of the fit sample: the candidates of both sources. */
const NAMES = ['recencyDays', 'frequency', 'monetary', 'avgReviewScore', 'lateDeliveryShare', 'meanInstallments', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue'];

function sample(rows: number, orderDetails: boolean, constantMonetary = false): Float64Array {
  const v = new Float64Array(rows * NAMES.length);
  for (let i = 0; i < rows; i++) {
    const repeat = i % 3 === 0;
    const row = [
      10 + (i % 50),
      repeat ? 2 + (i % 4) : 1,
      constantMonetary ? 100 : 20 + (i % 17) * 5,
      orderDetails ? 1 + (i % 5) : NaN,
      orderDetails ? (i % 4) / 4 : NaN,
      orderDetails ? 1 + (i % 97) / 10 : NaN,
      40 + (i % 70),
      repeat ? 5 + (i % 9) : NaN,
      constantMonetary ? 100 : 20 + (i % 13) * 3,
    ];
    v.set(row, i * NAMES.length);
  }
  return v;
}

describe('the clustering space fits the source', () => {
  it('an Olist-shaped sample gets the behavioural space and its order-detail features', () => {
    const { space } = buildFeatureSpace(NAMES, sample(300, true), 300);
    expect(space.source).toBe('orders');
    expect(space.featureNames).toEqual([
      'recencyDays', 'frequency', 'monetary', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue',
      'avgReviewScore', 'lateDeliveryShare', 'meanInstallments',
    ]);
    expect(space.dropped).toEqual([]);
  });

  it('a transaction log gets the log-behavioural space; a single-day customer\'s gap is censored at its tenure', () => {
    const rows = 300;
    const raw = sample(rows, false);
    const { space, scaled } = buildFeatureSpace(NAMES, raw, rows);
    expect(space.source).toBe('transaction-log');
    expect(space.featureNames).toEqual(['recencyDays', 'frequency', 'monetary', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue']);
    const d = space.featureNames.length;
    const gap = space.featureNames.indexOf('meanInterpurchaseDays');
    const tenure = space.featureNames.indexOf('tenureDays');
    // Row 1 bought on a single day: its gap enters as log1p(tenure), scaled with the gap's own mean and scale.
    const tenure1 = raw[1 * NAMES.length + NAMES.indexOf('tenureDays')];
    expect(scaled[1 * d + gap]).toBeCloseTo((Math.log1p(tenure1) - space.scaler.mean[gap]) / space.scaler.scale[gap], 10);
    expect(scaled[1 * d + tenure]).toBeCloseTo((Math.log1p(tenure1) - space.scaler.mean[tenure]) / space.scaler.scale[tenure], 10);
    // Serving applies the same censoring: a raw row in the space's columns lands where the fit put it.
    const row = Float64Array.from(space.featureNames.map((f) => raw[1 * NAMES.length + NAMES.indexOf(f)]));
    expect(Array.from(toClusteringSpace(space, spaceTransforms(space), row, 1))).toEqual(Array.from(scaled.subarray(d, 2 * d)));
  });

  it('drops constant features and says why', () => {
    const { space } = buildFeatureSpace(NAMES, sample(300, false, true), 300);
    expect(space.featureNames).toEqual(['recencyDays', 'frequency', 'tenureDays', 'meanInterpurchaseDays']);
    expect(space.dropped.map((x) => [x.feature, (x.reason ?? '').split(':')[0]])).toEqual([
      ['monetary', 'constant'],
      ['avgOrderValue', 'constant'],
    ]);
  });

  it('records absent features of the rich space', () => {
    const raw = sample(300, true);
    for (let i = 0; i < 300; i++) if (i % 5) raw[i * NAMES.length + NAMES.indexOf('lateDeliveryShare')] = NaN;
    const { space } = buildFeatureSpace(NAMES, raw, 300);
    expect(space.featureNames).not.toContain('lateDeliveryShare');
    expect(space.dropped).toEqual([{ feature: 'lateDeliveryShare', presence: 0.2, reason: expect.stringMatching(/^absent: 20\.0% of customers have it/) }]);
  });
});
