import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import type { Role } from '../../auth/roles';
import { config } from '../../config';
import { ServiceInfo } from './service-info.type';
import { warehouseStats } from './warehouse-stats.service';
import { WarehouseStats } from './warehouse-stats.type';

@Resolver()
export class WarehouseResolver {
  @Authorized<Role>('viewer')
  @Query(() => WarehouseStats, { description: 'Row counts of the warehouse tables and the span of its orders.' })
  async warehouseStats(@Ctx() ctx: GraphQLContext): Promise<WarehouseStats> {
    return warehouseStats(ctx.db);
  }

  @Authorized<Role>('viewer')
  @Query(() => ServiceInfo, { description: "The store's currency, the configured CLV horizon, and the caller's role (or open mode)." })
  serviceInfo(@Ctx() ctx: GraphQLContext): ServiceInfo {
    const c = config();
    return { currency: c.STORE_CURRENCY, clvHorizonMonths: c.CLV_HORIZON_MONTHS, role: ctx.principal.role, openMode: ctx.principal.open };
  }
}
