import path from 'node:path';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/data-source';
import { noProgress, type ProgressFn } from '../shared/progress';
import { assertReadableFile, detectDelimiter, readHeader, stageCsv, DELIMITERS, type Delimiter } from './csv-stage';
import { deferIndexesAndKeys } from '../db/bulk-load';
import { useBulkChecks, useBulkIndexes, withForeignKeysCheckedInBulk, FOREIGN_KEY_MODES, type ForeignKeyMode } from './foreign-keys';
import { ImportError } from './import-error';
import { assertDistinctNames, ENCODINGS, futureReason, noRowsWarning, sqlInFuture, sqlTooLong, tooLongReason, type Encoding } from './line-rules';
import { FIRST_LINES, mergeReasons, PhaseClock, totalCount, type ImportReport, type ReasonCount, type TableReport } from './import-report';
import { sqlCustomerKey } from '../warehouse/customer-key';
import { lit, sqlDayMonthToIso, sqlFitNumeric, sqlNumeric, sqlTimestamp, DATE_FORMATS, type DateFormat } from './sql-parse';
import { analyzeStaging, countUpsert, prepareSession, reasonCounts } from './sql-util';
import { insertLineOrderFacts, refreshOrderFacts } from '../warehouse/order-fact.service';

/**
 * How the columns of a transaction log map onto the warehouse. Column references are header names (or the
 * names given in `columns` for a headerless file), or 1-based positions.
 */
export interface TransactionMapping {
  customerCol: string;
  dateCol: string;
  /**
   * The line's amount; or give quantityCol + priceCol and the amount is quantity × price. In files not
   * separated by commas, a decimal comma is accepted (`12,50`).
   */
  amountCol?: string;
  quantityCol?: string;
  priceCol?: string;
  /** Order / invoice id: one order per id. Without it, one order per customer per calendar day (UTC). */
  orderCol?: string;
  /** Country or region, kept on each line. */
  regionCol?: string;
  /** Column names of a headerless file; without them the first row is the header. */
  columns?: string[];
  delimiter?: Delimiter | 'auto';
  /** How the bytes are text (default utf8, checked; see line-rules.ts). */
  encoding?: Encoding;
  /** iso (default: yyyymmdd, yyyy-mm-dd, ISO date-times), dmy (dd/mm/yyyy hh:mm) or mdy (m/d/yyyy h:mm). */
  dateFormat?: DateFormat;
  /** Names the log (default: the file name without extension); re-importing a source replaces its orders. */
  source?: string;
  /** Load exact duplicate lines instead of skipping them (some logs hold genuine repeated purchases). */
  keepDuplicates?: boolean;
}

export interface TransactionImportOptions {
  onProgress?: ProgressFn;
  /** Largest share of garbage lines (0..1) tolerated before the import is refused; default 0.05. */
  maxRejectRate?: number;
  /** How foreign keys are checked for the new rows (see foreign-keys.ts); default auto. */
  foreignKeys?: ForeignKeyMode;
}

type Field = 'c' | 'd' | 'a' | 'q' | 'p' | 'o' | 'r';
const FIELD_OPTION: Record<Field, keyof TransactionMapping> = {
  c: 'customerCol',
  d: 'dateCol',
  a: 'amountCol',
  q: 'quantityCol',
  p: 'priceCol',
  o: 'orderCol',
  r: 'regionCol',
};
const OPTION_FLAG: Record<string, string> = {
  customerCol: '--customer-col',
  dateCol: '--date-col',
  amountCol: '--amount-col',
  quantityCol: '--quantity-col',
  priceCol: '--price-col',
  orderCol: '--order-col',
  regionCol: '--region-col',
};

/** Reasons that are deliberate skips; every other reason is garbage and counts against the reject rate. */
const SKIP_REASONS = new Set(['missing customer', 'duplicate line', 'blank line']);

export const DEFAULT_MAX_REJECT_RATE = 0.05;

/** `customer.source` of the customers a log creates. */
export function txlogSource(source: string): string {
  return `txlog:${source}`;
}

/** The file name without extension, reduced to the characters a source name may hold. */
export function defaultSourceName(file: string): string {
  const base = path.basename(file).replace(/\.[^.]*$/, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '') || 'log';
}

