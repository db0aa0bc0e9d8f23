import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { withClient, withTransaction } from '../src/db/data-source';
import { deferIndexesAndKeys } from '../src/db/bulk-load';
import { importTransactions, type TransactionMapping } from '../src/ingest/transactions.service';
import type { ImportReport } from '../src/ingest/import-report';
import type { ForeignKeyMode } from '../src/ingest/foreign-keys';
import { median, peakRssMiB, timeRuns, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * Imports a generated 1M-line transaction log (customer,date,amount,invoice) with importTransactions and
 * compares it with a plain COPY of the same file into an unindexed temp table, in the same run on the same
 * server. Goal: import ≤ 8× the COPY. Each import starts from an empty warehouse. Besides wall time, the CPU
 * time of the database's server processes and of this process is reported: on a shared machine it is the
 * steadier measure of the work done.
 *
 * The import's method: PostgreSQL's CSV reader (COPY) stages the file into a temporary table, read through
 * a view that trims and numbers the lines (the data is written once); lines are typed, validated and rejected
 * set-based in SQL with their line numbers, and customers, orders, lines and order facts are written with
 * INSERT … SELECT; a first import's order facts come from the line sums taken with its orders, not from
 * transaction_line read back; a first import this large loads without indexes and keys and rebuilds them after.
 */

/** 1M lines by default; BENCH_INGEST_LINES runs a smaller smoke test, which does not rewrite RESULTS.md. */
const LINES = Number(process.env.BENCH_INGEST_LINES ?? 1_000_000);
const FULL = LINES === 1_000_000;
const CUSTOMERS = Math.max(1, Math.round(LINES / 20));
const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 3);
/** Foreign-key and index mode of the timed imports (auto by default; a smoke test below 50k orders may ask for bulk). */
const MODE = (process.env.BENCH_INGEST_FK ?? 'auto') as ForeignKeyMode;
const MAPPING: TransactionMapping = { customerCol: 'customer', dateCol: 'date', amountCol: 'amount', orderCol: 'invoice', source: 'bench' };

