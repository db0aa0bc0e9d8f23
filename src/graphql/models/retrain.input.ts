import { Field, InputType, Int } from 'type-graphql';

/** Plain Int fields: graphql-scalars' integer scalars would truncate 3.7 to 3 instead of refusing it. */
@InputType({ description: 'What to train. Every field is optional.' })
export class RetrainInput {
  @Field(() => String, { nullable: true, description: "Clustering engine: 'kmeans' (k chosen by silhouette) or 'gmm' (full-covariance Gaussian mixture, k chosen by ICL among seed-stable k). Default 'kmeans'." })
  algorithm?: string | null;

  @Field(() => Int, { nullable: true, description: 'Number of clusters, 2–50. Omitted: chosen by silhouette over 2–10.' })
  k?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Customers who bought on a single day as a cluster of their own, the engine\'s k searched on the others: clusters that follow customer types (a single-day buyer has shown no behaviour to type them by) rather than acquisition date and spend. With k, k counts that cluster (at least 3). Default false.',
  })
  singleDayCluster?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Seed of every random choice, ≥ 0 (same data + same seed = same model). Default 42.' })
  seed?: number | null;

  @Field(() => Date, { nullable: true, description: 'Train as of this day (UTC): purchases made on it count and customer age T is measured to it, like lifetimes\' observation_period_end. Not in the future and after the first purchase. Default: the day of the last purchase.' })
  asOf?: Date | null;

  @Field(() => String, { nullable: true, description: 'Why this run, in words (up to 500 characters), e.g. "September orders loaded"; kept on the run (TrainingRun.note).' })
  note?: string | null;
}