function validate(mapping: TransactionMapping, opts: TransactionImportOptions): { source: string; maxRejectRate: number; fk: ForeignKeyMode } {
  const need = (k: keyof TransactionMapping) => {
    const v = mapping[k];
    if (typeof v !== 'string' || v.trim() === '') throw new ImportError(`${OPTION_FLAG[k]} is required`);
  };
  need('customerCol');
  need('dateCol');
  const qp = mapping.quantityCol !== undefined || mapping.priceCol !== undefined;
  if (mapping.amountCol === undefined && !qp) throw new ImportError('give --amount-col, or --quantity-col and --price-col');
  if (mapping.amountCol === undefined && (mapping.quantityCol === undefined || mapping.priceCol === undefined)) {
    throw new ImportError('--quantity-col and --price-col go together (amount = quantity × price)');
  }
  if (mapping.delimiter !== undefined && mapping.delimiter !== 'auto' && !DELIMITERS.includes(mapping.delimiter)) {
    throw new ImportError(`--delimiter must be one of auto, ${DELIMITERS.join(', ')} (got "${mapping.delimiter}")`);
  }
  if (mapping.encoding !== undefined && !ENCODINGS.includes(mapping.encoding)) {
    throw new ImportError(`--encoding must be one of ${ENCODINGS.join(', ')} (got "${mapping.encoding}")`);
  }
  if (mapping.dateFormat !== undefined && !DATE_FORMATS.includes(mapping.dateFormat)) {
    throw new ImportError(`--date-format must be one of ${DATE_FORMATS.join(', ')} (got "${mapping.dateFormat}")`);
  }
  if (mapping.columns && (mapping.columns.length === 0 || mapping.columns.some((c) => c.trim() === ''))) {
    throw new ImportError('--columns must list non-empty names, comma-separated');
  }
  if (mapping.source !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(mapping.source)) {
    throw new ImportError(`--source must start with a letter or digit and hold only letters, digits, ".", "_" and "-" (got "${mapping.source}")`);
  }
  const maxRejectRate = opts.maxRejectRate ?? DEFAULT_MAX_REJECT_RATE;
  if (!(maxRejectRate >= 0 && maxRejectRate <= 1)) throw new ImportError(`--max-reject-rate must be between 0 and 1 (got ${maxRejectRate})`);
  const fk = opts.foreignKeys ?? 'auto';
  if (!FOREIGN_KEY_MODES.includes(fk)) throw new ImportError(`foreign key mode must be one of ${FOREIGN_KEY_MODES.join(', ')}`);
  return { source: mapping.source ?? '', maxRejectRate, fk };
}

/** Field position of a column reference: a name of `header`, else a 1-based position. */
function resolveColumn(file: string, header: string[], ref: string, option: string, hasHeaderRow: boolean): number {
  const byName = header.indexOf(ref.trim());
  if (byName >= 0) return byName;
  if (/^\d+$/.test(ref.trim())) {
    const n = Number(ref);
    if (n >= 1 && n <= header.length) return n - 1;
  }
  throw new ImportError(
    `${option} ${JSON.stringify(ref)} is not a column of this file (columns: ${header.join(', ')}; or a position 1..${header.length})`,
    file,
    hasHeaderRow ? 1 : undefined,
    ref,
  );
}

/**
 * Imports any transaction log into customer / orders / transaction_line, in one transaction.
 *
 * Line classes, each counted with its first line numbers: wrong column count, unparseable or missing date /
 * amount / quantity / price / order id (garbage, "rejected"; more than `maxRejectRate` of the lines refuses
 * the whole file); no customer, exact duplicate of an earlier line, blank line ("skipped"); returns —
 * negative quantity or amount — are loaded with a negative amount and is_return (a "note"). Duplicates are
 * recognised first: the second and later copies of any line count as duplicates, whatever they hold.
 *
 * Customers are matched by their normalized id (`17850.0` = `17850`) across all sources; new ones get
 * source 'txlog:<source>'. Re-importing a source replaces its lines, upserts its orders (id
 * 'txlog:<source>:<invoice>' or 'txlog:<source>:<customer>:<yyyy-mm-dd>') and deletes its orders that are
 * gone; customers are never deleted. Naive dates and times are read as UTC.
 */
