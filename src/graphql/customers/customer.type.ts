import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection';
import type { Loaders } from '../context';
import { Latitude, Longitude } from '../scalars';
import { ChurnTier } from './customer-enums';
import { CustomerFeatures } from './customer-features.type';
import { abcXyzOf, churnFromSegment, clusterOf, COUNT_LIMIT, featureKey, featuresFromRow, rfmOf, segmentFromRow, segmentKey, type SegmentRow } from './customer.sql';

@ObjectType({ simpleResolvers: true, description: "A customer's RFM quintile scores (1 = worst, 5 = best) and the segment they map to." })
export class RfmScore {
  @Field(() => Int, { description: 'Recency score 1-5 (5 = bought most recently).' })
  r: number;

  @Field(() => Int, { description: 'Frequency score 1-5.' })
  f: number;

  @Field(() => Int, { description: 'Monetary score 1-5.' })
  m: number;

  @Field(() => Float, { description: 'Combined RFM score.' })
  score: number;

  @Field({ description: 'RFM segment name, e.g. "Champions", "At Risk".' })
  segment: string;

  @Field(() => ChurnTier)
  churnTier: ChurnTier;
}

@ObjectType({ simpleResolvers: true, description: 'ABC (revenue contribution) and XYZ (order value variability) classes.' })
export class AbcXyz {
  @Field({ description: 'A, B or C: top, middle or low revenue contribution.' })
  abc: string;

  @Field({ description: 'X, Y or Z: steady, variable or erratic order values; S = a single purchase.' })
  xyz: string;

  @Field({ description: 'abc + xyz, e.g. "AX"; the key of the ABC_XYZ segment.' })
  class: string;
}

@ObjectType({ simpleResolvers: true, description: 'A cluster of a model: its stable id and its name.' })
export class ClusterRef {
  @Field(() => ID, { description: 'Stable cluster id (kept across retrainings when the cluster continues).' })
  id: string;

  @Field()
  name: string;
}

@ObjectType({ simpleResolvers: true, description: "The churn and value estimates (BG/NBD family + Gamma-Gamma, or the thin-data fallback: see Segment.churnRiskSource); null when none could be made." })
export class ChurnEstimate {
  @Field(() => Float, { nullable: true, description: 'Probability that the customer has not dropped out (0–1), from the BG/NBD-family model; null under the thin-data fallback. Not the churn probability: see churnProbability.' })
  pAlive: number | null;

  @Field(() => Float, { nullable: true, description: "Churn probability: P(no purchase within the model's horizonDays, 90 by default) (0–1) — gone, or still a customer but silent that long. The one churn meaning used by priorities, tiers, the dashboard and the export." })
  churnProbability: number | null;

  @Field(() => Float, { nullable: true, description: 'Expected purchases in the next 90 days.' })
  expectedPurchases90d: number | null;

  @Field(() => Float, { nullable: true, description: 'Expected spend per purchase (Gamma-Gamma).' })
  expectedAvgSpend: number | null;

  @Field(() => Float, { nullable: true, description: 'Customer lifetime value over the CLV horizon (already discounted by survival), in the store\'s currency.' })
  clv: number | null;

  @Field(() => Float, { nullable: true, description: "Value if retained: expected spend over the CLV horizon (CLV_HORIZON_MONTHS, 12 by default, discounted monthly) if the customer stays, in the store's currency (e.g. BRL for Olist)." })
  valueIfRetained: number | null;

  @Field(() => Float, { nullable: true, description: "Value at risk: churnProbability × valueIfRetained, in the store's currency over the CLV horizon." })
  valueAtRisk: number | null;
}

/** The parts of a customer that do not depend on a model. */
export interface CustomerBase {
  id: string;
  state: string | null;
  city: string | null;
  zipPrefix: string | null;
  dbId: number;
}

/**
 * A customer (person) as one model sees it. Every field is a plain property, set when the customer is made:
 * GraphQL reads them without a resolver per field, which matters on pages of thousands of fields. The model
 * fields (features, rfm, abcXyz, cluster, churn, priorityScore, lat/lng) come from the model's row and feature
 * row of the customer, read with it (Customer.fromRow: lists and lookups read them in the same statement) or
 * through the request's batched DataLoaders (Customer.load). A page of customers sets only the fields its
 * query selects (see customer-page.ts); the others stay undefined.
 */
