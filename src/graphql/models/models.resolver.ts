import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { activateModelVersion, startRetrain } from '../../models/retrain.service';
import { clusterQualityFromMetrics, type StoredClusterMetrics } from '../analytics/cluster-quality.service';
import { ClusterQuality } from '../analytics/cluster-quality.type';
import type { Role } from '../../auth/roles';
import type { Connection } from '../common/connection';
import type { GraphQLContext } from '../context';
import { SegmentKind } from '../segments/segment-kind.enum';
import { compareModels } from './model-comparison.service';
import { ModelComparison } from './model-comparison.type';
import { ModelVersion, ModelVersionConnection } from './model-version.type';
import { ModelPageArgs } from './models.args';
import { activeModelVersion, listBacktests, listModelVersions, listTrainingRuns, modelVersionsByIds, trainingRunById } from './models.service';
import { parseIntId } from '../../models/model-ref';
import { RetrainInput } from './retrain.input';
import { Backtest, TrainingRun, TrainingRunConnection } from './training-run.type';

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @Authorized<Role>('viewer')
  @Query(() => ModelVersion, { nullable: true, description: 'The model that serves segments and classification; null before the first training.' })
  activeModel(@Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return activeModelVersion(ctx.db);
  }

  @Authorized<Role>('viewer')
  @Query(() => ModelVersionConnection, { description: 'Every model version, newest first.' })
  modelVersions(@Args() args: ModelPageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ModelVersion>> {
    return listModelVersions(ctx.db, args);
  }

  @Authorized<Role>('viewer')
  @Query(() => ModelVersion, { nullable: true, description: 'A model version by id; null when there is none.' })
  async modelVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    const [m] = await modelVersionsByIds(ctx.db, [parseIntId(id, 'id', 'model version')]);
    return m;
  }

  @Authorized<Role>('viewer')
  @Query(() => ModelComparison, { description: 'Two versions side by side: segment sizes of one kind and how many customers moved between segments.' })
  modelComparison(
    @Arg('from', () => ID, { description: 'The older (or reference) version.' }) from: string,
    @Arg('to', () => ID, { description: 'The version compared with it.' }) to: string,
    @Arg('kind', () => SegmentKind, { defaultValue: SegmentKind.CLUSTER }) kind: SegmentKind,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelComparison> {
    return compareModels(ctx.db, parseIntId(from, 'from', 'model version'), parseIntId(to, 'to', 'model version'), kind);
  }

  @FieldResolver(() => ClusterQuality, { description: 'Silhouette, inertia, the k search and stability against the previous model.' })
  quality(@Root() m: ModelVersion): ClusterQuality {
    return clusterQualityFromMetrics(Number(m.id), m.k, m.metrics as StoredClusterMetrics);
  }

  @Authorized<Role>('admin')
  @Mutation(() => ModelVersion, {
    description: 'Makes a model version the active one (e.g. a rollback to an older one). Backtest versions cannot be activated.',
  })
  activateModel(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    return activateModelVersion(ctx.db, parseIntId(id, 'id', 'model version')).then(async (m) => (await modelVersionsByIds(ctx.db, [m.id]))[0]!);
  }
}

@Resolver(() => TrainingRun)
export class TrainingRunResolver {
  @Authorized<Role>('viewer')
  @Query(() => TrainingRun, { nullable: true, description: 'A training run by id (poll it for progress); null when there is none.' })
  trainingRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun | null> {
    return trainingRunById(ctx.db, parseIntId(id, 'id', 'training run'));
  }

  @Authorized<Role>('viewer')
  @Query(() => TrainingRunConnection, { description: 'Training runs, newest first.' })
  trainingRuns(@Args() args: ModelPageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<TrainingRun>> {
    return listTrainingRuns(ctx.db, args);
  }

  @Authorized<Role>('viewer')
  @Query(() => [Backtest], { description: 'Stored backtests, newest first.' })
  backtests(@Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'How many, 1 to 500.' }) first: number, @Ctx() ctx: GraphQLContext): Promise<Backtest[]> {
    return listBacktests(ctx.db, first);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The version it produced (null unless it succeeded).' })
  async modelVersion(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return run.modelVersionId === null ? null : ctx.loaders.modelVersionById.load(Number(run.modelVersionId));
  }

  @Authorized<Role>('admin')
  @Mutation(() => TrainingRun, {
    description:
      'Queues the training of a new model version and returns its run at once (QUEUED); a training worker runs it. Poll trainingRun(id) for progress. ' +
      'The new version becomes active on every instance only when the run succeeds. One run at a time across all instances: CONFLICT naming the run ' +
      '(extensions.runningRunId) while one is queued or running.',
  })
  async retrain(@Arg('input', () => RetrainInput, { nullable: true }) input: RetrainInput | null, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    const run = await startRetrain(ctx.db, { algorithm: input?.algorithm, k: input?.k, singleDayCluster: input?.singleDayCluster, seed: input?.seed, asOf: input?.asOf, note: input?.note, requestedBy: ctx.principal.keyId });
    return (await trainingRunById(ctx.db, run.id))!;
  }
}
