import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { Role } from '../../auth/roles';
import type { GraphQLContext } from '../context';
import { CohortBy, Granularity } from './analytics-enums';
import { DEFAULT_MONTHS, MAX_MONTHS } from './analytics-sql';
import { clusterQuality } from './cluster-quality.service';
import { ClusterQuality } from './cluster-quality.type';
import { Cohort, CohortState } from './cohort.type';
import { cohortRetention, cohortStates, DEFAULT_COHORTS } from './cohort-retention.service';
import { GeoSegment } from './geo-segment.type';
import { geoSegments } from './geo-segments.service';
import { resolveModel, resolveModelArg } from '../../models/model-ref';
import { RfmCell } from './rfm-grid.type';
import { rfmGrid } from './rfm-grid.service';
import { SegmentMap } from './segment-map.type';
import { segmentMap } from './segment-map.service';
import { SegmentOverlap } from './segment-overlap.type';
import { segmentOverlap } from './segment-overlap.service';
import { TimelinePoint } from './timeline.type';
import { timeline } from './timeline.service';

const MODEL_ID_DOC = 'Model version id; omitted = the active model.';

/** Dashboard analytics over a model version (and cohorts over the warehouse). Aggregation happens in SQL. */
@Resolver()
export class AnalyticsResolver {
  @Authorized<Role>('viewer')
  @Query(() => ClusterQuality, { description: 'Silhouette, inertia, the k-search curve and stability (ARI vs the previous model) of the clustering.' })
  async clusterQuality(@Ctx() ctx: GraphQLContext, @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId?: string | null): Promise<ClusterQuality> {
    return clusterQuality(ctx.db, await resolveModelArg(ctx.db, modelId));
  }

  @Authorized<Role>('viewer')
  @Query(() => [RfmCell], { description: 'Customers and revenue per (recency score, frequency score): the 25 cells of the RFM heatmap.' })
  async rfmGrid(@Ctx() ctx: GraphQLContext, @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId?: string | null): Promise<RfmCell[]> {
    return rfmGrid(ctx.db, await resolveModel(ctx.db, modelId));
  }

  @Authorized<Role>('viewer')
  @Query(() => SegmentOverlap, { description: 'Customers per (RFM segment, cluster) pair and the adjusted Rand index between the two segmentations.' })
  async segmentOverlap(@Ctx() ctx: GraphQLContext, @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId?: string | null): Promise<SegmentOverlap> {
    return segmentOverlap(ctx.db, await resolveModel(ctx.db, modelId));
  }

  @Authorized<Role>('viewer')
  @Query(() => SegmentMap, { description: 'The clusters on the 2-D PCA plane: sample points, centroids and explained variance.' })
  async segmentMap(@Ctx() ctx: GraphQLContext, @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId?: string | null): Promise<SegmentMap> {
    return segmentMap(ctx.db, await resolveModelArg(ctx.db, modelId));
  }

  @Authorized<Role>('viewer')
  @Query(() => [Cohort], {
    description: `Monthly retention of first-purchase cohorts: for each cohort, the share active in each later month. Covers the last \`cohorts\` cohort months (default ${DEFAULT_COHORTS}) up to the last month with purchases.`,
  })
  async cohortRetention(
    @Ctx() ctx: GraphQLContext,
    @Arg('granularity', () => Granularity, { nullable: true, defaultValue: Granularity.MONTH }) granularity: Granularity | null,
    @Arg('by', () => CohortBy, { nullable: true, defaultValue: CohortBy.NONE }) by: CohortBy | null,
    @Arg('cohorts', () => Int, { nullable: true, defaultValue: DEFAULT_COHORTS, description: `Cohort months to return, 1 to ${MAX_MONTHS}.` }) cohorts: number | null,
    @Arg('state', () => String, { nullable: true, description: 'With by: STATE, only the cohorts of this state (e.g. "SP"; case-insensitive).' }) state?: string | null,
  ): Promise<Cohort[]> {
    return cohortRetention(ctx.db, { granularity, by, cohorts, state });
  }

  @Authorized<Role>('viewer')
  @Query(() => [CohortState], {
    description: 'The states with cohorts among the last `cohorts` months, each with its cohorts and customers, in byte order (unknown state last): the list a state picker offers before it asks cohortRetention(by: STATE, state) for one of them.',
  })
  async cohortStates(
    @Ctx() ctx: GraphQLContext,
    @Arg('cohorts', () => Int, { nullable: true, defaultValue: DEFAULT_COHORTS, description: `Cohort months to cover, 1 to ${MAX_MONTHS}.` }) cohorts: number | null,
  ): Promise<CohortState[]> {
    return cohortStates(ctx.db, { cohorts });
  }

  @Authorized<Role>('viewer')
  @Query(() => [TimelinePoint], {
    description: `Monthly active customers, orders and revenue: overall ("all"), per churn tier ("tier:HIGH"), per RFM segment ("segment:Champions") and per cluster ("cluster:2") of the model; revenue in STORE_CURRENCY. Covers the last \`months\` months (default ${DEFAULT_MONTHS}) with purchases.`,
  })
  async timeline(
    @Ctx() ctx: GraphQLContext,
    @Arg('granularity', () => Granularity, { nullable: true, defaultValue: Granularity.MONTH }) granularity: Granularity | null,
    @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId: string | null | undefined,
    @Arg('months', () => Int, { nullable: true, defaultValue: DEFAULT_MONTHS, description: `Months to return, 1 to ${MAX_MONTHS}.` }) months: number | null,
  ): Promise<TimelinePoint[]> {
    return timeline(ctx.db, await resolveModel(ctx.db, modelId), { granularity, months });
  }

  @Authorized<Role>('viewer')
  @Query(() => [GeoSegment], { description: "Per state: the model's customers, mean churn risk, revenue and RFM segments, at the state's centroid." })
  async geoSegments(@Ctx() ctx: GraphQLContext, @Arg('modelId', () => ID, { nullable: true, description: MODEL_ID_DOC }) modelId?: string | null): Promise<GeoSegment[]> {
    return geoSegments(ctx.db, await resolveModel(ctx.db, modelId));
  }
}
