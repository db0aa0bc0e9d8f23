import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { redactUrl } from './database';

/**
 * Read replicas (DATABASE_READ_URL: one PostgreSQL streaming replica, or several separated by commas) serve
 * the read-only traffic: customers, segments, analytics, exports, the dashboard's queries. Writes, imports,
 * training and activation stay on the primary.
 *
 * A replica may lag. It must never show a model older than one a client was told about, so a replica serves
 * a read only when it has replayed the primary's WAL up to the last model change this instance knows of
 * (the watermark: the primary's WAL position read right after each activation notification, and at start),
 * and, when the request names model ids, only when it has those rows. Otherwise the read goes to the primary.
 * Replay positions only grow, so a cached position can only make the choice more careful, never wrong: each
 * replica's position is polled in the background (every `pollMs`) rather than asked per request.
 */
export interface ReplicaStatus {
  /** The replica's URL without its password. */
  url: string;
  up: boolean;
  /** WAL bytes the replica is behind the primary's current position (null when unknown). */
  lagBytes: number | null;
  /** Seconds since the last replayed transaction when it is behind, 0 when caught up (null when unknown). */
  lagSeconds: number | null;
  /** True when it has replayed the last model change this instance knows of (it may serve reads). */
  fresh: boolean;
  /** Reads this instance has sent there. */
  reads: number;
  error?: string;
}

interface Replica {
  url: string;
  ds: DataSource;
  replayLsn: bigint | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  reads: number;
  error?: string;
}

