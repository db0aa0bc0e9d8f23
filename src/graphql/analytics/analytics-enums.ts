import { registerEnumType } from 'type-graphql';

/** Time buckets of the time-series queries. Months are calendar months in UTC. */
export enum Granularity {
  MONTH = 'MONTH',
}
registerEnumType(Granularity, { name: 'Granularity', description: 'Time bucket of a series (calendar months, UTC).' });

/** How cohorts are split. */
export enum CohortBy {
  NONE = 'NONE',
  STATE = 'STATE',
}
registerEnumType(CohortBy, {
  name: 'CohortBy',
  valuesConfig: {
    NONE: { description: 'One cohort per first-purchase month.' },
    STATE: { description: "One cohort per first-purchase month and customer state (the customer's, else its zip prefix's)." },
  },
});
