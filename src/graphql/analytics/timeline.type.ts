import { Field, Float, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'Activity of one series in one period.' })
export class TimelinePoint {
  @Field({ description: 'Month, "YYYY-MM" (UTC).' })
  period: string;

  @Field({
    description:
      '"all" (every purchase in the warehouse), "tier:HIGH|MEDIUM|LOW" (customers by the model\'s RFM churn tier) "segment:<RFM segment>" (by the model\'s RFM segment) or "cluster:<cluster id>" (by the model\'s cluster). Tier, segment and cluster series cover the customers the model assigned.',
  })
  series: string;

  @Field(() => NonNegativeInt, { description: 'Distinct customers with a purchase in the period.' })
  activeCustomers: number;

  @Field(() => NonNegativeInt, { description: 'Purchase orders (not canceled or unavailable).' })
  orders: number;

  @Field(() => Float, { description: 'Sum of the order values (payments; net amount for transaction logs).' })
  revenue: number;
}
