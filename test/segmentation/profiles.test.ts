import { buildProfiles, nameClusters, type ClusterProfile } from '../../src/segmentation/profiles';

/** A profile with only the z-scores that matter for naming. */
const prof = (cluster: number, z: Record<string, number>, size = 100): ClusterProfile => ({
  cluster,
  size,
  share: 0,
  centroid: {},
  z,
  features: [],
});

describe('buildProfiles', () => {
  it('computes sizes, shares, centroids and z-scores from member means', () => {
    const p = buildProfiles({
      featureNames: ['recency_days', 'monetary'],
      centroidsOriginal: [
        [30, 200],
        [400, 50],
      ],
      labels: [0, 1, 1, 0, 1],
      populationMean: [250, 100],
      populationStd: [100, 0],
      clusterMeans: [
        [40, 220],
        [390, 60],
      ],
    });
    expect(p.map((c) => [c.cluster, c.size, c.share])).toEqual([
      [0, 2, 0.4],
      [1, 3, 0.6],
    ]);
    expect(p[0].centroid).toEqual({ recency_days: 30, monetary: 200 });
    // z = (member mean − population mean) / population std: (40 − 250)/100 = −2.1; constant feature → 0
    expect(p[0].z.recency_days).toBeCloseTo(-2.1, 12);
    expect(p[0].z.monetary).toBe(0);
    expect(p[1].z.recency_days).toBeCloseTo(1.4, 12);
    expect(p[1].features[0]).toEqual({ feature: 'recency_days', centroid: 400, mean: 390, z: p[1].z.recency_days });
  });

  it('uses centroids when no member means are given, and validates shapes', () => {
    const p = buildProfiles({ featureNames: ['frequency'], centroidsOriginal: [[3], [1]], sizes: [10, 30], populationMean: [1.5], populationStd: [0.5] });
    expect(p.map((c) => c.z.frequency)).toEqual([3, -1]);
    expect(p.map((c) => c.share)).toEqual([0.25, 0.75]);
    expect(() => buildProfiles({ featureNames: ['a', 'b'], centroidsOriginal: [[1]], sizes: [1], populationMean: [0, 0], populationStd: [1, 1] })).toThrow(
      'centroidsOriginal[0] has 1 columns, expected 2',
    );
    expect(() => buildProfiles({ featureNames: ['a'], centroidsOriginal: [[1]], labels: [0, 2], populationMean: [0], populationStd: [1] })).toThrow(
      'labels[1] is 2, expected a cluster index 0..0',
    );
    expect(() => buildProfiles({ featureNames: ['a'], centroidsOriginal: [[NaN]], sizes: [1], populationMean: [0], populationStd: [1] })).toThrow('centroidsOriginal[0][0] is NaN');
  });
});

describe('nameClusters', () => {
  it('names clusters from their strongest deviations', () => {
    const names = nameClusters([
      prof(0, { monetary: 2.1, frequency: 1.6, recency_days: -0.2 }),
      prof(1, { frequency: -0.9, monetary: -1.1, recency_days: 0.1 }),
      prof(2, { recency_days: 1.8, frequency: 1.2, monetary: 0.1 }),
      prof(3, { recency_days: -1.5, frequency: -0.8, tenure_days: -0.2 }),
      prof(4, { avg_order_value: -1.3, monetary: 0.2 }),
      prof(5, { avg_review_score: -2.0, avg_delivery_delay_days: 1.7, low_review_share: 1.9 }),
      prof(6, { recency_days: 0.1, monetary: -0.05 }),
    ]).map((n) => n.name);
    expect(names).toEqual([
      'High-value regulars',
      'Low-value one-time buyers',
      'Lapsed former regulars',
      'Recent first-time buyers',
      'Bargain hunters',
      'Unhappy late deliveries',
      'Typical customers',
    ]);
  });

  it('reports the traits a name was built from', () => {
    const [n] = nameClusters([prof(0, { monetary: 2.1, frequency: 1.6, recency_days: -0.2 })]);
    expect(n.traits).toEqual([
      { feature: 'monetary', direction: 'high', z: 2.1 },
      { feature: 'frequency', direction: 'high', z: 1.6 },
    ]);
  });

  it('disambiguates by the next strongest trait, then by a numeric suffix', () => {
    const named = nameClusters([
      prof(0, { monetary: 2.0, frequency: 1.5, tenure_days: 0.9 }, 50),
      prof(1, { monetary: 1.9, frequency: 1.4, recency_days: -0.8 }, 80),
      prof(2, { monetary: 1.8, frequency: 1.3 }, 40),
      prof(3, { monetary: 1.7, frequency: 1.2 }, 90),
    ]).map((n) => n.name);
    expect(named[0]).toBe('High-value long-standing regulars');
    expect(named[1]).toBe('High-value recent regulars');
    // Clusters 2 and 3 have nothing else to tell them apart: the larger (3) keeps the plain name.
    expect(named[3]).toBe('High-value regulars');
    expect(named[2]).toBe('High-value regulars 2');
    expect(new Set(named).size).toBe(4);
  });

  it('only uses features the dataset has (transaction logs: no reviews or deliveries)', () => {
    const txFeatures = ['recency_days', 'frequency', 'monetary', 'avg_order_value', 'tenure_days', 'mean_interpurchase_days'];
    const z = { recency_days: 0.1, frequency: 0.2, monetary: 0.1, avg_order_value: 0.05, tenure_days: -0.9, mean_interpurchase_days: -0.5 };
    const full = { ...z, avg_review_score: -3, late_delivery_share: 2.5 };
    const onlyTx = Object.fromEntries(Object.entries(full).filter(([f]) => txFeatures.includes(f)));
    expect(nameClusters([prof(0, full)])[0].name).toBe('Unhappy late deliveries');
    expect(nameClusters([prof(0, onlyTx)])[0].name).toBe('Fast-returning newcomers');
  });

  it('uses one trait per group and ignores unknown features', () => {
    const [n] = nameClusters([prof(0, { low_review_share: 1.5, avg_review_score: -1.4, some_new_feature: 9, credit_card_share: 0.5 })]);
    expect(n.name).toBe('Card-paying critics');
    expect(n.traits.map((t) => t.feature)).toEqual(['low_review_share', 'credit_card_share']);
  });

  it('accepts a custom catalogue', () => {
    const [n] = nameClusters([prof(0, { churn_score: 2 })], [{ feature: 'churn_score', high: { adjective: 'At-risk' }, low: { adjective: 'Safe' } }]);
    expect(n.name).toBe('At-risk customers');
    expect(() => nameClusters([], [{ feature: 'a', high: { adjective: 'x' }, low: { adjective: 'y' } }, { feature: 'a', high: { adjective: 'x' }, low: { adjective: 'y' } }])).toThrow(
      'catalogue lists feature "a" twice',
    );
  });
});