/** Deterministic log: invoices of 1–7 lines, 50k customers, two years of dates, a few returns. */
export async function generate(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let s = 20_240_601;
  const rnd = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const out = fs.createWriteStream(file);
  let buf = 'customer,date,amount,invoice\n';
  let n = 0;
  let invoice = 0;
  const day0 = Date.UTC(2022, 0, 1);
  while (n < LINES) {
    invoice++;
    const customer = 1 + Math.floor(rnd() * CUSTOMERS);
    const date = new Date(day0 + Math.floor(rnd() * 730) * 86_400_000).toISOString().slice(0, 10);
    const lines = 1 + Math.floor(rnd() * 7);
    for (let j = 0; j < lines && n < LINES; j++, n++) {
      const amount = (rnd() < 0.02 ? -1 : 1) * (1 + rnd() * 99);
      buf += `${customer},${date},${amount.toFixed(2)},INV${invoice}\n`;
      if (buf.length > 1 << 16) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/**
 * CPU time (ms) used so far by each server process serving `dbName` (Linux /proc; empty elsewhere). Wall
 * times on a shared machine swing with its load; CPU time says what the work itself costs.
 */
function backendCpu(dbName: string): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${dbName} `)) continue;
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(Number(pid), (Number(f[11]) + Number(f[12])) * 10); // utime + stime, 100 ticks/s
    } catch {
      /* process ended */
    }
  }
  return out;
}

/** Wall time, server CPU (this database's backends) and this process's CPU of `fn`, in ms. */
async function measure(dbName: string, fn: () => Promise<unknown>): Promise<{ wall: number; pg: number; node: number }> {
  const pg0 = backendCpu(dbName);
  const cpu0 = process.cpuUsage();
  const [wall] = await timeRuns(1, fn);
  const cpu = process.cpuUsage(cpu0);
  let pg = 0;
  for (const [pid, ms] of backendCpu(dbName)) pg += ms - (pg0.get(pid) ?? 0);
  return { wall, pg, node: (cpu.user + cpu.system) / 1000 };
}

async function plainCopy(ds: DataSource, file: string): Promise<void> {
  await withTransaction(ds, async (client) => {
    await client.query(`CREATE TEMP TABLE plain_copy (customer text, date date, amount numeric(14, 2), invoice text) ON COMMIT DROP`);
    await pipeline(fs.createReadStream(file), client.query(copyFrom(`COPY plain_copy FROM STDIN (FORMAT csv, HEADER true)`)));
  });
}

/**
 * The floor of any import that stores lines under a key: the same COPY into a table with one b-tree index on
 * the invoice (text) column, the least a keyed line table maintains (transaction_line's key is (order_id, line_no)).
 */
async function keyedCopy(ds: DataSource, file: string): Promise<void> {
  await withTransaction(ds, async (client) => {
    await client.query(`CREATE TEMP TABLE keyed_copy (customer text, date date, amount numeric(14, 2), invoice text) ON COMMIT DROP`);
    await client.query(`CREATE INDEX ON keyed_copy (invoice)`);
    await pipeline(fs.createReadStream(file), client.query(copyFrom(`COPY keyed_copy FROM STDIN (FORMAT csv, HEADER true)`)));
  });
}

/**
 * The floor of any import that keeps this schema: the same file staged by COPY (text columns, a temp table),
 * then the least INSERT … SELECT each target table needs — new customers, one order per invoice (its
 * customer, first date and line sums), the lines, the order facts — with no validation, no duplicate folding
 * and no report, and the indexes and keys of orders, transaction_line and order_fact dropped before the writes
 * and rebuilt after (`perRow`: kept, so maintained and checked row by row). One transaction, committed.
 */
async function floorLoad(ds: DataSource, file: string, perRow: boolean): Promise<void> {
  await withTransaction(ds, async (client) => {
    await client.query(`SET LOCAL TimeZone = 'UTC'`);
    await client.query(`SET LOCAL work_mem = '128MB'`);
    await client.query(`CREATE TEMP TABLE floor_stage (customer text, date text, amount text, invoice text) ON COMMIT DROP`);
    await pipeline(fs.createReadStream(file), client.query(copyFrom(`COPY floor_stage FROM STDIN (FORMAT csv, HEADER true)`)));
    await client.query(`INSERT INTO customer (customer_unique_id, source) SELECT DISTINCT customer, 'txlog:floor' FROM floor_stage`);
    const deferred = perRow ? undefined : await deferIndexesAndKeys(client, ['orders', 'transaction_line', 'order_fact']);
    await client.query(`
      CREATE TEMP TABLE floor_order ON COMMIT DROP AS
      SELECT 'txlog:floor:' || invoice AS id, min(customer) AS customer, min(date::timestamptz) AS purchased_at, count(*) AS n_lines,
             count(*) FILTER (WHERE amount::numeric < 0) AS n_returns, sum(amount::numeric) AS net_amount
        FROM floor_stage GROUP BY invoice`);
    await client.query(`
      INSERT INTO orders (id, customer_id, status, purchased_at, source)
      SELECT o.id, c.id, 'completed', o.purchased_at, 'txlog' FROM floor_order o JOIN customer c ON c.customer_unique_id = o.customer`);
    await client.query(`
      INSERT INTO transaction_line (order_id, line_no, amount, is_return)
      SELECT 'txlog:floor:' || invoice, row_number() OVER () + 1, amount::numeric, amount::numeric < 0 FROM floor_stage`);
    await client.query(`
      INSERT INTO order_fact (order_id, customer_id, status, source, purchased_at, is_purchase, is_return_only, value, n_lines, n_returns, net_amount, purchase_day_no)
      SELECT o.id, c.id, 'completed', 'txlog', o.purchased_at, n_lines <> n_returns, n_lines = n_returns, net_amount, n_lines, n_returns, net_amount, 1
        FROM floor_order o JOIN customer c ON c.customer_unique_id = o.customer ORDER BY c.id, o.purchased_at`);
    await deferred?.restore();
  });
}

async function emptyWarehouse(ds: DataSource): Promise<void> {
  await ds.query(`TRUNCATE customer, orders, transaction_line RESTART IDENTITY CASCADE`);
  await ds.query(`CHECKPOINT`).catch(() => undefined); // needs superuser on some servers; only evens out WAL flushes
}

registerBench('ingest', async () => {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const file = path.resolve(process.cwd(), FULL ? '.data/bench/txlog-1m.csv' : `.data/bench/txlog-${LINES}.csv`);
  if (!fs.existsSync(file)) {
    log(`generating ${file}…`);
    await generate(file);
  }
  const size = fs.statSync(file).size;
  const db = await scratchDatabase();
  try {
    const version = await withClient(db.ds, async (c) => (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v);
    await plainCopy(db.ds, file); // warm the file cache
    const dbName = new URL(db.url).pathname.slice(1);
    type M = { wall: number; pg: number; node: number };
    const importOnce = async (mode: ForeignKeyMode, fresh: boolean) => {
      if (fresh) await emptyWarehouse(db.ds);
      let report: ImportReport | undefined;
      const m = await measure(dbName, async () => {
        report = await importTransactions(db.ds, file, MAPPING, { foreignKeys: mode });
      });
      log(`import (${mode} foreign-key checks${fresh ? '' : ', re-import'}): ${(m.wall / 1000).toFixed(2)} s wall, ${(m.pg / 1000).toFixed(2)} s server CPU, ${(m.node / 1000).toFixed(2)} s Node CPU`);
      return { m, report: report! };
    };

    // Interleave the baseline and the import so that machine load affects both alike.
    const copies: M[] = [];
    const keyed: M[] = [];
    const imports: M[] = [];
    const floors: M[] = [];
    let report: ImportReport | undefined;
    for (let i = 0; i < RUNS; i++) {
      const c = await measure(dbName, () => plainCopy(db.ds, file));
      copies.push(c);
      log(`plain COPY: ${(c.wall / 1000).toFixed(2)} s wall, ${(c.pg / 1000).toFixed(2)} s server CPU`);
      const k = await measure(dbName, () => keyedCopy(db.ds, file));
      keyed.push(k);
      log(`COPY into an indexed table: ${(k.wall / 1000).toFixed(2)} s wall`);
      await emptyWarehouse(db.ds);
      const fl = await measure(dbName, () => floorLoad(db.ds, file, false));
      floors.push(fl);
      log(`floor (COPY + minimal INSERT … SELECT, keys rebuilt): ${(fl.wall / 1000).toFixed(2)} s wall, ${(fl.pg / 1000).toFixed(2)} s server CPU`);
      const r = await importOnce(MODE, true);
      imports.push(r.m);
      report = r.report;
    }
    await emptyWarehouse(db.ds);
    const floorPerRow = await measure(dbName, () => floorLoad(db.ds, file, true));
    log(`floor with indexes and keys kept: ${(floorPerRow.wall / 1000).toFixed(2)} s wall`);
    const again = (await importOnce(MODE, false)).m;
    const perRow = (await importOnce('row', true)).m;

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const med = (xs: M[], k: keyof M) => median(xs.map((x) => x[k]));
    const copy = { wall: med(copies, 'wall'), cpu: med(copies, 'pg') + med(copies, 'node') };
    const row = (name: string, m: { wall: number; cpu: number }) =>
      `| ${name} | ${s(m.wall)} | ${(m.wall / copy.wall).toFixed(1)}× | ${s(m.cpu)} | ${(m.cpu / copy.cpu).toFixed(1)}× |`;
    const imp = { wall: med(imports, 'wall'), cpu: med(imports, 'pg') + med(imports, 'node') };
    const f = report!.files[0];
    const orders = report!.tables.find((t) => t.table === 'orders')!.inserted;
    const load = os.loadavg()[0].toFixed(1);
    const summaryMs = report!.phases.find((p) => p.name === 'summaries')?.ms;
    const summaryShare = summaryMs === undefined ? 'not timed' : `${s(summaryMs)}, ${((100 * summaryMs) / imports[imports.length - 1].wall).toFixed(1)}% of the last run`;
    const md = [
      `${LINES.toLocaleString('en')} lines (${(size / 2 ** 20).toFixed(1)} MiB, ${CUSTOMERS.toLocaleString('en')} customers, ${orders.toLocaleString('en')} invoices), PostgreSQL ${version}, median of ${RUNS} runs with the baseline and the import interleaved (load average at the end: ${load}). CPU = server backends of the scratch database + this Node process.`,
      '',
      '| step | wall | × COPY | CPU | × COPY |',
      '|---|---|---|---|---|',
      row('plain `COPY` into an unindexed temp table', copy),
      row('the same `COPY` into a temp table with one index (on the invoice column)', { wall: med(keyed, 'wall'), cpu: med(keyed, 'pg') + med(keyed, 'node') }),
      row('floor: `COPY` + the minimal `INSERT … SELECT` per table, no validation, indexes and keys rebuilt after', { wall: med(floors, 'wall'), cpu: med(floors, 'pg') + med(floors, 'node') }),
      row('the same floor with indexes and keys maintained row by row (1 run)', { wall: floorPerRow.wall, cpu: floorPerRow.pg + floorPerRow.node }),
      row(`\`importTransactions\` (${MODE}${MODE === 'auto' ? ': a first load this size rebuilds indexes and keys' : ''})`, imp),
      row('`importTransactions`, foreign keys checked per row (1 run)', { wall: perRow.wall, cpu: perRow.pg + perRow.node }),
      row('re-import of the same file (1 run)', { wall: again.wall, cpu: again.pg + again.node }),
      '',
      `Where the import's wall time went (last run): ${report!.phases.map((p) => `${p.name} ${s(p.ms)}`).join(' · ')}.`,
      '',
      `Runs (wall): COPY ${copies.map((x) => s(x.wall)).join(', ')}; floor ${floors.map((x) => s(x.wall)).join(', ')}; import ${imports.map((x) => s(x.wall)).join(', ')}. Import CPU split: server ${s(med(imports, 'pg'))}, Node (decoding check and COPY feed) ${s(med(imports, 'node'))}. Lines loaded: ${f.loaded.toLocaleString('en')} (${f.skipped.map((n) => `${n.count} ${n.reason}s skipped`).join(', ')}; ${f.notes.map((n) => `${n.count} ${n.reason}s`).join(', ')}). Peak RSS of the benchmark process: ${peakRssMiB().toFixed(0)} MiB.`,
      '',
      `Method: the file was staged by ${f.reader === 'copy' ? "PostgreSQL's CSV reader (COPY into a temporary table, read through a view that trims and numbers the lines; a field that starts and ends with a printable ASCII character skips btrim)" : 'csv-parse, record by record (COPY gave up on this file)'}; duplicate lines are folded, typed, validated and rejected in one set-based statement that keeps line numbers; customers, orders and lines are written by INSERT … SELECT, and a first import's order facts from the line sums taken with its orders (transaction_line is not read back); a first load at least as large as the tables (weighed by its line count) rebuilds indexes and keys after the writes; the BI summaries follow in the same transaction (the "summaries" phase: ${summaryShare}).`,
      '',
      `Goal: import ≤ 8× COPY — ${imp.wall <= 8 * copy.wall ? 'met' : 'not met'} (${(imp.wall / copy.wall).toFixed(1)}× wall, ${(imp.cpu / copy.cpu).toFixed(1)}× CPU; the floor above: ${(med(floors, 'wall') / copy.wall).toFixed(1)}× wall, import ÷ floor ${(imp.wall / med(floors, 'wall')).toFixed(2)}).`,
    ].join('\n');
    if (FULL) writeSection('Transaction-log import', md);
    log(md);
  } finally {
    await db.drop();
  }
});
