import type { DataSource } from 'typeorm';
import { notFound } from '../shared/errors';
import { ModelVersion } from './model-version.entity';
import { activateModelVersion } from './steps/persist.step';

export async function activeModel(ds: DataSource): Promise<ModelVersion | null> {
  return ds.getRepository(ModelVersion).findOneBy({ isActive: true });
}

export async function getModel(ds: DataSource, id: number): Promise<ModelVersion> {
  const m = await ds.getRepository(ModelVersion).findOneBy({ id });
  if (!m) throw notFound(`model version ${id} does not exist`, { id });
  return m;
}

export async function listModels(ds: DataSource, opts: { limit?: number; beforeId?: number } = {}): Promise<ModelVersion[]> {
  const qb = ds.getRepository(ModelVersion).createQueryBuilder('m').orderBy('m.id', 'DESC').limit(opts.limit ?? 50);
  if (opts.beforeId) qb.where('m.id < :id', { id: opts.beforeId });
  return qb.getMany();
}

/** Makes `id` the active model (a rollback when it is older). One transaction; the unique index keeps one active; every instance is told (see activateModelVersion). */
export async function activateModel(ds: DataSource, id: number): Promise<ModelVersion> {
  await getModel(ds, id);
  await ds.transaction((m) => activateModelVersion(m, id));
  return getModel(ds, id);
}
