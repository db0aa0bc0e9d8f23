import { registerEnumType } from 'type-graphql';

/** The three segmentations every model version carries. */
export enum SegmentKind {
  CLUSTER = 'CLUSTER',
  RFM = 'RFM',
  ABC_XYZ = 'ABC_XYZ',
}
registerEnumType(SegmentKind, {
  name: 'SegmentKind',
  valuesConfig: {
    CLUSTER: { description: 'KMeans clusters over the scaled customer features (key = the stable cluster id).' },
    RFM: { description: 'RFM segments from recency / frequency scores (key = the segment name, e.g. "Champions").' },
    ABC_XYZ: { description: 'ABC (revenue class) × XYZ (order value variability; S = single purchase), key e.g. "AX".' },
  },
});

export const SEGMENT_KINDS = Object.values(SegmentKind) as SegmentKind[];
