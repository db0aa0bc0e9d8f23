import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { forgetActiveModel, setActiveModelPushed, warmActiveModel } from './serving/classify.service';

/**
 * Which model is active travels to every instance by PostgreSQL LISTEN/NOTIFY: the transaction that
 * switches the active model (activateModel, a finished retrain) sends a notification on this channel, which
 * PostgreSQL delivers to every listening session when, and only if, it commits. Each instance keeps one
 * listening connection; on a notification it forgets its cached active model and loads the new one.
 */
export const ACTIVATION_CHANNEL = 'segmenta_model_activated';

/** Sends the activation of `modelId`; call it inside the transaction that activates. */
export async function notifyActivation(q: { query(sql: string, args?: unknown[]): Promise<unknown> }, modelId: number): Promise<void> {
  await q.query(`SELECT pg_notify($1, $2)`, [ACTIVATION_CHANNEL, String(modelId)]);
}

export interface ActivationListener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Listens for activations on a dedicated connection to `url` and switches `ds`'s cached active model on each.
 * While the connection is down the cache falls back to re-reading the active model every second, and a
 * reconnect forgets it (a notification may have been missed meanwhile).
 */
export function startActivationListener(
  ds: DataSource,
  url: string,
  opts: { onActivated?: (modelId: number | null) => void; log?: (m: string) => void; retryMs?: number } = {},
): ActivationListener {
  const log = opts.log ?? (() => undefined);
  let stopped = false;
  let client: Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((res) => (markReady = res));

  const switchTo = (modelId: number | null) => {
    forgetActiveModel(ds);
    void warmActiveModel(ds).catch(() => undefined); // a cold cache only costs the next request time
    opts.onActivated?.(modelId);
  };

  const connect = async () => {
    if (stopped) return;
    const c = new Client({ connectionString: url, application_name: 'segmenta-activation' });
    c.on('notification', (msg) => {
      if (msg.channel !== ACTIVATION_CHANNEL) return;
      const id = Number(msg.payload);
      switchTo(Number.isInteger(id) ? id : null);
    });
    let lost = false;
    const retry = (e: unknown) => {
      if (lost) return; // 'error', 'end' and a failed connect may all report the same loss
      lost = true;
      setActiveModelPushed(ds, false);
      if (client === c) client = null;
      c.end().catch(() => undefined);
      if (stopped) return;
      log(`activation listener lost its connection (${e instanceof Error ? e.message : String(e)}); reconnecting`);
      timer = setTimeout(() => void connect(), opts.retryMs ?? 1000);
      timer.unref();
    };
    c.on('error', retry);
    c.on('end', () => retry(new Error('connection ended')));
    try {
      await c.connect();
      await c.query(`LISTEN ${ACTIVATION_CHANNEL}`);
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      setActiveModelPushed(ds, true);
      switchTo(null); // anything activated while we were not listening
      markReady();
    } catch (e) {
      retry(e);
    }
  };
  void connect();

  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      setActiveModelPushed(ds, false);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
