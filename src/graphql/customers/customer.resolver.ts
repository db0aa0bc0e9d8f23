import type { GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { Role } from '../../auth/roles';
import type { Connection } from '../common/connection';
import type { GraphQLContext } from '../context';
import { customerOrders, getCustomer, listCustomers } from './customer.service';
import { Customer, CustomerConnection } from './customer.type';
import { CustomerArgs, CustomersArgs } from './customers.args';
import { customerPageSelection } from './customer-selection';
import { Order, OrderConnection, OrderItem, OrderPayment, OrderReview } from './order.type';

@ArgsType()
class OrderPageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 500.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return the orders after this cursor (a previous page's endCursor)." })
  after?: string | null;
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized<Role>('viewer')
  @Query(() => CustomerConnection, { description: "A model's customers, filtered and ordered, as a Relay connection." })
  customers(@Args() args: CustomersArgs, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo): Promise<Connection<Customer>> {
    return listCustomers(ctx, { ...args, selection: customerPageSelection(info) });
  }

  @Authorized<Role>('viewer')
  @Query(() => Customer, { nullable: true, description: 'One customer by id; null when there is none.' })
  customer(@Args() args: CustomerArgs, @Ctx() ctx: GraphQLContext): Promise<Customer | null> {
    return getCustomer(ctx, args.id, args.modelId);
  }

  @FieldResolver(() => OrderConnection, { description: 'Orders, newest first.' })
  orders(@Root() c: Customer, @Args() args: OrderPageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<Order>> {
    return customerOrders(ctx, c, args);
  }
}

@Resolver(() => Order)
export class OrderResolver {
  @FieldResolver(() => [OrderItem])
  items(@Root() o: Order, @Ctx() ctx: GraphQLContext): Promise<OrderItem[]> {
    return ctx.loaders.orderItemsByOrder.load(o.id);
  }

  @FieldResolver(() => [OrderPayment])
  payments(@Root() o: Order, @Ctx() ctx: GraphQLContext): Promise<OrderPayment[]> {
    return ctx.loaders.orderPaymentsByOrder.load(o.id);
  }

  @FieldResolver(() => OrderReview, { nullable: true, description: 'The latest review of the order, if any.' })
  review(@Root() o: Order, @Ctx() ctx: GraphQLContext): Promise<OrderReview | null> {
    return ctx.loaders.orderReviewByOrder.load(o.id);
  }
}
