import { registerEnumType } from 'type-graphql';
import { SEGMENT_KINDS, SegmentKind } from '../../models/segment-kind';

registerEnumType(SegmentKind, {
  name: 'SegmentKind',
  valuesConfig: {
    CLUSTER: { description: 'KMeans clusters over the scaled customer features (key = the stable cluster id).' },
    RFM: { description: 'RFM segments from recency / frequency scores (key = the segment name, e.g. "Champions").' },
    ABC_XYZ: { description: 'ABC (revenue class) × XYZ (order value variability; S = single purchase), key e.g. "AX".' },
  },
});

export { SEGMENT_KINDS, SegmentKind };
