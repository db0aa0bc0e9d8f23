import type { DataModel } from './db/data-source';
import { featureEntities } from './features';
import { modelEntities } from './models';
import { warehouseEntities } from './warehouse';
import { RateLimitRow } from './db/rate-limit.entity';
import { migrations } from '../migrations';

/**
 * Every TypeORM entity and migration, composed here for the entry points (server, CLI, tests, benchmarks) to
 * pass into the data source. A domain with new tables adds its entity list here.
 */
export const dataModel: DataModel = {
  entities: [...warehouseEntities, ...featureEntities, ...modelEntities, RateLimitRow],
  migrations,
};
