import { KMeansModel } from '../../src/segmentation/kmeans';
import { GaussianMixture } from '../../src/segmentation/gmm';
import { assignRows, meanOfRows, SplitClusterModel, storedClusterModelFromJSON, type SplitModelJSON } from '../../src/segmentation/split-model';

/** Two well-separated blobs of repeat customers in 2-D, and single-day buyers spread over both. */
function data(): { rows: Float64Array; single: Uint8Array } {
  const pts: number[][] = [];
  const single: number[] = [];
  for (let i = 0; i < 40; i++) {
    pts.push([i % 2 ? 5 + (i % 5) * 0.01 : -5 - (i % 7) * 0.01, (i % 3) * 0.01]);
    single.push(0);
  }
  for (let i = 0; i < 20; i++) {
    pts.push([i % 2 ? 5 : -5, 0]);
    single.push(1);
  }
  return { rows: Float64Array.from(pts.flat()), single: Uint8Array.from(single) };
}

describe('SplitClusterModel', () => {
  const { rows, single } = data();
  const repeat = Float64Array.from(Array.from({ length: 40 }, (_, i) => [rows[i * 2], rows[i * 2 + 1]]).flat());

  it.each(['kmeans', 'gmm'] as const)('puts the single-day rows in cluster 0 wherever they lie, and the others in 1 + the %s cluster', (engine) => {
    const inner = engine === 'kmeans' ? new KMeansModel({ k: 2, seed: 1 }).fitFlat(repeat, 2) : new GaussianMixture({ k: 2, seed: 1, regCovar: 1e-2 }).fitFlat(repeat, 2);
    const model = new SplitClusterModel(meanOfRows(rows, 2, single), 20, inner);
    expect(model.k).toBe(3);
    expect(model.centroids[0]).toEqual([0, 0]);
    const labels = model.assignBatch(rows, 2, single);
    const innerLabels = inner.assignBatch(rows, 2);
    for (let i = 0; i < 60; i++) expect(labels[i]).toBe(single[i] ? 0 : innerLabels[i] + 1);
    // The two blobs are two clusters, and neither is the single-day buyers'.
    expect(new Set(Array.from(labels.subarray(0, 40)))).toEqual(new Set([1, 2]));
    // Stored and restored, it assigns the same; a plain engine model ignores the flags.
    const back = storedClusterModelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(assignRows(back, rows, 2, single))).toEqual(Array.from(labels));
    expect(Array.from(assignRows(inner, rows, 2, single))).toEqual(Array.from(innerLabels));
  });

  it('refuses a stored form it cannot read, naming what is wrong', () => {
    const inner = new KMeansModel({ k: 2, seed: 1 }).fitFlat(repeat, 2);
    const good = new SplitClusterModel([0, 0], 20, inner).toJSON();
    expect(() => SplitClusterModel.fromJSON({ ...good, version: 2 })).toThrow(/version 2/);
    expect(() => SplitClusterModel.fromJSON({ ...good, rule: 'other' } as unknown as SplitModelJSON)).toThrow(/rule "other"/);
    expect(() => SplitClusterModel.fromJSON({ ...good, inner: { model: 'x' } } as unknown as SplitModelJSON)).toThrow(/engine is not a clustering model: "x"/);
    expect(() => new SplitClusterModel([0, 0, 0], 20, inner)).toThrow(/3 features/);
    expect(() => new SplitClusterModel([0, 0], 20, inner).assignBatch(rows, 2, single.subarray(1))).toThrow(/59 flags for 60 rows/);
    expect(() => meanOfRows(rows, 2, new Uint8Array(60))).toThrow(/no flagged row/);
  });
});
