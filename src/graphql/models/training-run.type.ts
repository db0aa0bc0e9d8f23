import { JSONResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection';

export enum TrainingStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(TrainingStatus, {
  name: 'TrainingStatus',
  description: 'QUEUED → RUNNING → SUCCEEDED (the new model is active) or FAILED (the active model is unchanged).',
});

@ObjectType({ description: 'Time one step of a training run took.' })
export class StepTiming {
  @Field()
  step: string;

  @Field(() => Float)
  ms: number;
}

@ObjectType({ description: 'One training of a model version: its state, progress and outcome.' })
export class TrainingRun {
  @Field(() => ID)
  id: string;

  @Field(() => TrainingStatus)
  status: TrainingStatus;

  @Field(() => Float, { description: 'Share of the run done, 0–1 (1 when it succeeded).' })
  progress: number;

  @Field(() => String, { nullable: true, description: 'Step in progress (features, clusters, assign, churn, classifier, persist), "done" at the end, or the step that failed.' })
  step: string | null;

  @Field(() => [StepTiming], { description: 'Steps finished so far, with their duration.' })
  stepTimings: StepTiming[];

  @Field(() => String, { nullable: true, description: 'Why it failed.' })
  error: string | null;

  @Field(() => JSONResolver, { description: 'What was asked for (k, seed, asOf, …).' })
  params: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Id of the API key (or the tool) that asked for it.' })
  requestedBy: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was started, as given to retrain(input: { note }); null when none was given.' })
  note: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  /** Resolved by a field resolver (DataLoader). */
  modelVersionId: string | null;
}

export const TrainingRunConnection = ConnectionType(TrainingRun, 'TrainingRun', { totalCount: true });

@ObjectType({ description: 'A stored backtest: models trained at a past cut-off, scored on what happened next.' })
export class Backtest {
  @Field(() => ID)
  id: string;

  @Field({ description: 'running, succeeded or failed.' })
  status: string;

  @Field(() => Date)
  cutoff: Date;

  @Field(() => Int)
  horizonDays: number;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field(() => JSONResolver, { nullable: true })
  results: Record<string, unknown> | null;
}
