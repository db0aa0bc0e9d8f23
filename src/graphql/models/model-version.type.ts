import { JSONResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection';
import { ClusterRef } from '../customers/customer.type';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'Holdout metrics of one cluster (class) of the classifier.' })
export class ClassMetrics {
  @Field({ description: 'Cluster id.' })
  label: string;

  @Field(() => Float)
  precision: number;

  @Field(() => Float)
  recall: number;

  @Field(() => Float)
  f1: number;

  @Field(() => NonNegativeInt, { description: 'Holdout customers of this cluster.' })
  support: number;
}

@ObjectType({ description: "How well the model's naive Bayes classifier reproduces its clusters, on a stratified holdout." })
export class ClassifierMetrics {
  @Field(() => Float)
  accuracy: number;

  @Field(() => Float, { description: 'Mean F1 over clusters (each cluster weighs the same).' })
  macroF1: number;

  @Field(() => [ClassMetrics])
  perClass: ClassMetrics[];

  @Field(() => [[Int]], { description: 'Rows: true cluster, columns: predicted cluster, both in the order of `labels`.' })
  confusionMatrix: number[][];

  @Field(() => [String], { description: 'Cluster ids in the order of the confusion matrix.' })
  labels: string[];

  @Field(() => [String], { description: 'Features the classifier reads (the clustering features, then state and topCategory).' })
  features: string[];

  @Field(() => Float, { description: 'Share of the fit sample held out for these metrics.' })
  holdoutShare: number;
}

@ObjectType({ description: 'The churn (BG/NBD family) and spend (Gamma-Gamma) models fitted with a model version.' })
export class ChurnModelInfo {
  @Field({ description: 'Transaction model: "bg-nbd" or "mbg-nbd".' })
  model: string;

  @Field(() => JSONResolver, { description: 'Transaction model parameters {r, alpha, a, b} (time unit: week).' })
  params: Record<string, number>;

  @Field(() => Float, { nullable: true, description: 'Log-likelihood of the transaction model at its parameters.' })
  logLikelihood: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the transaction model fit converged.' })
  converged: boolean | null;

  @Field(() => JSONResolver, { nullable: true, description: 'Gamma-Gamma parameters {p, q, v}; null when the spend model fell back (see spendFallback).' })
  spendParams: Record<string, number> | null;

  @Field(() => Float, { nullable: true, description: 'Log-likelihood of the spend model.' })
  spendLogLikelihood: number | null;

  @Field(() => String, { nullable: true, description: 'Why the spend model was not used, when it was not.' })
  spendFallback: string | null;

  @Field(() => Int, { nullable: true, description: 'Horizon of expectedPurchases90d-style estimates, in days.' })
  horizonDays: number | null;

  @Field(() => Int, { nullable: true })
  clvHorizonMonths: number | null;

  @Field(() => Float, { nullable: true })
  monthlyDiscount: number | null;

  @Field(() => Int, { nullable: true, description: 'Customers with a repeat purchase (those the spend model is fitted on).' })
  repeatCustomers: number | null;

  @Field({ description: 'Which estimate the churn probabilities come from: "bg_nbd" (the fitted model above) or "empirical_repeat" (thin-data fallback: P(buying again within horizonDays) by recency × frequency on a time split; the parameters above are then the rejected fit, kept on record).' })
  churnRiskSource: string;

  @Field(() => String, { nullable: true, description: 'Why that estimate is in use: the measured rules (repeat customers and share, convergence, parameter bounds, holdout AUC) and which failed.' })
  decision: string | null;
}

@ObjectType({ description: 'A trained model version: clusters, classifier, churn and value models, and how good they are.' })
export class ModelVersion {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: '"ready" (servable) or "backtest" (trained on a past cut-off for evaluation; never active).' })
  status: string;

  @Field()
  isActive: boolean;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was last made the active model.' })
  activatedAt: Date | null;

  @Field(() => Date, { description: 'Cut of the features it was trained on: facts strictly before this instant count. Trained "as of D" (D included, like lifetimes\' observation_period_end), this is the midnight after D.' })
  asOf: Date;

  @Field(() => Int)
  seed: number;

  @Field(() => Int, { description: 'Number of clusters.' })
  k: number;

  @Field({ description: "Clustering engine: 'kmeans' or 'gmm' (full-covariance Gaussian mixture)." })
  algorithm: string;

  @Field(() => NonNegativeInt, { description: 'Customers assigned to a segment.' })
  customers: number;

  @Field(() => [String], { description: 'Clustering features, in the order of the model (catalogue names).' })
  featureNames: string[];

  @Field(() => [ClusterRef], { description: 'Its clusters, by id.' })
  clusters: ClusterRef[];

  @Field(() => ClassifierMetrics)
  classifier: ClassifierMetrics;

  @Field(() => ChurnModelInfo, { nullable: true, description: 'Null when no churn model could be fitted (risk then comes from RFM tiers).' })
  churnModel: ChurnModelInfo | null;

  @Field({ description: 'How segment priority is computed, in words.' })
  priorityFormula: string;

  @Field(() => ID, { nullable: true, description: 'The training run that produced it (null for versions made without one).' })
  trainingRunId: string | null;

  @Field(() => JSONResolver, { description: 'Every stored metric (k search, silhouette, ARI vs. the previous model, classifier, …).' })
  metrics: Record<string, unknown>;
}

export const ModelVersionConnection = ConnectionType(ModelVersion, 'ModelVersion', { totalCount: true });
