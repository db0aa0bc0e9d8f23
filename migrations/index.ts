import { Warehouse1764000000000 } from './1764000000000-warehouse';
import { Features1764000000001 } from './1764000000001-features';
import { Models1764000000002 } from './1764000000002-models';
import { CustomerListIndexes1764000000010 } from './1764000000010-customer-list-indexes';
import { OrderFactTable1764000000011 } from './1764000000011-order-fact-table';
import { OrderFactCustomerFacts1764000000012 } from './1764000000012-order-fact-customer-facts';
import { ValueAtRisk1764000000020 } from './1764000000020-value-at-risk';
import { RateLimit1764000000040 } from './1764000000040-rate-limit';
import { BiAggregates1764000000060 } from './1764000000060-bi-aggregates';
import { TrainingOneInProgress1764000000070 } from './1764000000070-training-one-in-progress';
import { CustomerIdPrefixIndex1764000000080 } from './1764000000080-customer-id-prefix-index';
import { ModelVersionAlgorithm1764000000130 } from './1764000000130-model-version-algorithm';
import { BiCohortMembers1764000000140 } from './1764000000140-bi-cohort-members';
import { BiCohortActives1764000000150 } from './1764000000150-bi-cohort-actives';
import { BiLoadDeltas1764000000190 } from './1764000000190-bi-load-deltas';
import { NullFreeIndexes1764000000200 } from './1764000000200-null-free-indexes';
import { BiMemberFillfactor1764000000220 } from './1764000000220-bi-member-fillfactor';
import { OrdersTxlogSourceIndex1764000000230 } from './1764000000230-orders-txlog-source-index';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript and from dist/. */
export const migrations = [
  Warehouse1764000000000, Features1764000000001, Models1764000000002, CustomerListIndexes1764000000010, OrderFactTable1764000000011,
  OrderFactCustomerFacts1764000000012, ValueAtRisk1764000000020, RateLimit1764000000040, BiAggregates1764000000060,
  TrainingOneInProgress1764000000070, CustomerIdPrefixIndex1764000000080, ModelVersionAlgorithm1764000000130,
  BiCohortMembers1764000000140, BiCohortActives1764000000150, BiLoadDeltas1764000000190, NullFreeIndexes1764000000200,
  BiMemberFillfactor1764000000220, OrdersTxlogSourceIndex1764000000230,
];
