/** The three segmentations every model version carries (GraphQL exposes it as the SegmentKind enum). */
export enum SegmentKind {
  CLUSTER = 'CLUSTER',
  RFM = 'RFM',
  ABC_XYZ = 'ABC_XYZ',
}

export const SEGMENT_KINDS = Object.values(SegmentKind) as SegmentKind[];
