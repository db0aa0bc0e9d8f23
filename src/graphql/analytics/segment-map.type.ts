import { Field, Float, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A customer of the fit sample on the 2-D PCA plane.' })
export class ProjectionPoint {
  @Field(() => Float)
  x: number;

  @Field(() => Float)
  y: number;

  @Field(() => ID)
  clusterId: string;

  @Field(() => ID, { description: 'The customer (customer_unique_id).' })
  customerId: string;
}

@ObjectType({ description: 'A cluster centre on the PCA plane.' })
export class ProjectionCentroid {
  @Field(() => ID)
  clusterId: string;

  @Field()
  name: string;

  @Field(() => Float)
  x: number;

  @Field(() => Float)
  y: number;
}

@ObjectType({ description: "The model's clusters drawn on the first two principal components of the scaled features." })
export class SegmentMap {
  @Field(() => ID)
  modelId: string;

  @Field(() => [ProjectionPoint], { description: 'Up to 2,000 customers of the fit sample, as stored with the model.' })
  points: ProjectionPoint[];

  @Field(() => [ProjectionCentroid])
  centroids: ProjectionCentroid[];

  @Field(() => [Float], { description: 'Share of the variance each axis explains (x, y).' })
  explainedVariance: number[];
}