/** Parses a PostgreSQL LSN ("16/B374D848") into a number that orders like the WAL. */
export function parseLsn(lsn: string | null): bigint | null {
  if (!lsn) return null;
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** The URLs of DATABASE_READ_URL (comma-separated, blanks ignored). */
export function parseReadUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

export class ReadReplicas {
  private readonly replicas: Replica[];
  /** The primary's WAL position that a replica must have replayed to serve reads (null until known). */
  private watermark: bigint | null = null;
  /** Model changes heard of whose watermark is still being read: reads go to the primary meanwhile. */
  private pendingChanges = 0;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private primaryLsn: bigint | null = null;

  constructor(
    private readonly primary: DataSource,
    urls: string[],
    private readonly opts: { poolSize?: number; pollMs?: number } = {},
  ) {
    this.replicas = urls.map((url) => ({
      url,
      // The replica knows the same entities as the primary's data source.
      ds: createDataSource(url, { entities: primary.options.entities ?? [], migrations: primary.options.migrations ?? [] }, { poolSize: opts.poolSize ?? 10, applicationName: 'segmenta-read' }),
      replayLsn: null,
      lagBytes: null,
      lagSeconds: null,
      reads: 0,
    }));
  }

  /** Read requests this instance sent to the primary because no replica was fresh enough. */
  primaryReads = 0;

  get size(): number {
    return this.replicas.length;
  }

  /** Every replica's data source (the server instruments them like the primary's). */
  dataSources(): DataSource[] {
    return this.replicas.map((r) => r.ds);
  }

  /** Connects (a replica that is down is retried by the poll), sets the first watermark, starts polling. */
  async start(): Promise<void> {
    await this.noteModelChange();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 100);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.replicas.map((r) => (r.ds.isInitialized ? r.ds.destroy().catch(() => undefined) : undefined)));
  }

  /**
   * A model was activated (or trained and activated) somewhere: until the primary's position after it is
   * known, and a replica has replayed it, reads go to the primary. Call it on every activation notification.
   */
  async noteModelChange(): Promise<void> {
    this.pendingChanges++;
    try {
      const [{ lsn }] = (await this.primary.query(`SELECT pg_current_wal_flush_lsn()::text AS lsn`)) as { lsn: string }[];
      const at = parseLsn(lsn)!;
      if (this.watermark === null || at > this.watermark) this.watermark = at;
    } finally {
      this.pendingChanges--;
    }
  }

  /**
   * The data source for a read-only request that names model versions `modelIds` and training runs `runIds`
   * (either may be empty): a fresh replica that has those rows, or the primary.
   */
  async forRead(modelIds: readonly number[] = [], runIds: readonly number[] = []): Promise<DataSource> {
    const fresh = this.freshReplicas();
    const models = [...new Set(modelIds)];
    const runs = [...new Set(runIds)];
    for (let i = 0; i < fresh.length; i++) {
      const r = fresh[(this.next++ + i) % fresh.length];
      if (!models.length && !runs.length) {
        r.reads++;
        return r.ds;
      }
      try {
        const [{ n }] = (await r.ds.query(
          `SELECT (SELECT count(*) FROM model_version WHERE id = ANY($1::int[])) + (SELECT count(*) FROM training_run WHERE id = ANY($2::int[]))::int AS n`,
          [models, runs],
        )) as { n: number }[];
        if (Number(n) === models.length + runs.length) {
          r.reads++;
          return r.ds;
        }
        // Not replayed yet there (or no such model at all: the primary then answers NOT_FOUND itself).
        break;
      } catch {
        continue; // this replica failed just now: try the next, then the primary
      }
    }
    this.primaryReads++;
    return this.primary;
  }

  /** Each replica's lag and whether it may serve reads now (for /readyz). */
  status(): ReplicaStatus[] {
    const fresh = new Set(this.freshReplicas());
    return this.replicas.map((r) => ({
      url: redactUrl(r.url),
      up: r.ds.isInitialized && !r.error,
      lagBytes: this.lagOf(r),
      lagSeconds: r.lagSeconds,
      fresh: fresh.has(r),
      reads: r.reads,
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  /**
   * Bytes of WAL the replica has still to replay: from its last replayed position to the primary's, which is at
   * least where the last activation put it (the poll may have read the primary just before that committed).
   */
  private lagOf(r: Replica): number | null {
    if (r.lagBytes === null || r.replayLsn === null) return r.lagBytes;
    if (this.watermark === null || this.watermark <= r.replayLsn) return r.lagBytes;
    return Math.max(r.lagBytes, Number(this.watermark - r.replayLsn));
  }

  private freshReplicas(): Replica[] {
    if (this.pendingChanges > 0 || this.watermark === null) return [];
    const w = this.watermark;
    return this.replicas.filter((r) => r.ds.isInitialized && !r.error && r.replayLsn !== null && r.replayLsn >= w);
  }

  private polling = false;
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      try {
        const [{ lsn }] = (await this.primary.query(`SELECT pg_current_wal_flush_lsn()::text AS lsn`)) as { lsn: string }[];
        this.primaryLsn = parseLsn(lsn);
      } catch {
        this.primaryLsn = null;
      }
      await Promise.all(
        this.replicas.map(async (r) => {
          try {
            if (!r.ds.isInitialized) await r.ds.initialize();
            const [row] = (await r.ds.query(
              `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS lsn,
                      EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since`,
            )) as { standby: boolean; lsn: string | null; since: number | null }[];
            if (!row.standby) throw new Error('not a standby (pg_is_in_recovery() is false): it would not follow the primary');
            const replay = parseLsn(row.lsn);
            r.replayLsn = replay !== null && (r.replayLsn === null || replay > r.replayLsn) ? replay : r.replayLsn;
            // The primary is at least where the last activation put it, even when this poll read its position
            // just before that activation committed.
            const primary = this.primaryLsn !== null && this.watermark !== null && this.watermark > this.primaryLsn ? this.watermark : this.primaryLsn;
            r.lagBytes = primary !== null && replay !== null ? Math.max(0, Number(primary - replay)) : null;
            r.lagSeconds = r.lagBytes === 0 ? 0 : row.since;
            r.error = undefined;
          } catch (e) {
            r.error = e instanceof Error ? e.message : String(e);
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }
}
