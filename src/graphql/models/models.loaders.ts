import DataLoader from 'dataloader';
import { registerLoaders } from '../context';
import type { ModelVersion } from './model-version.type';
import { modelVersionsByIds } from './models.service';

declare module '../context' {
  interface Loaders {
    modelVersionById: DataLoader<number, ModelVersion | null>;
  }
}

/** Model versions by id, one statement per batch (TrainingRun.modelVersion over a page of runs). */
registerLoaders('modelVersionById', (ds) => new DataLoader<number, ModelVersion | null>((ids) => modelVersionsByIds(ds, ids)));
