import type { DataSource } from 'typeorm';
import { pendingMigrations } from '../db/data-source';
import { isDomainError } from '../shared/errors';

export interface CheckOutcome {
  ok: boolean;
  detail?: string;
}

/**
 * A readiness check: resolve `true`/nothing when ready, `false` or `{ ok: false, detail }` when not. A
 * thrown DomainError's message becomes the detail; other errors are logged and reported generically.
 */
export type ReadinessCheck = (ds: DataSource) => Promise<CheckOutcome | boolean | void> | CheckOutcome | boolean | void;

export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, CheckOutcome & { ms: number }>;
}

const checks = new Map<string, ReadinessCheck>();

/** Adds a check to /readyz (e.g. "activeModel"). Returns a function that removes it. */
export function registerReadinessCheck(name: string, fn: ReadinessCheck): () => void {
  if (checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
  checks.set(name, fn);
  return () => {
    if (checks.get(name) === fn) checks.delete(name);
  };
}

registerReadinessCheck('database', async (ds) => {
  await ds.query('SELECT 1');
});

registerReadinessCheck('migrations', async (ds) => {
  const pending = await pendingMigrations(ds);
  return pending.length === 0 ? true : { ok: false, detail: `${pending.length} pending: ${pending.join(', ')} (run segmenta migrate)` };
});

function timeout(ms: number): Promise<CheckOutcome> {
  return new Promise((resolve) => setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms).unref());
}

/** Runs every check concurrently, each bounded by `timeoutMs`. */
export async function checkReadiness(ds: DataSource, opts: { timeoutMs?: number; log?: (e: unknown, name: string) => void } = {}): Promise<ReadinessReport> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const entries = await Promise.all(
    [...checks].map(async ([name, fn]) => {
      const t0 = performance.now();
      const run = (async (): Promise<CheckOutcome> => {
        try {
          const r = await fn(ds);
          if (r === undefined || r === true) return { ok: true };
          if (r === false) return { ok: false };
          return r;
        } catch (e) {
          if (isDomainError(e)) return { ok: false, detail: e.message };
          opts.log?.(e, name);
          return { ok: false, detail: 'check failed (see the server log)' };
        }
      })();
      const outcome = await Promise.race([run, timeout(timeoutMs)]);
      return [name, { ...outcome, ms: Math.round(performance.now() - t0) }] as const;
    }),
  );
  const result = Object.fromEntries(entries);
  return { status: entries.every(([, c]) => c.ok) ? 'ready' : 'not ready', checks: result };
}
