import { Field, Float, ID, InputType } from 'type-graphql';
import { CustomerOrderField, SortDirection } from './customer-enums';

@InputType({ description: 'Inclusive bounds; either may be omitted.' })
export class FloatRange {
  @Field(() => Float, { nullable: true })
  min?: number | null;

  @Field(() => Float, { nullable: true })
  max?: number | null;
}

@InputType({ description: 'From (inclusive) to (exclusive); either may be omitted.' })
export class DateTimeRange {
  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}

@InputType({ description: 'Customers matching every given condition (AND).' })
export class CustomerFilter {
  @Field(() => ID, { nullable: true, description: 'Stable cluster id of the model.' })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'RFM segment name, exactly as rfm.segment reports it.' })
  rfmSegment?: string | null;

  @Field(() => String, { nullable: true, description: 'A, B or C.' })
  abc?: string | null;

  @Field(() => String, { nullable: true, description: 'X, Y, Z or S.' })
  xyz?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Customer ids starting with this text (case-sensitive; normalized like ids, "17850.0" → "17850"); 1 to 200 characters.',
  })
  idPrefix?: string | null;

  @Field(() => String, { nullable: true, description: 'State code as Customer.state reports it, e.g. "SP".' })
  state?: string | null;

  @Field(() => FloatRange, { nullable: true, description: 'churn.churnProbability within the range (customers without an estimate never match).' })
  churnProbability?: FloatRange | null;

  @Field(() => FloatRange, { nullable: true, description: 'churn.clv within the range (customers without an estimate never match).' })
  clv?: FloatRange | null;

  @Field(() => DateTimeRange, { nullable: true, description: 'features.lastPurchaseAt within the range.' })
  lastPurchase?: DateTimeRange | null;
}

@InputType()
export class CustomerOrderBy {
  @Field(() => CustomerOrderField)
  field: CustomerOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction?: SortDirection;
}
