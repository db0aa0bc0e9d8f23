import fs from 'node:fs';
import path from 'node:path';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { withTransaction } from '../db/data-source';
import { noProgress, type ProgressFn } from '../shared/progress';
import { assertReadableFile, columnIndexes, readHeader, stageCsv, type StageResult } from './csv-stage';
import { ImportError } from './import-error';
import { mergeReasons, PhaseClock, totalCount, type FileReport, type ImportReport, type ReasonCount, type TableReport } from './import-report';
import { ENCODINGS, futureReason, noRowsWarning, sqlInFuture, sqlTooLong, tooLongReason, type Encoding } from './line-rules';
import { OLIST_FILES, type ColumnSpec, type FileSpec } from './olist-files';
import { lit, sqlDouble, sqlFitNumeric, sqlInteger, sqlNumeric, sqlTimestamp } from './sql-parse';
import { analyzeStaging, prepareSession, reasonCounts, upsert } from './sql-util';
import { DEFAULT_MAX_REJECT_RATE } from './transactions.service';
import { refreshOrderFacts } from '../warehouse/order-fact.service';
import { refreshBiAggregates } from '../warehouse/bi-aggregates.service';

export interface OlistImportOptions {
  onProgress?: ProgressFn;
  /** Largest share of rejected rows (0..1, over all files) tolerated before the import is refused; default 0.05. */
  maxRejectRate?: number;
  /** How the files' bytes are text (default utf8, checked; see line-rules.ts). */
  encoding?: Encoding;
}

type Id = FileSpec['id'];

/** A column of a file that names a row of another file (or of the warehouse). */
interface Reference {
  child: Id;
  column: string;
  parent: Id;
  parentKey: string;
  /** Warehouse table and column where the parent may already exist from an earlier import. */
  table: string;
  tableKey: string;
  noun: string;
}

// In dependency order: a rejected customer rejects its orders, which reject their items, payments, reviews.
const REFERENCES: Reference[] = [
  { child: 'order', column: 'account_id', parent: 'customer', parentKey: 'account_id', table: 'customer_account', tableKey: 'account_id', noun: 'customer' },
  { child: 'item', column: 'order_id', parent: 'order', parentKey: 'id', table: 'orders', tableKey: 'id', noun: 'order' },
  { child: 'item', column: 'product_id', parent: 'product', parentKey: 'id', table: 'product', tableKey: 'id', noun: 'product' },
  { child: 'item', column: 'seller_id', parent: 'seller', parentKey: 'id', table: 'seller', tableKey: 'id', noun: 'seller' },
  { child: 'payment', column: 'order_id', parent: 'order', parentKey: 'id', table: 'orders', tableKey: 'id', noun: 'order' },
  { child: 'review', column: 'order_id', parent: 'order', parentKey: 'id', table: 'orders', tableKey: 'id', noun: 'order' },
];

const stage = (id: Id) => `_ol_${id}`;
const typed = (id: Id) => `_ol_${id}_t`;
const spec = (id: Id): FileSpec => OLIST_FILES.find((f) => f.id === id)!;

/**
 * Imports the Olist CSV files of `dir` (original names and headers) in one transaction.
 *
 * - customers: Olist's per-order customer_id becomes a customer_account; customer_unique_id the person
 *   (customer), whose zip/city/state come from the account of their most recent order (else the last line).
 * - orders point at the person (orders.customer_id) and keep the account (orders.account_id).
 * - geolocation: one row per zip prefix, lat/lng averaged over its points, the most common city/state.
 * - categories used by products but missing from the translation file get a row with name_en NULL.
 * - sellers and geolocation may be absent; items' seller ids then become bare seller rows (id only), which
 *   a later import with the sellers file fills in.
 * - zip prefixes lost their leading zeros in the Olist export; they are padded back to 5 digits.
 * - naive timestamps are read as UTC.
 *
 * Bad values (unparseable timestamp, number out of range, missing required field) reject the row, counted
 * with its line; rows that depend on a rejected row are rejected too. A structural problem — missing file or
 * column, wrong field count, a reference to an id found neither in the files nor in the warehouse, or more
 * than `maxRejectRate` rejected rows — stops the import with an error naming file, line and column, and
 * nothing is written. Re-running upserts (rows whose values did not change are left alone); rows are never
 * deleted.
 */
