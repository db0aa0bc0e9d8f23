import type { DataSource } from 'typeorm';

/**
 * /readyz reports "not ready" until a model is active: the API answers, but segments, customers' clusters
 * and classification need one. The server lists it with its readiness checks (src/server.ts).
 */
export async function activeModelCheck(ds: Pick<DataSource, 'query'>): Promise<{ ok: boolean; detail: string }> {
  const [row] = (await ds.query(`SELECT id FROM model_version WHERE is_active`)) as { id: number }[];
  return row ? { ok: true, detail: `model ${row.id}` } : { ok: false, detail: 'no model is active: train one (segmenta train, or the retrain mutation)' };
}
