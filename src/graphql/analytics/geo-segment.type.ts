import { Field, Float, ObjectType } from 'type-graphql';
import { Latitude, Longitude, NonNegativeInt } from '../scalars';

@ObjectType({ description: 'Customers of one RFM segment in a state.' })
export class GeoSegmentCount {
  @Field()
  segment: string;

  @Field(() => NonNegativeInt)
  customers: number;
}

@ObjectType({ description: "A state on the map: the model's customers there, their churn risk, revenue and RFM segments." })
export class GeoSegment {
  @Field({ description: 'State code, e.g. "SP".' })
  state: string;

  @Field(() => String, { nullable: true, description: 'State name, e.g. "São Paulo" (null for a code without a centroid).' })
  stateName: string | null;

  @Field(() => Latitude, { nullable: true, description: "The state's approximate centre." })
  lat: number | null;

  @Field(() => Longitude, { nullable: true })
  lng: number | null;

  @Field(() => NonNegativeInt)
  customers: number;

  @Field(() => Float, { nullable: true, description: 'Mean churn probability of those customers (null when the model has no churn model).' })
  churnRisk: number | null;

  @Field(() => Float, { description: "Their spend before the model's as-of (net spend below zero counts as 0)." })
  revenue: number;

  @Field(() => String, { nullable: true, description: 'The RFM segment with the most customers here (ties: by name).' })
  topSegment: string | null;

  @Field(() => [GeoSegmentCount], { description: 'Customers per RFM segment, most first.' })
  segments: GeoSegmentCount[];
}
