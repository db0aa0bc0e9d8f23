import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Role } from '../../auth/roles';
import type { GraphQLContext } from '../context';
import { resolveModelArg } from '../../models/model-ref';
import type { Connection } from '../common/connection';
import { PageArgs } from '../common/page-args';
import { CustomerOrderBy } from '../customers/customer-filter.input';
import { listCustomers } from '../customers/customer.service';
import { CustomerConnection, type Customer } from '../customers/customer.type';
import { Segment } from './segment.type';
import { parseSegmentId } from '../../models/segment-id';
import { SegmentKind } from './segment-kind.enum';
import { getSegment, listSegments, segmentCustomerFilter, type SegmentNode } from './segments.service';

@Resolver(() => Segment)
export class SegmentsResolver {
  @Authorized<Role>('viewer')
  @Query(() => [Segment], { description: 'The segments of one kind of a model version, by priority rank (1 = act here first).' })
  async segments(
    @Ctx() ctx: GraphQLContext,
    @Arg('kind', () => SegmentKind) kind: SegmentKind,
    @Arg('modelId', () => ID, { nullable: true, description: 'Model version id; omitted = the active model.' }) modelId?: string | null,
  ): Promise<SegmentNode[]> {
    return listSegments(ctx.db, await resolveModelArg(ctx.db, modelId), kind);
  }

  @Authorized<Role>('viewer')
  @Query(() => Segment, { nullable: true, description: 'One segment by id ("<modelId>:<KIND>:<key>"); null when the model or the segment does not exist.' })
  async segment(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<SegmentNode | null> {
    return getSegment(ctx.db, parseSegmentId(id, 'id'));
  }

  @FieldResolver(() => CustomerConnection, { description: "The segment's members, highest priority first unless orderBy says otherwise." })
  async customers(
    @Ctx() ctx: GraphQLContext,
    @Root() segment: SegmentNode,
    @Args() page: PageArgs,
    @Arg('orderBy', () => CustomerOrderBy, { nullable: true }) orderBy?: CustomerOrderBy | null,
  ): Promise<Connection<Customer>> {
    return listCustomers(ctx, { modelId: segment.ref.modelId, first: page.first, after: page.after, filter: segmentCustomerFilter(segment.ref), orderBy });
  }
}
