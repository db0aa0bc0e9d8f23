import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { LoaderFactories } from '../context';
import type { ModelVersion } from './model-version.type';
import { modelVersionsByIds } from './models.service';

declare module '../context' {
  interface Loaders {
    modelVersionById: DataLoader<number, ModelVersion | null>;
  }
}

/** The models domain's DataLoaders, listed in src/graphql/loaders.ts. */
export const modelLoaders = {
  /** Model versions by id, one statement per batch (TrainingRun.modelVersion over a page of runs). */
  modelVersionById: (ds: DataSource) => new DataLoader<number, ModelVersion | null>((ids) => modelVersionsByIds(ds, ids)),
} satisfies LoaderFactories;
