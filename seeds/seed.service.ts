import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { SERVER_APPLICATION_NAME, withTransaction } from '../src/db/data-source';
import { noProgress, type ProgressFn } from '../src/shared/progress';
import { rebuildOrderFacts } from '../src/warehouse/order-fact.service';
import { LATENT_TYPES, MIX_NAMES, type LatentType, type MixName } from './behaviour';
import { deferIndexesAndKeys, type DeferredSchema } from '../src/db/bulk-load';
import { DAY } from './calendar';
import { TableBuffer } from './copy-text';
import { CUSTOMER_TABLES, SEED_COLUMNS, SEED_TABLES, WarehouseGenerator, type RowSink, type SeedTable } from './generator';

/** Olist's data runs 2016-09 … 2018-10; by default the warehouse is the store as seen on 2018-09-01. */
export const DEFAULT_AS_OF = new Date(Date.UTC(2018, 8, 1));
export const DEFAULT_HORIZON_DAYS = 90;
export const DEFAULT_CHUNK_SIZE = 10_000;
export const MAX_CUSTOMERS = 5_000_000;

/** Every warehouse table: checked for emptiness, truncated by `replace`. */
export const WAREHOUSE_TABLES = [
  'customer', 'customer_account', 'geolocation', 'seller', 'product_category', 'product', 'orders', 'order_item', 'order_payment',
  'order_review', 'transaction_line', 'seed_truth', 'order_fact',
] as const;

export interface SeedOptions {
  customers: number;
  seed: number;
  /** The warehouse holds facts up to (not including) this UTC midnight. Default 2018-09-01. */
  asOf?: Date;
  /** Days after as-of over which `seed_truth.churned_after_as_of` is decided. Default 90. */
  horizonDays?: number;
  /** Truncate the warehouse first (same transaction) instead of refusing a non-empty one. */
  replace?: boolean;
  onProgress?: ProgressFn;
  /** Also write the ground truth as CSV (customer_unique_id,latent_type,churned_after_as_of), only on success. */
  truthOut?: string;
  /** Customers generated and written per round of COPY statements (memory vs. round trips). Default 10,000. */
  chunkSize?: number;
  /** Mix of latent customer types (seeds/behaviour.ts). Default 'demo'. */
  mix?: MixName;
}

export interface LatentTypeShare {
  type: LatentType;
  customers: number;
  share: number;
  /** Share of the type's customers with no purchase in the horizon after as-of. */
  churned: number;
  /** Mean orders per customer up to as-of. */
  ordersPerCustomer: number;
}

export interface SeedReport {
  customers: number;
  seed: number;
  asOf: string;
  horizonDays: number;
  mix: MixName;
  rows: Record<SeedTable, number>;
  latentTypes: LatentTypeShare[];
  /** Share of customers with exactly one order up to as-of. */
  oneTimeShare: number;
  /** Indexes and key constraints dropped for the load and rebuilt after it (0: rows were checked one by one). */
  deferredObjects: number;
  truthOut?: string;
  elapsedMs: number;
}

export class SeedError extends Error {}

