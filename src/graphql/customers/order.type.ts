import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection';

@ObjectType({ simpleResolvers: true, description: 'A line of an order.' })
export class OrderItem {
  @Field(() => Int, { description: 'Line number within the order (1-based).' })
  seq: number;

  @Field(() => String, { nullable: true })
  productId: string | null;

  @Field(() => String, { nullable: true, description: 'Product category (original, Portuguese name).' })
  category: string | null;

  @Field(() => String, { nullable: true, description: 'Product category in English, when known.' })
  categoryEn: string | null;

  @Field(() => String, { nullable: true })
  sellerId: string | null;

  @Field(() => Float)
  price: number;

  @Field(() => Float)
  freight: number;
}

@ObjectType({ simpleResolvers: true, description: 'A payment of an order (an order can be paid in several ways).' })
export class OrderPayment {
  @Field(() => Int)
  seq: number;

  @Field({ description: 'credit_card, boleto, voucher, debit_card, …' })
  type: string;

  @Field(() => Int)
  installments: number;

  @Field(() => Float)
  value: number;
}

@ObjectType({ simpleResolvers: true, description: "The customer's review of an order." })
export class OrderReview {
  @Field(() => Int, { description: '1 to 5.' })
  score: number;

  @Field(() => Date, { nullable: true })
  createdAt: Date | null;

  @Field(() => Date, { nullable: true })
  answeredAt: Date | null;
}

@ObjectType({ simpleResolvers: true, description: "An order of a customer; items, payments and review are loaded in batches." })
export class Order {
  @Field(() => ID)
  id: string;

  @Field()
  status: string;

  @Field(() => Date)
  purchasedAt: Date;

  @Field(() => Date, { nullable: true })
  approvedAt: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredCarrierAt: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredCustomerAt: Date | null;

  @Field(() => Date, { nullable: true })
  estimatedDeliveryAt: Date | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Order value (order_fact): the sum of its payments, else of its items (price + freight), else of its transaction lines.',
  })
  value: number | null;
}

export const OrderConnection = ConnectionType(Order, 'Order', { totalCount: true });
export type OrderConnection = InstanceType<typeof OrderConnection>;
