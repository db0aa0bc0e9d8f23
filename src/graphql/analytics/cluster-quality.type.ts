import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { NonNegativeFloat } from '../scalars';

@ObjectType({ description: 'One k tried by the cluster search: the points of an elbow / silhouette chart.' })
export class KSearchPoint {
  @Field(() => Int)
  k: number;

  @Field(() => NonNegativeFloat, { description: 'Within-cluster sum of squares on the rows the search fitted (scaled features).' })
  inertia: number;

  @Field(() => Float, { nullable: true, description: 'Mean silhouette on the scoring sample; null when it is undefined (a single cluster in the sample).' })
  silhouette: number | null;

  @Field(() => Float, { description: 'Share of the searched rows in the largest cluster.' })
  largestShare: number;

  @Field(() => Float, { description: 'Share of the searched rows in the smallest cluster.' })
  smallestShare: number;

  @Field({ description: 'True when this k was rejected as degenerate (one giant cluster, a tiny one, or no silhouette).' })
  degenerate: boolean;

  @Field(() => String, { nullable: true, description: 'Why this k is degenerate, in words.' })
  degenerateReason: string | null;

  @Field(() => Float, { nullable: true, description: 'Mean adjusted Rand index between k-means fits on seeded half-samples of the search rows (1 = the same partition every time); null when k was fixed or the model predates the criterion.' })
  stability: number | null;

  @Field(() => Float, { nullable: true, description: 'Gap statistic: log within-cluster sum of squares of uniform reference data minus that of the rows (higher = more structure than chance); null when not computed.' })
  gap: number | null;

  @Field(() => Float, { nullable: true, description: 'Standard error of the gap statistic over its reference data sets; null when not computed.' })
  gapSe: number | null;

  @Field(() => Float, { nullable: true, description: 'BIC of a Gaussian mixture with diagonal covariances started from this k-means fit, on the search rows (scaled features; lower is better); null when not computed.' })
  bic: number | null;

  @Field(() => Float, { nullable: true, description: 'Adjusted Rand index between this fit and one fitted with another seed on the criteria rows; a k is chosen only when it is at least 0.9 (if any k is). Null when k was fixed or the model predates the criterion.' })
  seedStability: number | null;

  @Field(() => Float, { nullable: true, description: 'Gaussian mixture engine: integrated completed likelihood (BIC + 2 × entropy of the responsibilities; lower is better), the criterion that chooses its k. Null for k-means.' })
  icl: number | null;
}

@ObjectType({ description: 'How good and how stable the clustering of a model version is.' })
export class ClusterQuality {
  @Field(() => ID)
  modelId: string;

  @Field(() => Int, { description: 'Number of clusters of the model.' })
  k: number;

  @Field(() => String, { description: '"silhouette" (k-means) or "icl" (Gaussian mixture) when k was chosen by the search, "fixed" when it was given.' })
  chosenBy: string;

  @Field(() => String, { nullable: true, description: 'Why this k, in words.' })
  kReason: string | null;

  @Field(() => Float, { nullable: true, description: 'Mean silhouette of the chosen k; null when undefined.' })
  silhouette: number | null;

  @Field(() => NonNegativeFloat, { description: 'Within-cluster sum of squares of the final model (fitted on the whole fit sample).' })
  inertia: number;

  @Field(() => [KSearchPoint], { description: 'Every k tried, ascending (one point when k was fixed).' })
  kSearch: KSearchPoint[];

  @Field(() => Float, { nullable: true, description: 'Adjusted Rand index of the cluster assignments against the previous model, over their common customers; null for the first model.' })
  ariVsPrevious: number | null;

  @Field(() => ID, { nullable: true, description: 'The model ariVsPrevious compares with.' })
  previousModelId: string | null;

  @Field({ description: 'True when the final model is degenerate (see degenerateReason).' })
  degenerate: boolean;

  @Field(() => String, { nullable: true })
  degenerateReason: string | null;

  @Field({ description: 'True when every k of the search was degenerate, so the least bad one was kept.' })
  allDegenerate: boolean;
}
