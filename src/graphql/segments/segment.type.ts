import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';
import { SegmentKind } from './segment-kind.enum';

@ObjectType({ description: "How a segment's members differ from all customers on one feature." })
export class FeatureDeviation {
  @Field({ description: 'customer_features column, e.g. recency_days.' })
  feature: string;

  @Field(() => Float, { nullable: true, description: "Members' mean, in the feature's own unit; null when no member has a value." })
  mean: number | null;

  @Field(() => Float, {
    nullable: true,
    description: '(segment mean − population mean) / population std, on the signed-log scale for heavy-tailed features.',
  })
  z: number | null;
}

@ObjectType({ description: 'A segment of a model version (a cluster, an RFM segment or an ABC/XYZ class) with its priority and recommended action.' })
export class Segment {
  @Field(() => ID, { description: '"<modelId>:<KIND>:<key>", e.g. "3:RFM:At Risk".' })
  id: string;

  @Field(() => SegmentKind)
  kind: SegmentKind;

  @Field({ description: 'Cluster id, RFM segment name or ABC/XYZ class.' })
  key: string;

  @Field()
  name: string;

  @Field(() => NonNegativeInt, { description: 'Members.' })
  size: number;

  @Field(() => Float, { description: "Members / the model's customers." })
  share: number;

  @Field(() => Float, { description: "Members' revenue (spend before the model's as-of) / everyone's." })
  revenueShare: number;

  @Field(() => Float, { nullable: true })
  avgRecencyDays: number | null;

  @Field(() => Float, { nullable: true })
  avgFrequency: number | null;

  @Field(() => Float, { nullable: true })
  avgMonetary: number | null;

  @Field(() => Float, { nullable: true, description: "Members' mean churn probability 0–1: P(no purchase within the model's horizonDays, 90 by default) (see churnRiskSource)." })
  churnRisk: number | null;

  @Field({
    description:
      'Which estimate churn risk comes from: "bg_nbd" = the fitted BG/NBD-family model; "empirical_repeat" = the thin-data fallback (P(buying again within the horizon) by recency × frequency, learned on a time split), used when the fit fails the rules recorded in activeModel.churnModel.decision; "rfm_tier" = share in the RFM high tier + half the medium share (no estimate at all).',
  })
  churnRiskSource: string;

  @Field(() => Float, { nullable: true, description: "Σ members' value if retained: expected spend over the CLV horizon (CLV_HORIZON_MONTHS, 12 by default, discounted monthly) if they stay, in the store's currency (the warehouse's amounts, e.g. BRL for Olist)." })
  valueIfRetainedTotal: number | null;

  @Field(() => Float, { nullable: true, description: "Value at risk: Σ members' churn probability × value if retained, in the store's currency over the CLV horizon. The priority score is this segment's share of it." })
  valueAtRisk: number | null;

  @Field(() => Float, { nullable: true, description: "Members' expected value: total CLV (or revenue without a churn model)." })
  expectedValueTotal: number | null;

  @Field(() => Float, { nullable: true })
  expectedValueMean: number | null;

  @Field(() => Float, { description: 'Share of all value at risk of segments of this kind that sits here (0–1; valueAtRisk ÷ Σ valueAtRisk of the kind).' })
  priorityScore: number;

  @Field(() => Int, { description: '1 = act here first (within the kind).' })
  priorityRank: number;

  @Field({ description: 'win-back | retain | upsell | nurture | let go (upsell and nurture are growth actions, not retention).' })
  recommendedAction: string;

  @Field({ description: 'True for growth actions (upsell, nurture): act on them for growth, not to save value at risk.' })
  growth: boolean;

  @Field({ description: 'The recommended action in words.' })
  actionText: string;

  @Field(() => String, { nullable: true, description: 'Why that action: the segment against the population.' })
  actionReason: string | null;

  @Field(() => [FeatureDeviation])
  profile: FeatureDeviation[];

  @Field(() => ID)
  modelId: string;
}