export async function importTransactions(
  ds: DataSource,
  file: string,
  mapping: TransactionMapping,
  opts: TransactionImportOptions = {},
): Promise<ImportReport> {
  const started = Date.now();
  const clock = new PhaseClock();
  const onProgress = opts.onProgress ?? noProgress;
  const v = validate(mapping, opts);
  const size = await assertReadableFile(file);
  const delimiter = !mapping.delimiter || mapping.delimiter === 'auto' ? await detectDelimiter(file) : mapping.delimiter;
  const hasHeaderRow = !mapping.columns;
  const encoding = mapping.encoding ?? 'utf8';
  const header = mapping.columns?.map((c) => c.trim()) ?? (await readHeader(file, delimiter, encoding));
  if (!hasHeaderRow) assertDistinctNames(file, header, false);
  const source = v.source || defaultSourceName(file);
  const prefix = `${txlogSource(source)}:`;
  const fields = (Object.keys(FIELD_OPTION) as Field[]).filter((f) => mapping[FIELD_OPTION[f]] !== undefined);
  const columns = fields.map((f) => ({
    name: f,
    index: resolveColumn(file, header, String(mapping[FIELD_OPTION[f]]), OPTION_FLAG[FIELD_OPTION[f]], hasHeaderRow),
  }));
  const has = (f: Field) => fields.includes(f);
  const amountMode = has('a');
  const step = `reading ${path.basename(file)}`;

  return withTransaction(ds, async (client) => {
    await prepareSession(client);
    await client.query(`CREATE TEMP TABLE _tx_raw (line_no int, flaw text, c text, d text, a text, q text, p text, o text, r text, rest text) ON COMMIT DROP`);
    onProgress({ step, done: 0, total: size });
    const staged = await stageCsv(client, {
      file,
      table: '_tx_raw',
      columns,
      expectedFields: header.length,
      delimiter,
      encoding,
      skipHeader: hasHeaderRow,
      badRecord: 'reject',
      restColumn: !mapping.keepDuplicates,
      asView: true,
      onBytes: (done) => onProgress({ step, done, total: size }),
    });
    onProgress({ step, done: size, total: size });
    clock.lap('read');
    const loading = (done: number) => onProgress({ step: 'loading transactions', done, total: 5 });
    loading(0);
    // Statistics on the staging tables keep the planner on hash aggregates and hash joins (it otherwise
    // guesses a few hundred rows and sorts).
    await analyzeStaging(client, staged.statsTable);

    const distinctLines = await parseLines(client, { dateFormat: mapping.dateFormat ?? 'iso', decimalComma: delimiter !== 'comma', amountMode, hasOrder: has('o'), keepDuplicates: !!mapping.keepDuplicates });
    loading(1);
    const { classes, duplicates } = await lineClasses(client);
    clock.lap('parse');
    const returns = classes.filter((c) => c.reason === 'return');
    const problems = classes.filter((c) => c.reason !== 'return');
    const rejected = mergeReasons(staged.rejected.list(), problems.filter((p) => !SKIP_REASONS.has(p.reason)));
    const skipped = mergeReasons(staged.skipped.list(), problems.filter((p) => SKIP_REASONS.has(p.reason)), duplicates);
    const nRejected = totalCount(rejected);
    if (staged.read > 0 && nRejected / staged.read > v.maxRejectRate) {
      const first = Math.min(...rejected.map((r) => r.lines[0]));
      const why = rejected.map((r) => `${r.count} × ${r.reason} (lines ${r.lines.join(', ')})`).join('; ');
      throw new ImportError(
        `${nRejected} of ${staged.read} lines rejected (${((100 * nRejected) / staged.read).toFixed(1)}%, limit ${(100 * v.maxRejectRate).toFixed(1)}%): ${why}`,
        file,
        first,
      );
    }
    loading(2);
    const validLines = distinctLines - totalCount(problems);
    const { tables, notes } = await writeWarehouse(client, { source, prefix, fk: v.fk, tick: loading, validLines, clock });
    loading(5);
    const loaded = tables.find((t) => t.table === 'transaction_line')?.inserted ?? 0;
    const report: ImportReport = {
      kind: 'transactions',
      input: file,
      source,
      files: [{ file, table: 'transaction_line', read: staged.read, loaded, rejected, skipped, notes: [...returns, ...notes], reader: staged.reader }],
      tables,
      elapsedMs: Date.now() - started,
      phases: clock.phases,
      warnings: staged.read === 0 ? [noRowsWarning(file, hasHeaderRow)] : [],
    };
    return report;
  });
}

