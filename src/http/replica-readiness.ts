import type { DataSource } from 'typeorm';
import type { ReadReplicas } from '../db/replicas';
import { registerReadinessCheck } from './readiness';

/**
 * /readyz "replicas": each read replica's lag (WAL bytes behind the primary, seconds since its last replayed
 * transaction) and whether it serves reads now. A lagging or unreachable replica does not make the instance
 * unready: its reads go to the primary.
 */
const byPrimary = new WeakMap<DataSource, ReadReplicas>();

export function attachReplicas(primary: DataSource, replicas: ReadReplicas): void {
  byPrimary.set(primary, replicas);
}

registerReadinessCheck('replicas', (ds) => {
  const replicas = byPrimary.get(ds);
  if (!replicas || replicas.size === 0) return { ok: true, detail: 'none configured (DATABASE_READ_URL is unset): reads go to the primary' };
  const status = replicas.status();
  const detail = status
    .map((r) => `${r.url}: ${r.up ? `${r.lagBytes ?? '?'} bytes, ${r.lagSeconds === null ? '?' : r.lagSeconds.toFixed(3)} s behind${r.fresh ? '' : ' (not serving: behind the last model change)'}` : `down (${r.error ?? 'not connected'})`}`)
    .join('; ');
  return { ok: true, detail, replicas: status } as { ok: boolean; detail: string };
});
