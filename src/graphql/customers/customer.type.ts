import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection';
import type { Loaders } from '../context';
import { Latitude, Longitude } from '../scalars';
import { ChurnTier } from './customer-enums';
import { CustomerFeatures } from './customer-features.type';
import { abcXyzOf, churnFromSegment, clusterOf, featureKey, featuresFromRow, rfmOf, segmentFromRow, segmentKey, type SegmentRow } from './customer.sql';

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

@ObjectType({ simpleResolvers: true, description: "The churn model's (BG/NBD + Gamma-Gamma) estimates; null when no churn model could be fitted." })
export class ChurnEstimate {
  @Field(() => Float, { nullable: true, description: 'Probability that the customer is still active (0-1).' })
  pAlive: number | null;

  @Field(() => Float, { nullable: true, description: '1 - pAlive.' })
  churnProbability: number | null;

  @Field(() => Float, { nullable: true, description: 'Expected purchases in the next 90 days.' })
  expectedPurchases90d: number | null;

  @Field(() => Float, { nullable: true, description: 'Expected spend per purchase (Gamma-Gamma).' })
  expectedAvgSpend: number | null;

  @Field(() => Float, { nullable: true, description: 'Customer lifetime value over the model horizon.' })
  clv: number | null;
}

type MaybePromise<T> = T | Promise<T>;

/** `f(v)`, synchronously when `v` is at hand: preloaded customers then resolve without a promise per field. */
function map<T, U>(v: MaybePromise<T>, f: (x: T) => U): MaybePromise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Where a Customer's model fields come from: read with it, or the request's DataLoaders. */
export type CustomerSource = { preloaded: { segment: SegmentRow | null; features: CustomerFeatures | null } } | { loaders: Loaders };

/**
 * A customer (person) as one model sees it. The model-dependent fields (features, rfm, abcXyz, cluster, churn,
 * priorityScore, lat/lng) are getters: synchronous from the data the finding statement read with the customer
 * (lists and lookups read it in the same statement), else through the request's batched DataLoaders by
 * `dbId` + `modelId`. Getters on a class with simpleResolvers resolve without a per-field resolver wrapper,
 * which matters on pages of thousands of fields.
 */
@ObjectType({ simpleResolvers: true, description: 'A customer (a person: Olist customer_unique_id, or a transaction log customer).' })
export class Customer {
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

  private source: CustomerSource;

  /**
   * A Customer from a result row holding CUSTOMER_COLUMNS (and, with a `preloaded` source, SEGMENT_COLUMNS and
   * featureColumns()).
   */
  static fromRow(row: Record<string, unknown>, modelId: number | null, snapshotId: number | null, source: 'preloaded' | Loaders): Customer {
    const c = new Customer();
    c.id = row.id as string;
    c.state = row.state as string | null;
    c.city = row.city as string | null;
    c.zipPrefix = row.zipPrefix as string | null;
    c.dbId = row.dbId as number;
    c.modelId = modelId;
    c.snapshotId = snapshotId;
    c.source =
      source === 'preloaded'
        ? { preloaded: { segment: modelId === null ? null : segmentFromRow(row), features: snapshotId === null ? null : featuresFromRow(row) } }
        : { loaders: source };
    return c;
  }

  /** The model row (with the cluster's name); null when the customer is not in the model. */
  segmentRow(): MaybePromise<SegmentRow | null> {
    if (!this.source) throw new Error('a Customer must be made with Customer.fromRow (its model fields need a source)');
    if ('preloaded' in this.source) return this.source.preloaded.segment;
    return this.modelId === null ? null : this.source.loaders.customerSegmentRow.load(segmentKey(this.modelId, this.dbId));
  }

  featureRow(): MaybePromise<CustomerFeatures | null> {
    if (!this.source) throw new Error('a Customer must be made with Customer.fromRow (its model fields need a source)');
    if ('preloaded' in this.source) return this.source.preloaded.features;
    return this.snapshotId === null ? null : this.source.loaders.customerFeatureRow.load(featureKey(this.snapshotId, this.dbId));
  }

  @Field(() => CustomerFeatures, { nullable: true, description: "Features of the model's snapshot; null when the customer had no purchase before its as-of." })
  get features(): MaybePromise<CustomerFeatures | null> {
    return this.featureRow();
  }

  @Field(() => Latitude, { nullable: true, description: 'Latitude of the zip prefix, else of the state centre (from the features).' })
  get lat(): MaybePromise<number | null> {
    return map(this.featureRow(), (f) => f?.lat ?? null);
  }

  @Field(() => Longitude, { nullable: true, description: 'Longitude of the zip prefix, else of the state centre (from the features).' })
  get lng(): MaybePromise<number | null> {
    return map(this.featureRow(), (f) => f?.lng ?? null);
  }

  @Field(() => RfmScore, { nullable: true, description: 'Null when the customer is not in the model.' })
  get rfm(): MaybePromise<RfmScore | null> {
    return map(this.segmentRow(), rfmOf);
  }

  @Field(() => AbcXyz, { nullable: true, description: 'Null when the customer is not in the model.' })
  get abcXyz(): MaybePromise<AbcXyz | null> {
    return map(this.segmentRow(), abcXyzOf);
  }

  @Field(() => ClusterRef, { nullable: true, description: 'Null when the customer is not in the model.' })
  get cluster(): MaybePromise<ClusterRef | null> {
    return map(this.segmentRow(), clusterOf);
  }

  @Field(() => ChurnEstimate, { nullable: true, description: 'Null when the customer is not in the model or the model has no churn estimates.' })
  get churn(): MaybePromise<ChurnEstimate | null> {
    return map(this.segmentRow(), churnFromSegment);
  }

  @Field(() => Float, { nullable: true, description: 'Churn risk × value: who to act on first (higher = sooner).' })
  get priorityScore(): MaybePromise<number | null> {
    return map(this.segmentRow(), (s) => s?.priorityScore ?? null);
  }
}

export const CustomerConnection = ConnectionType(Customer, 'Customer', { totalCount: true });
export type CustomerConnection = InstanceType<typeof CustomerConnection>;
