import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import type { Role } from '../../auth/roles';
import { warehouseStats } from './warehouse-stats.service';
import { WarehouseStats } from './warehouse-stats.type';

@Resolver()
export class WarehouseResolver {
  @Authorized<Role>('viewer')
  @Query(() => WarehouseStats, { description: 'Row counts of the warehouse tables and the span of its orders.' })
  async warehouseStats(@Ctx() ctx: GraphQLContext): Promise<WarehouseStats> {
    return warehouseStats(ctx.db);
  }
}
