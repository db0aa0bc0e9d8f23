import { Field, Float, Int, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'One cell of the RFM heatmap: the customers with recency score r and frequency score f.' })
export class RfmCell {
  @Field(() => Int, { description: 'Recency score 1–5 (5 = bought most recently).' })
  r: number;

  @Field(() => Int, { description: 'Frequency score 1–5 (5 = buys most often).' })
  f: number;

  @Field({ description: 'The RFM segment this cell belongs to.' })
  segment: string;

  @Field(() => NonNegativeInt)
  customers: number;

  @Field(() => Float, { description: "Members' spend before the model's as-of (net spend below zero counts as 0)." })
  revenue: number;
}
