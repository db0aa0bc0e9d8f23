import type { NonEmptyArray } from 'type-graphql';
import { WarehouseResolver } from './warehouse/warehouse.resolver';
import { AnalyticsResolver } from './analytics/analytics.resolver';
import { SegmentsResolver } from './segments/segments.resolver';
import { CustomerResolver, OrderResolver } from './customers/customer.resolver';
import { ClassifyResolver } from './classify/classify.resolver';
import { ModelVersionResolver, TrainingRunResolver } from './models/models.resolver';

/**
 * Every resolver class of the API. A domain adds its resolver here (one import, one entry); the schema is
 * built from this list, so a resolver that is not listed is not served.
 */
export const resolvers: NonEmptyArray<Function> = [WarehouseResolver, AnalyticsResolver, SegmentsResolver, CustomerResolver, OrderResolver, ModelVersionResolver, TrainingRunResolver, ClassifyResolver];