export async function importOlist(ds: DataSource, dir: string, opts: OlistImportOptions = {}): Promise<ImportReport> {
  const started = Date.now();
  const clock = new PhaseClock();
  const onProgress = opts.onProgress ?? noProgress;
  const maxRejectRate = opts.maxRejectRate ?? DEFAULT_MAX_REJECT_RATE;
  if (!(maxRejectRate >= 0 && maxRejectRate <= 1)) throw new ImportError(`--max-reject-rate must be between 0 and 1 (got ${maxRejectRate})`);
  const encoding = opts.encoding ?? 'utf8';
  if (!ENCODINGS.includes(encoding)) throw new ImportError(`--encoding must be one of ${ENCODINGS.join(', ')} (got "${encoding}")`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ImportError('directory not found', dir);

  // Everything that can be checked without the database is checked before the transaction starts.
  const files: { spec: FileSpec; file: string; size: number; indexes: Record<string, number>; fields: number }[] = [];
  for (const s of OLIST_FILES) {
    const file = path.join(dir, s.file);
    if (!fs.existsSync(file)) {
      if (s.optional) continue;
      throw new ImportError('file not found (required)', file);
    }
    const size = await assertReadableFile(file);
    const header = await readHeader(file, 'comma', encoding);
    const indexes = columnIndexes(file, header, Object.fromEntries(s.columns.map((c) => [c.name, c.header])));
    files.push({ spec: s, file, size, indexes, fields: header.length });
  }
  const present = new Set(files.map((f) => f.spec.id));

  return withTransaction(ds, async (client) => {
    await prepareSession(client);
    const staged = new Map<Id, StageResult>();
    for (const f of files) {
      const step = `reading ${f.spec.file}`;
      await client.query(
        `CREATE TEMP TABLE ${stage(f.spec.id)} (line_no int, flaw text, ${f.spec.columns.map((c) => `r_${c.name} text`).join(', ')}) ON COMMIT DROP`,
      );
      onProgress({ step, done: 0, total: f.size });
      staged.set(
        f.spec.id,
        await stageCsv(client, {
          file: f.file,
          table: stage(f.spec.id),
          columns: f.spec.columns.map((c) => ({ name: `r_${c.name}`, index: f.indexes[c.name] })),
          expectedFields: f.fields,
          delimiter: 'comma',
          encoding,
          skipHeader: true,
          badRecord: 'fatal',
          onBytes: (done) => onProgress({ step, done, total: f.size }),
        }),
      );
      onProgress({ step, done: f.size, total: f.size });
    }

    clock.lap('read');
    const steps = 4;
    const loading = (done: number) => onProgress({ step: 'loading olist', done, total: steps });
    loading(0);
    for (const f of files) await typeRows(client, f.spec);
    loading(1);
    const fileOf = new Map(files.map((f) => [f.spec.id, f.file]));
    for (const ref of REFERENCES) {
      if (!present.has(ref.child)) continue;
      // Without the sellers file, items' seller ids are created as bare sellers (see writeWarehouse).
      if (ref.parent === 'seller' && !present.has('seller')) continue;
      await checkReference(client, ref, fileOf.get(ref.child)!, fileOf.get(ref.parent) ?? spec(ref.parent).file, present.has(ref.parent));
    }
    loading(2);

    const reports: FileReport[] = [];
    for (const f of files) reports.push(await fileReport(client, f.spec, f.file, staged.get(f.spec.id)!));
    const read = reports.reduce((s, r) => s + r.read, 0);
    const rejected = reports.reduce((s, r) => s + totalCount(r.rejected), 0);
    if (read > 0 && rejected / read > maxRejectRate) {
      const worst = reports.filter((r) => r.rejected.length > 0).map((r) => `${path.basename(r.file)}: ${r.rejected.map((x) => `${x.count} × ${x.reason} (lines ${x.lines.join(', ')})`).join('; ')}`);
      throw new ImportError(
        `${rejected} of ${read} rows rejected (${((100 * rejected) / read).toFixed(1)}%, limit ${(100 * maxRejectRate).toFixed(1)}%): ${worst.join(' | ')}`,
        dir,
      );
    }
    clock.lap('check');
    loading(3);
    const tables = await writeWarehouse(client, present);
    loading(steps);
    clock.lap('write');
    const warnings = reports.filter((r) => r.read === 0).map((r) => noRowsWarning(r.file, true));
    return { kind: 'olist', input: dir, files: reports, tables, elapsedMs: Date.now() - started, phases: clock.phases, warnings } satisfies ImportReport;
  });
}

/** Typed value of a column, NULL when absent or invalid. */
function parseExpr(c: ColumnSpec): string {
  const r = `r_${c.name}`;
  switch (c.type) {
    case 'text':
    case 'id':
      return r;
    case 'zip':
      return `CASE WHEN ${r} ~ '^\\d{1,5}$' THEN lpad(${r}, 5, '0') ELSE ${r} END`;
    case 'int':
      return sqlInteger(r);
    case 'decimal':
      return sqlFitNumeric(sqlNumeric(r), c.precision ?? 12, c.scale ?? 2);
    case 'double':
      return sqlDouble(r);
    case 'timestamp':
      return sqlTimestamp(r);
  }
}

function rangeExpr(c: ColumnSpec): string {
  const conds = [...(c.min !== undefined ? [`p_${c.name} >= ${c.min}`] : []), ...(c.max !== undefined ? [`p_${c.name} <= ${c.max}`] : [])];
  return conds.length ? `CASE WHEN ${conds.join(' AND ')} THEN p_${c.name} END` : `p_${c.name}`;
}

/**
 * stage → typed table: each column typed, each row's first problem named, and rows whose key repeats a later
 * line's marked `dup` (the last line wins).
 */
async function typeRows(client: PoolClient, s: FileSpec): Promise<void> {
  // The rules of line-rules.ts first (a flawed line is garbage whatever else it holds), then each column.
  const checks = [
    'WHEN flaw IS NOT NULL THEN flaw',
    ...s.columns.flatMap((c) => [
      ...(c.required ? [`WHEN r_${c.name} IS NULL THEN 'missing ${c.header}'`] : []),
      ...(c.type === 'id' ? [`WHEN ${sqlTooLong(`r_${c.name}`)} THEN ${lit(tooLongReason(c.header))}`] : []),
      `WHEN r_${c.name} IS NOT NULL AND ${c.name} IS NULL THEN 'invalid ${c.header}'`,
      ...(c.type === 'timestamp' && !c.planned ? [`WHEN ${sqlInFuture(c.name)} THEN ${lit(futureReason(c.header))}`] : []),
    ]),
  ];
  await client.query(`
    CREATE TEMP TABLE ${typed(s.id)} ON COMMIT DROP AS
    SELECT line_no, ${s.columns.map((c) => c.name).join(', ')}, CASE ${checks.join(' ')} END AS problem, false AS dup
      FROM (SELECT line_no, flaw, ${s.columns.map((c) => `r_${c.name}, ${rangeExpr(c)} AS ${c.name}`).join(', ')}
              FROM (SELECT line_no, flaw, ${s.columns.map((c) => `r_${c.name}, ${parseExpr(c)} AS p_${c.name}`).join(', ')}
                      FROM ${stage(s.id)} OFFSET 0) s OFFSET 0) s`);
  if (s.key.length) {
    await client.query(`
      UPDATE ${typed(s.id)} t SET dup = true
        FROM (SELECT line_no, row_number() OVER (PARTITION BY ${s.key.join(', ')} ORDER BY line_no DESC) AS rn
                FROM ${typed(s.id)} WHERE problem IS NULL) d
       WHERE d.line_no = t.line_no AND d.rn > 1`);
  }
  await analyzeStaging(client, typed(s.id));
}

async function checkReference(client: PoolClient, ref: Reference, childFile: string, parentFile: string, parentPresent: boolean): Promise<void> {
  const c = typed(ref.child);
  const inWarehouse = `EXISTS (SELECT 1 FROM ${ref.table} w WHERE w.${ref.tableKey} = c.${ref.column})`;
  const inParent = (ok: boolean) =>
    parentPresent ? `EXISTS (SELECT 1 FROM ${typed(ref.parent)} p WHERE p.${ref.parentKey} = c.${ref.column} AND p.problem IS ${ok ? '' : 'NOT '}NULL)` : 'false';
  if (parentPresent) {
    await client.query(`
      UPDATE ${c} c SET problem = 'references a rejected ${ref.noun}'
       WHERE c.problem IS NULL AND c.${ref.column} IS NOT NULL
         AND ${inParent(false)} AND NOT ${inParent(true)} AND NOT ${inWarehouse}`);
  }
  const { rows } = await client.query<{ line_no: number; v: string }>(`
    SELECT c.line_no, c.${ref.column} AS v FROM ${c} c
     WHERE c.problem IS NULL AND c.${ref.column} IS NOT NULL AND NOT ${inParent(true)} AND NOT ${inWarehouse}
     ORDER BY c.line_no LIMIT 1`);
  if (rows.length) {
    const header = spec(ref.child).columns.find((x) => x.name === ref.column)!.header;
    throw new ImportError(`unknown ${ref.noun} ${JSON.stringify(rows[0].v)} (neither in ${path.basename(parentFile)} nor in the warehouse)`, childFile, rows[0].line_no, header);
  }
}

async function fileReport(client: PoolClient, s: FileSpec, file: string, st: StageResult): Promise<FileReport> {
  const t = typed(s.id);
  const problems = await reasonCounts(client, `SELECT problem AS reason, line_no FROM ${t} WHERE problem IS NOT NULL`);
  const keyHeaders = s.key.map((k) => s.columns.find((c) => c.name === k)!.header).join(' + ');
  const dups: ReasonCount[] = s.key.length
    ? await reasonCounts(client, `SELECT 'repeated ${keyHeaders} (last line kept)' AS reason, line_no FROM ${t} WHERE dup`)
    : [];
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE problem IS NULL AND NOT dup`);
  return {
    file,
    table: s.table,
    read: st.read,
    loaded: rows[0].n,
    rejected: mergeReasons(st.rejected.list(), problems),
    skipped: mergeReasons(st.skipped.list(), dups),
    notes: [],
    reader: st.reader,
  };
}

const ok = (id: Id) => `${typed(id)} WHERE problem IS NULL AND NOT dup`;

async function writeWarehouse(client: PoolClient, present: Set<Id>): Promise<TableReport[]> {
  const out: TableReport[] = [];
  const add = (r: TableReport) => {
    const prev = out.find((x) => x.table === r.table);
    if (!prev) out.push({ ...r });
    else for (const k of ['inserted', 'updated', 'unchanged', 'deleted'] as const) prev[k] += r[k];
  };

  add(await upsert(client, { table: 'product_category', columns: ['name', 'name_en'], key: ['name'], select: `SELECT name, name_en FROM ${ok('category')}` }));
  // Categories used by products but missing from the translation: a row without English name; never
  // overwrite one that has it.
  add(
    await upsert(client, {
      table: 'product_category',
      columns: ['name'],
      key: ['name'],
      update: false,
      select: `SELECT DISTINCT category_name FROM ${ok('product')} AND category_name IS NOT NULL
                 AND category_name NOT IN (SELECT name FROM ${ok('category')})`,
    }),
  );
  const productCols = ['id', 'category_name', 'name_length', 'description_length', 'photos_qty', 'weight_g', 'length_cm', 'height_cm', 'width_cm'];
  add(await upsert(client, { table: 'product', columns: productCols, key: ['id'], select: `SELECT ${productCols.join(', ')} FROM ${ok('product')}` }));

  if (present.has('geolocation')) {
    add(
      await upsert(client, {
        table: 'geolocation',
        columns: ['zip_prefix', 'lat', 'lng', 'city', 'state', 'points'],
        key: ['zip_prefix'],
        select: `SELECT zip_prefix, avg(lat), avg(lng), mode() WITHIN GROUP (ORDER BY city), mode() WITHIN GROUP (ORDER BY state), count(*)::int
                   FROM ${ok('geolocation')} GROUP BY zip_prefix`,
      }),
    );
  }
  if (present.has('seller')) {
    add(await upsert(client, { table: 'seller', columns: ['id', 'zip_prefix', 'city', 'state'], key: ['id'], select: `SELECT id, zip_prefix, city, state FROM ${ok('seller')}` }));
  } else {
    add(
      await upsert(client, {
        table: 'seller',
        columns: ['id'],
        key: ['id'],
        update: false,
        select: `SELECT DISTINCT seller_id FROM ${ok('item')} AND seller_id IS NOT NULL`,
      }),
    );
  }

  // The person's address: the account of their most recent order, else the account seen last in the file.
  add(
    await upsert(client, {
      table: 'customer',
      columns: ['customer_unique_id', 'zip_prefix', 'city', 'state'],
      key: ['customer_unique_id'],
      select: `SELECT DISTINCT ON (a.unique_id) a.unique_id, a.zip_prefix, a.city, a.state
                 FROM ${typed('customer')} a
                 LEFT JOIN (SELECT account_id, max(purchased_at) AS last_order FROM ${ok('order')} GROUP BY account_id) o
                        ON o.account_id = a.account_id
                WHERE a.problem IS NULL AND NOT a.dup
                ORDER BY a.unique_id, o.last_order DESC NULLS LAST, a.line_no DESC`,
    }),
  );
  add(
    await upsert(client, {
      table: 'customer_account',
      columns: ['account_id', 'customer_id', 'zip_prefix', 'city', 'state'],
      key: ['account_id'],
      select: `SELECT a.account_id, c.id, a.zip_prefix, a.city, a.state
                 FROM ${typed('customer')} a JOIN customer c ON c.customer_unique_id = a.unique_id
                WHERE a.problem IS NULL AND NOT a.dup`,
    }),
  );
  const orderCols = ['id', 'customer_id', 'account_id', 'status', 'purchased_at', 'approved_at', 'delivered_carrier_at', 'delivered_customer_at', 'estimated_delivery_at', 'source'];
  add(
    await upsert(client, {
      table: 'orders',
      columns: orderCols,
      key: ['id'],
      select: `SELECT o.id, a.customer_id, o.account_id, o.status, o.purchased_at, o.approved_at, o.delivered_carrier_at,
                      o.delivered_customer_at, o.estimated_delivery_at, 'olist'
                 FROM ${typed('order')} o JOIN customer_account a ON a.account_id = o.account_id
                WHERE o.problem IS NULL AND NOT o.dup`,
    }),
  );
  const itemCols = ['order_id', 'item_seq', 'product_id', 'seller_id', 'shipping_limit_at', 'price', 'freight'];
  add(await upsert(client, { table: 'order_item', columns: itemCols, key: ['order_id', 'item_seq'], select: `SELECT ${itemCols.join(', ')} FROM ${ok('item')}` }));
  const payCols = ['order_id', 'payment_seq', 'type', 'installments', 'value'];
  add(await upsert(client, { table: 'order_payment', columns: payCols, key: ['order_id', 'payment_seq'], select: `SELECT ${payCols.join(', ')} FROM ${ok('payment')}` }));
  const revCols = ['order_id', 'review_id', 'score', 'comment_title', 'comment_message', 'created_at', 'answered_at'];
  add(await upsert(client, { table: 'order_review', columns: revCols, key: ['order_id', 'review_id'], select: `SELECT ${revCols.join(', ')} FROM ${ok('review')}` }));
  // Every order the files touched (its own row, or an item, payment or review of it) gets its facts re-summed.
  const touched = (['order', 'item', 'payment', 'review'] as const)
    .filter((id) => present.has(id))
    .map((id) => `SELECT ${id === 'order' ? 'id' : 'order_id'} FROM ${ok(id)}`);
  // Without order files, customers and places may still have moved: the summaries follow (customers whose
  // state group changed are found by the refresh).
  if (touched.length) await refreshOrderFacts(client, touched.join(' UNION ALL '));
  else await refreshBiAggregates(client, { customersSql: 'SELECT NULL::int WHERE false' });
  return out;
}