/** Checks the options up front, naming the offending one. */
export function validateSeedOptions(opts: SeedOptions): Required<Pick<SeedOptions, 'customers' | 'seed' | 'asOf' | 'horizonDays' | 'chunkSize' | 'mix'>> {
  const { customers, seed } = opts;
  if (!Number.isInteger(customers) || customers < 1 || customers > MAX_CUSTOMERS) {
    throw new SeedError(`customers must be an integer between 1 and ${MAX_CUSTOMERS} (got ${customers})`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new SeedError(`seed must be a non-negative integer (got ${seed})`);
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw new SeedError(`asOf must be a valid date (got ${String(asOf)})`);
  if (asOf.getTime() % (DAY * 1000) !== 0) throw new SeedError(`asOf must be a date at UTC midnight, like 2018-09-01 (got ${asOf.toISOString()})`);
  if (asOf.getUTCFullYear() < 1990 || asOf.getUTCFullYear() > 2200) throw new SeedError(`asOf must be between 1990 and 2200 (got ${asOf.toISOString().slice(0, 10)})`);
  const horizonDays = opts.horizonDays ?? DEFAULT_HORIZON_DAYS;
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 730) throw new SeedError(`horizonDays must be an integer between 1 and 730 (got ${horizonDays})`);
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new SeedError(`chunkSize must be a positive integer (got ${chunkSize})`);
  const mix = opts.mix ?? 'demo';
  if (!MIX_NAMES.includes(mix)) throw new SeedError(`mix must be one of ${MIX_NAMES.join(', ')} (got "${String(mix)}")`);
  return { customers, seed, asOf, horizonDays, chunkSize, mix };
}

/**
 * Writes a deterministic Olist-shaped warehouse of `customers` people into an empty warehouse (or, with
 * `replace`, after truncating it), in one transaction: all of it lands or none. Rows are generated customer by
 * customer and streamed through COPY in chunks, so memory stays flat however many customers are asked for.
 */
export async function seedWarehouse(ds: DataSource, opts: SeedOptions): Promise<SeedReport> {
  const started = process.hrtime.bigint();
  const { customers, seed, asOf, horizonDays, chunkSize, mix } = validateSeedOptions(opts);
  const progress = opts.onProgress ?? noProgress;
  const gen = new WarehouseGenerator({ customers, seed, asOf: asOf.getTime() / 1000, horizonDays, mix });
  const rows = Object.fromEntries(SEED_TABLES.map((t) => [t, 0])) as Record<SeedTable, number>;
  const perType = new Map<LatentType, { customers: number; churned: number; orders: number }>(LATENT_TYPES.map((t) => [t, { customers: 0, churned: 0, orders: 0 }]));
  let oneTime = 0;
  let deferredObjects = 0;

  const truth = opts.truthOut ? await openTruthFile(opts.truthOut) : undefined;
  try {
    await withTransaction(ds, async (client) => {
      await prepareWarehouse(client, Boolean(opts.replace));
      const deferred = await deferSchema(client);
      deferredObjects = deferred?.count ?? 0;

      const catalog = buffers();
      gen.writeCatalog(catalog);
      await copyTables(client, catalog, ['product_category', 'seller', 'product'], rows);

      progress({ step: 'seeding customers', done: 0, total: customers });
      // Generation of chunk k+1 overlaps with the server ingesting chunk k.
      let pending: Promise<void> | undefined;
      try {
        for (let start = 0; start < customers; start += chunkSize) {
          const end = Math.min(customers, start + chunkSize);
          const buf = buffers();
          let csv = '';
          for (let i = start; i < end; i++) {
            const o = gen.writeCustomer(i, buf);
            const s = perType.get(o.type)!;
            s.customers++;
            s.churned += o.churned ? 1 : 0;
            s.orders += o.orders;
            if (o.orders === 1) oneTime++;
            if (truth) csv += `${o.uniqueId},${o.type},${o.churned}\n`;
            if ((i - start) % 1000 === 999) await yieldToIo();
          }
          if (pending) {
            await pending;
            progress({ step: 'seeding customers', done: start, total: customers });
          }
          if (truth) await truth.write(csv);
          pending = copyTables(client, buf, CUSTOMER_TABLES, rows);
          pending.catch(() => undefined); // awaited below; this only keeps it from being reported unhandled meanwhile
        }
        await pending;
        pending = undefined;
      } finally {
        // On failure, let an in-flight COPY settle before the transaction is rolled back.
        if (pending) await pending.catch(() => undefined);
      }
      progress({ step: 'seeding customers', done: customers, total: customers });

      const geo = buffers();
      gen.writeGeolocation(geo);
      await copyTables(client, geo, ['geolocation'], rows);
      progress({ step: 'summing orders', done: 0, total: 1 });
      await rebuildOrderFacts(client);
      progress({ step: 'summing orders', done: 1, total: 1 });
      if (deferred) {
        progress({ step: 'building indexes and keys', done: 0, total: deferred.count });
        await deferred.restore();
        progress({ step: 'building indexes and keys', done: deferred.count, total: deferred.count });
      }
      await client.query(`SELECT setval(pg_get_serial_sequence('customer', 'id'), $1)`, [customers]);
    });
  } catch (e) {
    await truth?.discard();
    throw e;
  }
  await truth?.commit();
  // Fresh statistics, so the first queries over the new data get sensible plans.
  await ds.query(`ANALYZE ${WAREHOUSE_TABLES.join(', ')}`);

  return {
    customers,
    seed,
    asOf: asOf.toISOString().slice(0, 10),
    horizonDays,
    mix,
    rows,
    latentTypes: LATENT_TYPES.map((type) => {
      const s = perType.get(type)!;
      return {
        type,
        customers: s.customers,
        share: s.customers / customers,
        churned: s.customers ? s.churned / s.customers : 0,
        ordersPerCustomer: s.customers ? s.orders / s.customers : 0,
      };
    }),
    oneTimeShare: oneTime / customers,
    deferredObjects,
    truthOut: opts.truthOut,
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
  };
}

function buffers(): RowSink & Record<SeedTable, TableBuffer> {
  return Object.fromEntries(SEED_TABLES.map((t) => [t, new TableBuffer()])) as RowSink & Record<SeedTable, TableBuffer>;
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Refuses a non-empty warehouse, or empties it when replacing. Locks out concurrent writers until commit. */
async function prepareWarehouse(client: PoolClient, replace: boolean): Promise<void> {
  const list = WAREHOUSE_TABLES.join(', ');
  if (replace) {
    // TRUNCATE holds an exclusive lock until the whole seed commits: a serving process's readers would stall
    // for all of it. So --replace runs only while no service is connected.
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [SERVER_APPLICATION_NAME]);
    if (rows[0].n > 0) {
      throw new SeedError(`a segmenta service is connected to this database (${rows[0].n} connection(s) named ${SERVER_APPLICATION_NAME}): stop it before seed --replace, whose truncate would block its readers until the seed ends`);
    }
    // CASCADE: tables derived from the warehouse (scores, memberships…) describe the old customers.
    await client.query(`TRUNCATE ${list} RESTART IDENTITY CASCADE`);
    return;
  }
  await client.query(`LOCK TABLE ${list} IN EXCLUSIVE MODE`);
  const [flags] = (await client.query(`SELECT ${WAREHOUSE_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t}) AS ${t}`).join(', ')}`)).rows as Record<string, boolean>[];
  const filled = WAREHOUSE_TABLES.filter((t) => flags[t]);
  if (filled.length) {
    throw new SeedError(`the warehouse is not empty (rows in ${filled.join(', ')}); use --replace (replace: true) to truncate it and seed anew`);
  }
}

/** Tables the seed writes: their indexes and keys are rebuilt after the load rather than maintained row by row. */
const SEEDED_TABLES = WAREHOUSE_TABLES.filter((t) => t !== 'transaction_line');

/**
 * Drops the seeded tables' indexes and keys for the load (see bulk-load.ts). Should the schema have gained an
 * object that prevents it (say, a view relying on a primary key), the load still works, only slower.
 */
async function deferSchema(client: PoolClient): Promise<DeferredSchema | undefined> {
  // Index builds sort in memory when they can; local to this transaction.
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  await client.query('SAVEPOINT seed_defer_schema');
  try {
    const deferred = await deferIndexesAndKeys(client, SEEDED_TABLES);
    await client.query('RELEASE SAVEPOINT seed_defer_schema');
    return deferred;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT seed_defer_schema');
    return undefined;
  }
}

/** COPYs each table's buffered rows, one table after the other (one connection runs one COPY at a time). */
async function copyTables(client: PoolClient, buf: Record<SeedTable, TableBuffer>, tables: readonly SeedTable[], rows: Record<SeedTable, number>): Promise<void> {
  for (const t of tables) {
    const n = buf[t].rows;
    const pieces = buf[t].take();
    if (!n) continue;
    const stream = client.query(copyFrom(`COPY ${t} (${SEED_COLUMNS[t].join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(pieces), stream);
    rows[t] += n;
  }
}

interface TruthFile {
  write(text: string): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** The truth CSV goes to a temporary file beside the target, renamed into place only once the seed committed. */
async function openTruthFile(target: string): Promise<TruthFile> {
  const abs = path.resolve(target);
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir)) throw new SeedError(`truthOut: directory ${dir} does not exist`);
  const tmp = `${abs}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp);
  await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', (e) => reject(new SeedError(`truthOut: cannot write ${tmp}: ${e.message}`))));
  let failed: Error | undefined;
  out.on('error', (e) => (failed = e));
  const close = () => new Promise<void>((resolve) => out.end(() => resolve()));
  const write = async (text: string) => {
    if (failed) throw failed;
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('customer_unique_id,latent_type,churned_after_as_of\n');
  return {
    write,
    async commit() {
      await close();
      if (failed) throw failed;
      await fs.promises.rename(tmp, abs);
    },
    async discard() {
      await close();
      await fs.promises.rm(tmp, { force: true });
    },
  };
}
