import { registerEnumType } from 'type-graphql';

/** RFM churn tier of a customer (from recency and frequency scores). */
export enum ChurnTier {
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}
registerEnumType(ChurnTier, { name: 'ChurnTier', description: 'RFM churn tier: HIGH = lapsing, LOW = active.' });

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

/** What a list of customers can be ordered by. Unknown values (no churn model, no order value) sort lowest. */
export enum CustomerOrderField {
  RECENCY = 'RECENCY',
  FREQUENCY = 'FREQUENCY',
  MONETARY = 'MONETARY',
  CHURN_PROBABILITY = 'CHURN_PROBABILITY',
  CLV = 'CLV',
  PRIORITY = 'PRIORITY',
}
registerEnumType(CustomerOrderField, {
  name: 'CustomerOrderField',
  valuesConfig: {
    RECENCY: { description: 'features.recencyDays (ASC = most recent buyers first)' },
    FREQUENCY: { description: 'features.frequency' },
    MONETARY: { description: 'features.monetary' },
    CHURN_PROBABILITY: { description: 'churn.churnProbability' },
    CLV: { description: 'churn.clv' },
    PRIORITY: { description: 'priorityScore (churn risk × value)' },
  },
});