/**
 * _tx_raw → _tx_line: exact duplicates folded (unless kept), values typed, each line's first problem named.
 * Dates are parsed once per distinct text (logs repeat them heavily).
 */
async function parseLines(
  client: PoolClient,
  o: { dateFormat: DateFormat; decimalComma: boolean; amountMode: boolean; hasOrder: boolean; keepDuplicates: boolean },
): Promise<number> {
  const iso = o.dateFormat === 'iso' ? 'd' : sqlDayMonthToIso('d', o.dateFormat);
  await client.query(`
    CREATE TEMP TABLE _tx_date ON COMMIT DROP AS
    SELECT d, ts, to_char(ts, 'YYYY-MM-DD') AS day
      FROM (SELECT d, ${sqlTimestamp('iso')} AS ts
              FROM (SELECT d, ${iso} AS iso FROM (SELECT DISTINCT d FROM _tx_raw WHERE d IS NOT NULL) s OFFSET 0) s) s`);
  await analyzeStaging(client, '_tx_date');
  const grouped = o.keepDuplicates
    ? `SELECT line_no, 1 AS copies, line_no AS last_line, flaw, c, d, a, q, p, o, r FROM _tx_raw`
    : `SELECT min(line_no) AS line_no, count(*)::int AS copies, max(line_no) AS last_line, flaw, c, d, a, q, p, o, r
         FROM _tx_raw GROUP BY flaw, c, d, a, q, p, o, r, rest`;
  const num = (x: string) => sqlNumeric(x, o.decimalComma);
  const amount = o.amountMode ? sqlFitNumeric('a_num', 14, 2) : `CASE WHEN q_fit IS NOT NULL AND p_fit IS NOT NULL THEN ${sqlFitNumeric('q_fit * p_fit', 14, 2)} END`;
  // The rules of line-rules.ts first (a flawed line is garbage whatever else it holds), then the fields.
  const checks = [
    `WHEN flaw IS NOT NULL THEN flaw`,
    `WHEN cust IS NULL THEN 'missing customer'`,
    `WHEN ${sqlTooLong('cust')} THEN ${lit(tooLongReason('customer id'))}`,
    `WHEN d IS NULL THEN 'missing date'`,
    `WHEN ts IS NULL THEN 'invalid date'`,
    `WHEN ${sqlInFuture('ts')} THEN ${lit(futureReason('date'))}`,
    ...(o.amountMode ? [`WHEN a IS NULL THEN 'missing amount'`, `WHEN amount IS NULL THEN 'invalid amount'`] : []),
    `WHEN q IS NOT NULL AND q_fit IS NULL THEN 'invalid quantity'`,
    `WHEN p IS NOT NULL AND p_fit IS NULL THEN 'invalid price'`,
    ...(o.amountMode ? [] : [`WHEN q IS NULL THEN 'missing quantity'`, `WHEN p IS NULL THEN 'missing price'`, `WHEN amount IS NULL THEN 'invalid amount'`]),
    ...(o.hasOrder ? [`WHEN inv IS NULL THEN 'missing order id'`, `WHEN ${sqlTooLong('inv')} THEN ${lit(tooLongReason('order id'))}`] : []),
  ];
  // Folding duplicates is a hash aggregate over every distinct line (~300 MB at 1M lines): given the memory,
  // it stays in RAM instead of spilling batches to disk (~10% of the parse).
  const { rows: wm } = await client.query<{ prev: string }>(`SELECT current_setting('work_mem') AS prev, set_config('work_mem', '512MB', true)`);
  const res = await client.query(`
    CREATE TEMP TABLE _tx_line ON COMMIT DROP AS
    SELECT line_no, copies, last_line, cust, ts, quantity, unit_price, region, problem,
           ${o.hasOrder ? 'inv' : `cust || ':' || day`} AS okey,
           is_return,
           CASE WHEN is_return THEN -abs(amount) ELSE amount END AS amount
      FROM (SELECT *, CASE ${checks.join(' ')} END AS problem,
                   coalesce(q_fit < 0, false) OR coalesce(amount < 0, false) AS is_return,
                   q_fit AS quantity, p_fit AS unit_price
              FROM (SELECT *, ${amount} AS amount
                      FROM (SELECT *, ${sqlFitNumeric('q_num', 14, 3)} AS q_fit, ${sqlFitNumeric('p_num', 14, 4)} AS p_fit
                              FROM (SELECT g.line_no, g.copies, g.last_line, g.flaw, g.d, g.a, g.q, g.p, g.r AS region, dt.ts, dt.day,
                                           ${sqlCustomerKey('g.c')} AS cust, ${sqlCustomerKey('g.o')} AS inv,
                                           ${num('g.a')} AS a_num, ${num('g.q')} AS q_num, ${num('g.p')} AS p_num
                                      FROM (${grouped}) g LEFT JOIN _tx_date dt ON dt.d = g.d
                                    OFFSET 0) s1 OFFSET 0) s2 OFFSET 0) s3) s4`);
  await client.query(`SELECT set_config('work_mem', $1, true)`, [wm[0].prev]);
  await analyzeStaging(client, '_tx_line');
  return res.rowCount ?? 0;
}

