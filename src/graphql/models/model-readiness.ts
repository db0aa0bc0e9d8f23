import { registerReadinessCheck } from '../../http/readiness';

/**
 * /readyz reports "not ready" until a model is active: the API answers, but segments, customers' clusters
 * and classification need one. Registered on import (the models resolver imports this file), so every
 * server built from the resolver list has it.
 */
registerReadinessCheck('activeModel', async (ds) => {
  const [row] = (await ds.query(`SELECT id FROM model_version WHERE is_active`)) as { id: number }[];
  return row ? { ok: true, detail: `model ${row.id}` } : { ok: false, detail: 'no model is active: train one (segmenta train, or the retrain mutation)' };
});
