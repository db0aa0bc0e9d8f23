import { Field, Float, Int, ObjectType } from 'type-graphql';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'Retention of a cohort in one month after its first.' })
export class CohortCell {
  @Field(() => Int, { description: 'Months since the cohort month (0 = the cohort month itself).' })
  periodOffset: number;

  @Field(() => NonNegativeInt, { description: 'Cohort members with at least one purchase in that month.' })
  active: number;

  @Field(() => Float, { description: 'active / size.' })
  share: number;
}

@ObjectType({ description: 'Customers whose first purchase fell in the same month (and state, when split by state).' })
export class Cohort {
  @Field({ description: 'First-purchase month, "YYYY-MM" (UTC).' })
  cohort: string;

  @Field(() => String, { nullable: true, description: 'The state when split by STATE (null when its state is unknown); null when not split.' })
  group: string | null;

  @Field(() => NonNegativeInt)
  size: number;

  @Field(() => [CohortCell], { description: 'Every month from the cohort month to the last month with purchases, zeros included.' })
  cells: CohortCell[];

  @Field(() => [NonNegativeInt], {
    description:
      'The same cells compact: the active members by months since the cohort month (actives[k] = cells[k].active; share = actives[k] / size). ' +
      'A tenth of the bytes of `cells` for a client that takes every state at once.',
  })
  actives: number[];
}

@ObjectType({ description: 'A state with cohorts in the window: what a state picker lists before asking for one state\'s cohorts.' })
export class CohortState {
  @Field(() => String, { nullable: true, description: 'The state, upper-cased as cohortRetention(by: STATE) groups it; null for the customers whose state is unknown.' })
  state: string | null;

  @Field(() => NonNegativeInt, { description: 'Its cohorts in the window (months with a first purchase).' })
  cohorts: number;

  @Field(() => NonNegativeInt, { description: 'Its customers whose first purchase falls in the window: the sum of its cohorts\' sizes.' })
  customers: number;
}
