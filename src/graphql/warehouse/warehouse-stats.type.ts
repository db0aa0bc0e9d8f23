import { Field, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'How much the warehouse holds.' })
export class WarehouseStats {
  @Field(() => NonNegativeInt, { description: 'People (distinct customer_unique_id), not per-order accounts.' })
  customers: number;

  @Field(() => NonNegativeInt)
  orders: number;

  @Field(() => NonNegativeInt, { description: 'Order lines (order_item rows).' })
  orderItems: number;

  @Field(() => NonNegativeInt)
  payments: number;

  @Field(() => NonNegativeInt)
  reviews: number;

  @Field(() => Date, { nullable: true, description: 'Purchase time of the first order; null when there are no orders.' })
  firstOrderAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'Purchase time of the last order; null when there are no orders.' })
  lastOrderAt: Date | null;
}