@ObjectType({ simpleResolvers: true, description: 'A customer (a person: Olist customer_unique_id, or a transaction log customer).' })
export class Customer implements CustomerBase {
  @Field(() => ID, { description: 'customer_unique_id (a transaction log customer\'s normalized id, "17850.0" → "17850").' })
  id: string;

  @Field(() => String, { nullable: true, description: "The customer's state (else the state of the zip prefix, as the features have it)." })
  state: string | null;

  @Field(() => String, { nullable: true })
  city: string | null;

  @Field(() => String, { nullable: true })
  zipPrefix: string | null;

  /** customer.id, the surrogate key: never exposed. */
  dbId: number;

  /** The model this customer is read through (null when there is no model, e.g. no active one yet). */
  modelId: number | null;

  /** The model's feature snapshot (null when there is no model). */
  snapshotId: number | null;

  @Field(() => CustomerFeatures, { nullable: true, description: "Features of the model's snapshot; null when the customer had no purchase before its as-of." })
  features: CustomerFeatures | null;

  @Field(() => Latitude, { nullable: true, description: 'Latitude of the zip prefix, else of the state centre (from the features).' })
  lat: number | null;

  @Field(() => Longitude, { nullable: true, description: 'Longitude of the zip prefix, else of the state centre (from the features).' })
  lng: number | null;

  @Field(() => RfmScore, { nullable: true, description: 'Null when the customer is not in the model.' })
  rfm: RfmScore | null;

  @Field(() => AbcXyz, { nullable: true, description: 'Null when the customer is not in the model.' })
  abcXyz: AbcXyz | null;

  @Field(() => ClusterRef, { nullable: true, description: 'Null when the customer is not in the model.' })
  cluster: ClusterRef | null;

  @Field(() => ChurnEstimate, { nullable: true, description: 'Null when the customer is not in the model or the model has no churn estimates.' })
  churn: ChurnEstimate | null;

  @Field(() => Float, { nullable: true, description: 'Churn risk × value: who to act on first (higher = sooner).' })
  priorityScore: number | null;

  /** A customer with every model field set from its model row and feature row (null: none in the model). */
  static of(base: CustomerBase, modelId: number | null, snapshotId: number | null, segment: SegmentRow | null, features: CustomerFeatures | null): Customer {
    const c = new Customer();
    c.id = base.id;
    c.state = base.state;
    c.city = base.city;
    c.zipPrefix = base.zipPrefix;
    c.dbId = base.dbId;
    c.modelId = modelId;
    c.snapshotId = snapshotId;
    c.features = features;
    c.lat = features?.lat ?? null;
    c.lng = features?.lng ?? null;
    c.rfm = rfmOf(segment);
    c.abcXyz = abcXyzOf(segment);
    c.cluster = clusterOf(segment);
    c.churn = churnFromSegment(segment);
    c.priorityScore = segment?.priorityScore ?? null;
    return c;
  }

  /** A Customer from a result row holding CUSTOMER_COLUMNS, SEGMENT_COLUMNS and featureColumns(). */
  static fromRow(row: Record<string, unknown>, modelId: number | null, snapshotId: number | null): Customer {
    return Customer.of(
      row as unknown as CustomerBase,
      modelId,
      snapshotId,
      modelId === null ? null : segmentFromRow(row),
      snapshotId === null ? null : featuresFromRow(row),
    );
  }

  /**
   * A Customer found without its model data (a row holding CUSTOMER_COLUMNS): its model row and feature row come
   * through the request's DataLoaders, so customers made in the same tick cost two statements together.
   */
  static async load(row: Record<string, unknown>, modelId: number | null, snapshotId: number | null, loaders: Loaders): Promise<Customer> {
    const base = row as unknown as CustomerBase;
    const [segment, features] = await Promise.all([
      modelId === null ? null : loaders.customerSegmentRow.load(segmentKey(modelId, base.dbId)),
      snapshotId === null ? null : loaders.customerFeatureRow.load(featureKey(snapshotId, base.dbId)),
    ]);
    return Customer.of(base, modelId, snapshotId, segment, features);
  }
}

export const CustomerConnection = ConnectionType(Customer, 'Customer', {
  totalCount: true,
  totalCountDescription: `Customers matching the filter, over all pages. Exact without a filter and for filters on clusterId, rfmSegment and state only (alone or together: read from the model's summary tables, no scan). With any other filter condition counting stops at ${COUNT_LIMIT} rows, so that its cost stays bounded: ${COUNT_LIMIT} then means ${COUNT_LIMIT} or more.`,
});
export type CustomerConnection = InstanceType<typeof CustomerConnection>;
