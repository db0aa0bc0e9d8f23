import { featureEntities } from '../features';
import { modelEntities } from '../models';
import { warehouseEntities } from '../warehouse';

/** Every TypeORM entity the data source knows. Domains add their entity lists here. */
export const entities = [...warehouseEntities, ...featureEntities, ...modelEntities];
