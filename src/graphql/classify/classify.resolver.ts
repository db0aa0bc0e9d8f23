import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { classifyCustomers, classifySuppliedFeatures, MAX_CLASSIFY_BATCH, type SuppliedFeatures } from '../../models/serving/classify.service';
import type { Role } from '../../auth/roles';
import type { GraphQLContext } from '../context';
import { Classification } from './classification.type';
import { CustomerFeaturesInput } from './customer-features.input';

/**
 * Classification with the active model. Mutations (not queries) because they are computations on demand
 * that the analyst role is granted, and their results are not cacheable reads of stored state.
 */
@Resolver()
export class ClassifyResolver {
  @Authorized<Role>('analyst')
  @Mutation(() => Classification, { description: "Classifies a warehouse customer on its current features (computed on demand) with the active model." })
  async classifyCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Classification> {
    const [c] = await classifyCustomers(ctx.db, [id], 'id');
    return c;
  }

  @Authorized<Role>('analyst')
  @Mutation(() => [Classification], { description: `Classifies up to ${MAX_CLASSIFY_BATCH} warehouse customers (results in the order of ids).` })
  classifyCustomers(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: GraphQLContext): Promise<Classification[]> {
    return classifyCustomers(ctx.db, ids, 'ids');
  }

  @Authorized<Role>('analyst')
  // Reads no table (the active model is cached in memory): it costs what a plain field costs.
  @Mutation(() => Classification, { description: 'Classifies a customer who is not in the warehouse from supplied features, with the active model.', complexity: 1 })
  classifyFeatures(@Arg('input', () => CustomerFeaturesInput) input: CustomerFeaturesInput, @Ctx() ctx: GraphQLContext): Promise<Classification> {
    return classifySuppliedFeatures(ctx.db, { ...input } as SuppliedFeatures);
  }
}
