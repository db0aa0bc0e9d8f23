import { Field, Float, ID, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'Customers in one (RFM segment, cluster) pair.' })
export class OverlapCell {
  @Field()
  rfmSegment: string;

  @Field(() => ID)
  clusterId: string;

  @Field()
  clusterName: string;

  @Field(() => NonNegativeInt)
  customers: number;
}

@ObjectType({ description: 'How the RFM segments and the clusters of a model cut the same customers.' })
export class SegmentOverlap {
  @Field(() => ID)
  modelId: string;

  @Field(() => [OverlapCell], { description: 'Non-empty pairs only, by RFM segment then cluster id.' })
  cells: OverlapCell[];

  @Field(() => NonNegativeInt, { description: "The model's customers (the sum of the cells)." })
  customers: number;

  @Field(() => Float, { description: 'Adjusted Rand index between the two labelings: 1 = the same partition, ≈ 0 = unrelated.' })
  adjustedRandIndex: number;
}
