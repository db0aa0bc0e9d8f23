import { Warehouse1764000000000 } from './1764000000000-warehouse';
import { Features1764000000001 } from './1764000000001-features';
import { Models1764000000002 } from './1764000000002-models';
import { CustomerListIndexes1764000000010 } from './1764000000010-customer-list-indexes';
import { OrderFactTable1764000000011 } from './1764000000011-order-fact-table';
import { OrderFactCustomerFacts1764000000012 } from './1764000000012-order-fact-customer-facts';
import { ValueAtRisk1764000000020 } from './1764000000020-value-at-risk';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript and from dist/. */
export const migrations = [
  Warehouse1764000000000, Features1764000000001, Models1764000000002, CustomerListIndexes1764000000010, OrderFactTable1764000000011,
  OrderFactCustomerFacts1764000000012, ValueAtRisk1764000000020,
];
