import type { DataSource } from 'typeorm';
import { readFeatureMatrix } from '../../features/feature-matrix.service';
import { abcClasses, xyzClass, type AbcClass, type XyzClass } from '../../segmentation/abc-xyz';
import { churnTier, quintileBoundaryValues, quintileScores, rfmScore, rfmSegment, type ChurnTier } from '../../segmentation/rfm';

/** Every customer's RFM scores and ABC/XYZ class, in the order of `customerIds`. */
export interface SegmentScores {
  r: Int8Array;
  f: Int8Array;
  m: Int8Array;
  rfmScore: Float64Array;
  segment: string[];
  churnTier: ChurnTier[];
  abc: AbcClass[];
  xyz: XyzClass[];
  /** Net spend (NULL when no order has a known value), for the priority of customers without a CLV. */
  monetary: (number | null)[];
  /** The quintile boundaries of R (−recency), F and M: what a new customer's values are scored against. */
  boundaries: { r: (number | null)[]; f: (number | null)[]; m: (number | null)[] };
}

const INPUTS = ['recencyDays', 'frequency', 'monetary', 'orderValueCv'];

/**
 * RFM and ABC/XYZ of a whole snapshot, by the pure rules of src/segmentation (quintiles and revenue shares
 * over all its customers), from one ordered read of four features. The customers must come back exactly as
 * `customerIds` (the assignment pass read the same snapshot in the same order).
 */
export async function scoreSegments(ds: DataSource, snapshotId: number, customerIds: Int32Array): Promise<SegmentScores> {
  const n = customerIds.length;
  const negRecency = new Float64Array(n);
  const frequency = new Float64Array(n);
  const monetaryRank = new Float64Array(n);
  const monetary: (number | null)[] = new Array(n);
  const cv: (number | null)[] = new Array(n);
  let i = 0;
  await readFeatureMatrix(ds, snapshotId, INPUTS, {
    batchSize: 50_000,
    onBatch: (b) => {
      for (let k = 0; k < b.rows; k++, i++) {
        if (i >= n || b.customerIds[k] !== customerIds[i]) throw new Error(`the snapshot changed while it was being read (row ${i})`);
        const o = k * 4;
        negRecency[i] = -b.values[o];
        frequency[i] = b.values[o + 1];
        const m = b.values[o + 2];
        monetary[i] = Number.isNaN(m) ? null : m;
        // No known spend ranks lowest in M.
        monetaryRank[i] = Number.isNaN(m) ? -Infinity : m;
        cv[i] = Number.isNaN(b.values[o + 3]) ? null : b.values[o + 3];
      }
    },
  });
  if (i !== n) throw new Error(`the snapshot has ${i} customers, the assignment ${n}`);
  const r = quintileScores(negRecency, 'recency');
  const f = quintileScores(frequency, 'frequency');
  const m = quintileScores(monetaryRank, 'monetary');
  const score = new Float64Array(n);
  const segment: string[] = new Array(n);
  const tier: ChurnTier[] = new Array(n);
  const xyz: XyzClass[] = new Array(n);
  for (let k = 0; k < n; k++) {
    score[k] = rfmScore(r[k], f[k], m[k]);
    segment[k] = rfmSegment(r[k], f[k]);
    tier[k] = churnTier(segment[k]);
    xyz[k] = xyzClass(frequency[k], cv[k]);
  }
  const boundaries = n === 0 ? { r: [], f: [], m: [] } : { r: quintileBoundaryValues(negRecency), f: quintileBoundaryValues(frequency), m: quintileBoundaryValues(monetaryRank) };
  return { r, f, m, rfmScore: score, segment, churnTier: tier, abc: abcClasses(monetary), xyz, monetary, boundaries };
}
