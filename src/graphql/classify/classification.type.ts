import { Field, Float, ID, ObjectType } from 'type-graphql';
import { ClusterRef } from '../customers/customer.type';

@ObjectType({ description: 'Probability of one cluster.' })
export class ClusterProbability {
  @Field(() => ID)
  clusterId: string;

  @Field()
  name: string;

  @Field(() => Float)
  probability: number;
}

@ObjectType({ description: 'How much one feature moved the decision.' })
export class FeatureContribution {
  @Field({ description: 'Catalogue name (e.g. recencyDays, state).' })
  feature: string;

  @Field(() => Float, {
    description: "log P(value | chosen cluster) − log P(value | runner-up cluster): > 0 pushed towards the chosen cluster, < 0 against it.",
  })
  contribution: number;

  @Field(() => String, { nullable: true, description: 'The value classified (null when it was missing and imputed with the model median).' })
  value: string | null;
}

@ObjectType({ description: "A customer's cluster under the active model, with the probabilities and the features that decided." })
export class Classification {
  @Field(() => ClusterRef, { description: 'The most probable cluster.' })
  cluster: ClusterRef;

  @Field(() => [ClusterProbability], { description: 'Every cluster of the model, most probable first; they sum to 1.' })
  probabilities: ClusterProbability[];

  @Field(() => String, {
    nullable: true,
    description: "RFM segment of the customer's recency, frequency and monetary value against the quintiles of the model's customers; null when the model's feature snapshot is gone.",
  })
  rfmSegment: string | null;

  @Field(() => ID)
  modelId: string;

  @Field(() => [FeatureContribution], { description: 'The features that moved the decision most, largest |contribution| first (at most 5).' })
  topFeatures: FeatureContribution[];

  @Field(() => ID, { nullable: true, description: 'The customer classified; null for classifyFeatures.' })
  customerId: string | null;

  @Field(() => Date, { nullable: true, description: "As-of of the customer's features (computed on demand: the day after the warehouse's last purchase); null for classifyFeatures." })
  featuresAsOf: Date | null;
}
