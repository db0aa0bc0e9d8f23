import { featureEntities } from '../features';
import { modelEntities } from '../models';
import { warehouseEntities } from '../warehouse';
import { RateLimitRow } from './rate-limit.entity';

/** Every TypeORM entity the data source knows. Domains add their entity lists here. */
export const entities = [...warehouseEntities, ...featureEntities, ...modelEntities, RateLimitRow];
