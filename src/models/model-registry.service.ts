import type { DataSource } from 'typeorm';
import { notFound } from '../shared/errors';
import { notifyActivation } from './activation-bus';
import { ModelVersion } from './model-version.entity';

export async function activeModel(ds: DataSource): Promise<ModelVersion | null> {
  return ds.getRepository(ModelVersion).findOneBy({ isActive: true });
}

export async function getModel(ds: DataSource, id: number): Promise<ModelVersion> {
  const m = await ds.getRepository(ModelVersion).findOneBy({ id });
  if (!m) throw notFound(`model version ${id} does not exist`, { id });
  return m;
}

/** Model id to read when a caller names none: the active one. */
export async function resolveModelId(ds: DataSource, id?: number | null): Promise<number> {
  if (id !== undefined && id !== null) return (await getModel(ds, id)).id;
  const active = await activeModel(ds);
  if (!active) throw notFound('there is no active model yet: train one first (segmenta train, or the retrain mutation)');
  return active.id;
}

export async function listModels(ds: DataSource, opts: { limit?: number; beforeId?: number } = {}): Promise<ModelVersion[]> {
  const qb = ds.getRepository(ModelVersion).createQueryBuilder('m').orderBy('m.id', 'DESC').limit(opts.limit ?? 50);
  if (opts.beforeId) qb.where('m.id < :id', { id: opts.beforeId });
  return qb.getMany();
}

/** Makes `id` the active model (a rollback when it is older). One transaction; the unique index keeps one active; every instance is told. */
export async function activateModel(ds: DataSource, id: number): Promise<ModelVersion> {
  await getModel(ds, id);
  await ds.transaction(async (m) => {
    await m.query(`UPDATE model_version SET is_active = false WHERE is_active AND id <> $1`, [id]);
    await m.query(`UPDATE model_version SET is_active = true, activated_at = now() WHERE id = $1 AND NOT is_active`, [id]);
    await notifyActivation(m, id); // every instance switches when this commits
  });
  return getModel(ds, id);
}