/**
 * The lines the report names, in one pass over _tx_line: each problem and the returns (a note, not a
 * problem), counted with their first line numbers in file order; and the duplicate lines, every copy after
 * the first, listed by the last copy of each repeated line (exactly the first duplicates when no line appears
 * more than twice).
 */
async function lineClasses(client: PoolClient): Promise<{ classes: ReasonCount[]; duplicates: ReasonCount[] }> {
  const { rows } = await client.query<ReasonCount & { dup: boolean }>(`
    WITH named AS MATERIALIZED (
      SELECT problem, is_return, line_no, copies, last_line FROM _tx_line WHERE problem IS NOT NULL OR is_return OR copies > 1)
    SELECT false AS dup, reason, count(*)::int AS count, (array_agg(line_no ORDER BY line_no))[1:${FIRST_LINES}] AS lines, min(line_no) AS first
      FROM (SELECT coalesce(problem, 'return') AS reason, line_no FROM named WHERE problem IS NOT NULL OR is_return) s GROUP BY reason
    UNION ALL
    SELECT true, 'duplicate line', sum(copies - 1)::int, (array_agg(last_line ORDER BY last_line))[1:${FIRST_LINES}], 0
      FROM named WHERE copies > 1 HAVING count(*) > 0
    ORDER BY dup, first`);
  const pick = (dup: boolean) => rows.filter((r) => r.dup === dup).map(({ reason, count, lines }) => ({ reason, count, lines }));
  return { classes: pick(false), duplicates: pick(true) };
}

/**
 * The orders of a transaction-log source: those whose id starts with its prefix (`txlog:<source>:`), compared byte
 * by byte, where the ids with a prefix are exactly the range from the prefix to the prefix with its last byte
 * raised (':' to ';'). Written so, it is a range of orders_txlog_id_idx (migration 1764000000230) in any database
 * collation, where `left(id, n) = prefix` read every order. Goes with `source = 'txlog'` (the index holds only
 * those orders).
 */
export function sourceOrdersPredicate(col: string, prefix: string): string {
  if (!prefix.endsWith(':')) throw new Error(`a source prefix ends with ':' (got ${JSON.stringify(prefix)})`);
  const upper = `${prefix.slice(0, -1)};`;
  return `(${col} COLLATE "C") >= ${lit(prefix)} AND (${col} COLLATE "C") < ${lit(upper)}`;
}

