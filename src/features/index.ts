import { CustomerFeatures } from './customer-features.entity';
import { FeatureSnapshot } from './feature-snapshot.entity';
import { StateCentroid } from './state-centroid.entity';

export { CustomerFeatures, FeatureSnapshot, StateCentroid };
export const featureEntities = [CustomerFeatures, FeatureSnapshot, StateCentroid];