async function writeWarehouse(
  client: PoolClient,
  o: { source: string; prefix: string; fk: ForeignKeyMode; tick: (step: number) => void; validLines: number; clock: PhaseClock },
): Promise<{ tables: TableReport[]; notes: ReasonCount[] }> {
  const P = lit(o.prefix);
  const ofSource = (col: string) => sourceOrdersPredicate(col, o.prefix);

  // Customers: new ids are added; ids already known (from any source) are the same person. Matches with
  // another source's customers are reported: two unrelated logs with overlapping numeric ids merge persons.
  const SRC = lit(txlogSource(o.source));
  // Each customer of the log is numbered in byte order (COLLATE "C"): an order's smallest customer and its
  // "several customers" test are then a min and a max of integers, not of text copied at every new minimum.
  await client.query(`
    CREATE TEMP TABLE _tx_cust ON COMMIT DROP AS
    SELECT cust, (row_number() OVER (ORDER BY cust COLLATE "C"))::int AS rk FROM (SELECT DISTINCT cust FROM _tx_line WHERE problem IS NULL) s`);
  await analyzeStaging(client, '_tx_cust');
  const cust = await client.query<{ total: number; inserted: number; foreign: number }>(`
    WITH ins AS (INSERT INTO customer (customer_unique_id, source) SELECT cust, ${SRC} FROM _tx_cust
                 ON CONFLICT (customer_unique_id) DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM _tx_cust)::int AS total, (SELECT count(*) FROM ins)::int AS inserted,
           (SELECT count(*) FROM _tx_cust w JOIN customer c ON c.customer_unique_id = w.cust AND c.source <> ${SRC})::int AS foreign`);
  const foreign: ReasonCount[] = [];
  if (cust.rows[0].foreign > 0) {
    const first = await client.query<{ line_no: number }>(`
      SELECT min(l.line_no) AS line_no FROM _tx_line l JOIN customer c ON c.customer_unique_id = l.cust AND c.source <> ${SRC}
       WHERE l.problem IS NULL GROUP BY l.cust ORDER BY 1 LIMIT ${FIRST_LINES}`);
    foreign.push({ reason: 'customer id already known from another source (same person)', count: cust.rows[0].foreign, lines: first.rows.map((r) => r.line_no) });
  }

  o.clock.lap('customers');
  const orderRows = await client.query(`
    CREATE TEMP TABLE _tx_order ON COMMIT DROP AS
    SELECT ${P} || o.okey AS id, k.cust, o.purchased_at, o.first_line, o.mixed, o.n_lines, o.n_returns, o.net_amount
      FROM (SELECT l.okey, min(k.rk) AS rk, min(k.rk) <> max(k.rk) AS mixed, min(l.ts) AS purchased_at, min(l.line_no) AS first_line,
                   count(*) AS n_lines, count(*) FILTER (WHERE l.is_return) AS n_returns, sum(l.amount) AS net_amount
              FROM _tx_line l JOIN _tx_cust k ON k.cust = l.cust WHERE l.problem IS NULL GROUP BY l.okey) o
      JOIN _tx_cust k ON k.rk = o.rk`);
  const several = await reasonCounts(
    client,
    `SELECT 'invoice shared by several customers (order kept with the smallest id)' AS reason, first_line AS line_no FROM _tx_order WHERE mixed`,
  );

  // A re-import replaces the source's lines and deletes its orders that are no longer in the file; a first
  // import skips all of that and inserts plainly.
  const { rows: prior } = await client.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM orders WHERE source = 'txlog' AND ${ofSource('id')}) AS any`,
  );
  const reimport = prior[0].any;
  let deletedLines = 0;
  let deletedOrders = 0;
  if (reimport) {
    await client.query('ALTER TABLE _tx_order ADD PRIMARY KEY (id)');
    await analyzeStaging(client, '_tx_order');
    const delLines = await client.query(`
      DELETE FROM transaction_line t USING orders o
       WHERE o.id = t.order_id AND o.source = 'txlog' AND ${ofSource('o.id')}`);
    // Their customers' other orders are renumbered by purchase day when the order facts are refreshed.
    const delOrders = await client.query(`
      CREATE TEMP TABLE _tx_gone ON COMMIT DROP AS
      WITH gone AS (
        DELETE FROM orders o WHERE o.source = 'txlog' AND ${ofSource('o.id')}
           AND NOT EXISTS (SELECT 1 FROM _tx_order t WHERE t.id = o.id)
        RETURNING o.customer_id)
      SELECT customer_id FROM gone`);
    deletedLines = delLines.rowCount ?? 0;
    deletedOrders = delOrders.rowCount ?? 0;
  }

  o.tick(3);
  const nOrders = orderRows.rowCount ?? 0;
  const nLines = o.validLines;
  // A first import at least as large as what the tables hold loads them without indexes and keys, rebuilt
  // afterwards (order_fact gets a row per order, so it goes along); a re-import needs the keys for its upserts.
  // The load's size is its line count: its orders go along with its lines.
  const rebuild =
    !reimport &&
    (await useBulkIndexes(client, o.fk, 'orders', nOrders, nLines)) &&
    (await useBulkIndexes(client, o.fk, 'transaction_line', nLines));
  const bulkOrders = !rebuild && (await useBulkChecks(client, o.fk, 'orders', nOrders, nLines));
  const bulkLines = !rebuild && (await useBulkChecks(client, o.fk, 'transaction_line', nLines));
  // order_fact gets a row per order: checked in bulk along with the orders.
  const bulkTables = [...(bulkOrders ? ['orders', 'order_fact'] : []), ...(bulkLines ? ['transaction_line'] : [])];
  const write = async () => {
    const insertOrders = `INSERT INTO orders (id, customer_id, status, purchased_at, source)
       SELECT t.id, c.id, 'completed', t.purchased_at, 'txlog' FROM _tx_order t JOIN customer c ON c.customer_unique_id = t.cust`;
    const orders = reimport
      ? await countUpsert(
          client,
          `${insertOrders}
           ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
                  purchased_at = EXCLUDED.purchased_at, source = EXCLUDED.source, account_id = NULL
            WHERE (orders.customer_id, orders.status, orders.purchased_at, orders.source, orders.account_id)
                  IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.status, EXCLUDED.purchased_at, EXCLUDED.source, NULL)`,
          nOrders,
        )
      : { inserted: (await client.query(insertOrders)).rowCount ?? 0, updated: 0, unchanged: 0 };
    o.tick(4);
    o.clock.lap('orders');
    const lines = await client.query(`
      INSERT INTO transaction_line (order_id, line_no, quantity, unit_price, amount, is_return, region)
      SELECT ${P} || okey, line_no, quantity, unit_price, amount, is_return, region FROM _tx_line WHERE problem IS NULL`);
    o.clock.lap('lines');
    // A first import's orders are all new and hold only these lines: their facts come from the sums taken
    // with the orders. A re-import's orders may also have rows elsewhere: their facts are summed from the
    // tables (orders dropped from the file went with their rows).
    if (reimport) await refreshOrderFacts(client, 'SELECT id FROM _tx_order', [], { distinct: true, customersSql: 'SELECT customer_id FROM _tx_gone', clock: o.clock });
    else {
      await insertLineOrderFacts(
        client,
        `SELECT t.id, c.id, 'completed', 'txlog', t.purchased_at, t.n_lines, t.n_returns, t.net_amount
           FROM _tx_order t JOIN customer c ON c.customer_unique_id = t.cust`,
        o.clock,
      );
    }
    return { orders, lines: lines.rowCount ?? 0 };
  };
  let w: Awaited<ReturnType<typeof write>>;
  if (rebuild) {
    const deferred = await deferIndexesAndKeys(client, ['orders', 'transaction_line', 'order_fact']);
    w = await write();
    await deferred.restore();
    o.clock.lap('indexes and keys');
  } else if (bulkTables.length) {
    w = await withForeignKeysCheckedInBulk(client, bulkTables, write);
    o.clock.lap('foreign keys');
  } else w = await write();

  const tables: TableReport[] = [
    { table: 'customer', inserted: cust.rows[0].inserted, updated: 0, unchanged: cust.rows[0].total - cust.rows[0].inserted, deleted: 0 },
    { table: 'orders', ...w.orders, deleted: deletedOrders },
    { table: 'transaction_line', inserted: w.lines, updated: 0, unchanged: 0, deleted: deletedLines },
  ];
  return { tables, notes: [...several, ...foreign] };
}
