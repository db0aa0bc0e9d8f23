import type { DataSource } from 'typeorm';
import { badInput, notFound } from '../../shared/errors';
import { noActiveModel, parseModelId } from '../../models/model-ref';
import { connectionFromRows, type Connection } from '../common/connection';
import { decodeCursor } from '../common/cursor';
import { parsePageArgs, parseFirst } from '../common/page-args';
import { queryRowArrays } from '../common/sql-rows';
import type { GraphQLContext } from '../context';
import { CustomerOrderField, SortDirection } from './customer-enums';
import { pagePlan } from './customer-page';
import { ALL_CUSTOMER_FIELDS, type CustomerPageSelection } from './customer-selection';
import type { Customer } from './customer.type';
import { customerLookupKey, ORDER_SORT, orderPageKey } from './customer.loaders';
import { CURRENT_LOAD, LIST_STATE } from '../../warehouse/bi-sql';
import { CLUSTER_PROFILE_JOIN, COUNT_LIMIT, modelSql } from './customer.sql';
import type { Order } from './order.type';

/** Filter of a customer list; every given condition must hold. Same shape as the CustomerFilter input. */
export interface CustomerListFilter {
  clusterId?: string | number | null;
  rfmSegment?: string | null;
  abc?: string | null;
  xyz?: string | null;
  state?: string | null;
  idPrefix?: string | null;
  churnProbability?: { min?: number | null; max?: number | null } | null;
  clv?: { min?: number | null; max?: number | null } | null;
  lastPurchase?: { from?: Date | string | null; to?: Date | string | null } | null;
}

export interface CustomerListOrder {
  field: CustomerOrderField;
  direction?: SortDirection | null;
}

export interface ListCustomersOptions {
  /** A model version id (number or its ID string); default: the active model. */
  modelId?: string | number | null;
  first?: number | null;
  after?: string | null;
  filter?: CustomerListFilter | null;
  /** Default: PRIORITY DESC. */
  orderBy?: CustomerListOrder | null;
  /** Argument path prefix for error messages (e.g. "filter" → "filter.abc"). Default "filter". */
  filterArgument?: string;
  /**
   * What the caller will read of the page (see customerPageSelection); default everything. Only the columns these
   * fields need are read, and only these fields of the Customers are set.
   */
  selection?: CustomerPageSelection | null;
}

/**
 * Sort keys. Nullable ones are COALESCEd to -Infinity (unknown sorts lowest: last in DESC, first in ASC) so that
 * the keyset comparison never meets a NULL; migration 1764000000010 indexes exactly these expressions.
 * Features keys are compared with f.customer_id as the tiebreak so that (key, id) matches their index.
 */
const SORT_KEYS: Record<CustomerOrderField, { expr: string; id: string; nullable: boolean; features: boolean }> = {
  [CustomerOrderField.RECENCY]: { expr: 'f.recency_days', id: 'f.customer_id', nullable: false, features: true },
  [CustomerOrderField.FREQUENCY]: { expr: 'f.frequency', id: 'f.customer_id', nullable: false, features: true },
  [CustomerOrderField.MONETARY]: { expr: `COALESCE(f.monetary, '-Infinity'::float8)`, id: 'f.customer_id', nullable: true, features: true },
  [CustomerOrderField.CHURN_PROBABILITY]: { expr: `COALESCE(cs.churn_probability, '-Infinity'::float8)`, id: 'cs.customer_id', nullable: true, features: false },
  [CustomerOrderField.CLV]: { expr: `COALESCE(cs.clv, '-Infinity'::float8)`, id: 'cs.customer_id', nullable: true, features: false },
  [CustomerOrderField.PRIORITY]: { expr: `COALESCE(cs.priority_score, '-Infinity'::float8)`, id: 'cs.customer_id', nullable: true, features: false },
};

const ABC = new Set(['A', 'B', 'C']);
const XYZ = new Set(['X', 'Y', 'Z', 'S']);
const MAX_TEXT = 200;
const INT4_MAX = 2_147_483_647;
/** timestamptz as PostgreSQL prints it (the order cursor's key). */
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/** NOT_FOUND for a model that does not exist (or no active one). Run only when a statement found nothing. */
async function assertModel(ds: DataSource, modelId: number | null): Promise<void> {
  const rows: unknown[] = await ds.query(
    modelId === null ? `SELECT 1 FROM model_version WHERE is_active` : `SELECT 1 FROM model_version WHERE id = $1`,
    modelId === null ? [] : [modelId],
  );
  if (rows.length) return;
  if (modelId === null) throw noActiveModel();
  throw notFound(`model version ${modelId} does not exist`, { argument: 'modelId', id: modelId });
}

function text(v: string | null | undefined, argument: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw badInput(`${argument} must be a string`, { argument });
  if (v.length > MAX_TEXT) throw badInput(`${argument} is longer than ${MAX_TEXT} characters`, { argument });
  return v;
}

function finite(v: number | null | undefined, argument: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${argument} must be a finite number`, { argument });
  return v;
}

function instant(v: Date | string | null | undefined, argument: string): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw badInput(`${argument} must be a date-time`, { argument });
  return d;
}

/**
 * A typed id prefix as the stored ids are spelled: trimmed, and a whole float-looking id ("17850.0") cut to its
 * integer part, as the transaction-log importer (sqlIdentifier) and customer(id) normalize ids.
 */
export function normalizeIdPrefix(raw: string): string {
  const t = raw.trim();
  return /^[+-]?\d+\.0+$/.test(t) ? t.split('.')[0] : t;
}

interface FilterSql {
  where: string[];
  usesFeatures: boolean;
  usesCustomer: boolean;
  /** The conditions the summary tables can count (cluster, RFM segment, state); null when any other is present. */
  covered: { clusterId?: number; rfmSegment?: string; state?: string } | null;
}

/** Validates the filter (BAD_USER_INPUT naming the field) and turns it into parameterized conditions. */
export function filterSql(filter: CustomerListFilter | null | undefined, params: unknown[], argument = 'filter'): FilterSql {
  const out: FilterSql = { where: [], usesFeatures: false, usesCustomer: false, covered: {} };
  if (!filter) return out;
  const uncovered = () => (out.covered = null);
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.clusterId !== null && filter.clusterId !== undefined) {
    const s = String(filter.clusterId).trim();
    if (!/^-?\d{1,9}$/.test(s)) throw badInput(`${argument}.clusterId must be a cluster id (an integer), got ${JSON.stringify(s.slice(0, 40))}`, { argument: `${argument}.clusterId` });
    out.where.push(`cs.cluster_id = ${p(Number(s))}`);
    if (out.covered) out.covered.clusterId = Number(s);
  }
  const segment = text(filter.rfmSegment, `${argument}.rfmSegment`);
  if (segment !== null) {
    out.where.push(`cs.rfm_segment = ${p(segment)}`);
    if (out.covered) out.covered.rfmSegment = segment;
  }
  const abc = text(filter.abc, `${argument}.abc`);
  if (abc !== null) {
    const v = abc.trim().toUpperCase();
    if (!ABC.has(v)) throw badInput(`${argument}.abc must be A, B or C, got ${JSON.stringify(abc.slice(0, 40))}`, { argument: `${argument}.abc` });
    out.where.push(`cs.abc = ${p(v)}`);
    uncovered();
  }
  const xyz = text(filter.xyz, `${argument}.xyz`);
  if (xyz !== null) {
    const v = xyz.trim().toUpperCase();
    if (!XYZ.has(v)) throw badInput(`${argument}.xyz must be X, Y, Z or S, got ${JSON.stringify(xyz.slice(0, 40))}`, { argument: `${argument}.xyz` });
    out.where.push(`cs.xyz = ${p(v)}`);
    uncovered();
  }
  const prefix = text(filter.idPrefix, `${argument}.idPrefix`);
  if (prefix !== null) {
    const v = normalizeIdPrefix(prefix);
    if (v === '') throw badInput(`${argument}.idPrefix must not be empty`, { argument: `${argument}.idPrefix` });
    // A byte-wise range on the text_pattern_ops index (migration 1764000000080): it stays an index range in a
    // prepared statement's generic plan, where LIKE with a parameter could not. U+10FFFF is the highest code point
    // (a noncharacter no id holds), so every id that starts with the prefix sorts below prefix || U+10FFFF.
    const lo = p(v);
    out.where.push(`c.customer_unique_id ~>=~ ${lo}::text AND c.customer_unique_id ~<~ (${lo}::text || chr(1114111))`);
    out.usesCustomer = true;
  }
  const state = text(filter.state, `${argument}.state`);
  if (state !== null) {
    out.where.push(`${LIST_STATE} = ${p(state.trim())}`);
    out.usesCustomer = out.usesFeatures = true;
    if (out.covered) out.covered.state = state.trim();
  }
  for (const [name, column] of [
    ['churnProbability', 'cs.churn_probability'],
    ['clv', 'cs.clv'],
  ] as const) {
    const range = filter[name];
    if (!range) continue;
    const min = finite(range.min, `${argument}.${name}.min`);
    const max = finite(range.max, `${argument}.${name}.max`);
    if (min !== null && max !== null && min > max) {
      throw badInput(`${argument}.${name}: min (${min}) is greater than max (${max})`, { argument: `${argument}.${name}` });
    }
    if (min !== null) out.where.push(`${column} >= ${p(min)}`);
    if (max !== null) out.where.push(`${column} <= ${p(max)}`);
    if (min !== null || max !== null) uncovered();
  }
  if (filter.lastPurchase) {
    const from = instant(filter.lastPurchase.from, `${argument}.lastPurchase.from`);
    const to = instant(filter.lastPurchase.to, `${argument}.lastPurchase.to`);
    if (from && to && from > to) {
      throw badInput(`${argument}.lastPurchase: from (${from.toISOString()}) is after to (${to.toISOString()})`, { argument: `${argument}.lastPurchase` });
    }
    if (from) out.where.push(`f.last_purchase_at >= ${p(from)}`);
    if (to) out.where.push(`f.last_purchase_at < ${p(to)}`);
    if (from || to) {
      out.usesFeatures = true;
      uncovered();
    }
  }
  return out;
}

export function parseOrderBy(orderBy: CustomerListOrder | null | undefined): { field: CustomerOrderField; direction: SortDirection } {
  const field = orderBy?.field ?? CustomerOrderField.PRIORITY;
  const direction = orderBy?.direction ?? SortDirection.DESC;
  if (!(field in SORT_KEYS)) throw badInput(`orderBy.field must be one of ${Object.keys(SORT_KEYS).join(', ')}`, { argument: 'orderBy.field' });
  if (direction !== SortDirection.ASC && direction !== SortDirection.DESC) throw badInput('orderBy.direction must be ASC or DESC', { argument: 'orderBy.direction' });
  return { field, direction };
}

function modelArg(modelId: string | number | null | undefined): number | null {
  return modelId === null || modelId === undefined ? null : parseModelId(modelId, 'modelId');
}

/**
 * A page of a model's customers (customer_segment ⋈ the snapshot's customer_features ⋈ customer) in one
 * statement, ordered by the sort key then the customer, after a keyset cursor that encodes both (so pages
 * never skip or repeat rows). The rows carry the model row and the features the selection reads, set on each
 * Customer: resolving them afterwards costs no statement. `totalCount` is counted (one more statement) only
 * when a client reads it, from the model's summaries where they cover the filter (see countFromSummary);
 * cursors are encoded only when read.
 */
export async function listCustomers(ctx: GraphQLContext, opts: ListCustomersOptions): Promise<Connection<Customer> & { totalCount: number }> {
  const modelId = modelArg(opts.modelId);
  const { field, direction } = parseOrderBy(opts.orderBy);
  const sort = `${field}:${direction}`;
  const page = parsePageArgs({ first: opts.first, after: opts.after }, { sort });
  const key = SORT_KEYS[field];
  if (page.after && !(typeof page.after.key === 'number' || (page.after.key === null && key.nullable))) {
    throw badInput('after is not a valid cursor (wrong key): pass the endCursor of a previous page unchanged', { argument: 'after' });
  }
  if (page.after && !(typeof page.after.id === 'number' && page.after.id >= 1 && page.after.id <= INT4_MAX)) {
    throw badInput('after is not a valid cursor (wrong id): pass the endCursor of a previous page unchanged', { argument: 'after' });
  }

  const params: unknown[] = [];
  const model = modelSql(modelId, params);
  const filters = filterSql(opts.filter, params, opts.filterArgument ?? 'filter');
  const countParams = [...params];
  const where = [...filters.where];
  const cmp = direction === SortDirection.ASC ? '>' : '<';
  if (page.after) {
    params.push(page.after.key === null ? -Infinity : page.after.key, page.after.id);
    where.push(`(${key.expr}, ${key.id}) ${cmp} ($${params.length - 1}, $${params.length})`);
  }
  const plan = pagePlan(opts.selection ?? ALL_CUSTOMER_FIELDS);
  // Rows as arrays straight from the pool: a page is read once, into Customers (see customer-page.ts). Prepared:
  // the same few texts run again and again, and PostgreSQL then skips parsing and, with the LIMIT in the text
  // (a checked integer) so that its generic plan is the page's plan, planning too.
  const rows = await queryRowArrays(
    ctx.db,
    `SELECT ${plan.selectList(model.asOf, key.expr)}
       FROM customer_segment cs
       JOIN customer_features f ON f.snapshot_id = ${model.snapshot} AND f.customer_id = cs.customer_id
       JOIN customer c ON c.id = cs.customer_id
       ${CLUSTER_PROFILE_JOIN}
      WHERE cs.model_version_id = ${model.id}
        ${where.map((w) => `AND ${w}`).join('\n        ')}
      ORDER BY ${key.expr} ${direction}, ${key.id} ${direction}
      LIMIT ${page.limit + 1}`,
    params,
    { prepare: true },
  );
  if (rows.length === 0) await assertModel(ctx.db, modelId);

  const { sortKeyColumn, dbIdColumn } = plan;
  const connection = connectionFromRows(
    rows,
    page,
    (row) => {
      const k = row[sortKeyColumn] as number;
      return { key: Number.isFinite(k) ? k : null, id: row[dbIdColumn] as number, sort };
    },
    { toNode: plan.toCustomer },
  ) as Connection<Customer> & { totalCount: number };

  // Lazy: GraphQL reads the property only when the field is selected, and accepts the promise it returns.
  let counted: Promise<number> | undefined;
  Object.defineProperty(connection, 'totalCount', {
    enumerable: true,
    get: () => (counted ??= countCustomersSql(ctx.db, modelId, countParams, filters)),
  });
  return connection;
}

async function countCustomersSql(ds: DataSource, modelId: number | null, params: unknown[], filters: FilterSql, source: 'summary' | 'live' = 'summary'): Promise<number> {
  if (filters.covered && source === 'summary') {
    const n = await countFromSummary(ds, modelId, filters.covered);
    if (n !== null) return n;
  }
  // Rebuild the model subqueries against the same parameter numbering as filterSql used.
  const model = modelSql(modelId, []);
  const joins = [
    filters.usesFeatures ? `JOIN customer_features f ON f.snapshot_id = ${model.snapshot} AND f.customer_id = cs.customer_id` : '',
    filters.usesCustomer ? 'JOIN customer c ON c.id = cs.customer_id' : '',
  ].join('\n ');
  const from = `FROM customer_segment cs ${joins}
      WHERE cs.model_version_id = ${model.id} ${filters.where.map((w) => `AND ${w}`).join(' ')}`;
  // Covered filters (when their summary is missing) count exactly; any other stops at COUNT_LIMIT rows.
  const rows: { n: number }[] = await ds.query(
    filters.covered ? `SELECT count(*)::int AS n ${from}` : `SELECT count(*)::int AS n FROM (SELECT 1 ${from} LIMIT ${COUNT_LIMIT}) x`,
    params,
  );
  return rows[0].n;
}

/**
 * The count of a model's customers matching cluster, RFM segment and state conditions, summed from the
 * model's summary (a few hundred rows at most): bi_segment_overlap without a state, bi_state_count with one
 * (when it was built over the current warehouse load). Null when the summary cannot answer.
 */
async function countFromSummary(ds: DataSource, modelId: number | null, covered: NonNullable<FilterSql['covered']>): Promise<number | null> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const model = modelId === null ? 'mv.is_active' : `mv.id = ${p(modelId)}`;
  const where: string[] = [];
  if (covered.clusterId !== undefined) where.push(`t.cluster_id = ${p(covered.clusterId)}`);
  if (covered.rfmSegment !== undefined) where.push(`t.rfm_segment = ${p(covered.rfmSegment)}`);
  const byState = covered.state !== undefined;
  if (byState) where.push(`t.state = ${p(covered.state)}`);
  // By state the counts join the snapshot's features and the person: they hold for that snapshot and load.
  const valid = byState
    ? `a.snapshot_id IS NOT DISTINCT FROM mv.snapshot_id AND a.load_no = ${CURRENT_LOAD}`
    : 'true';
  const rows: { n: number | null }[] = await ds.query(
    `SELECT CASE WHEN ${valid}
                 THEN (SELECT COALESCE(sum(t.customers), 0)::int FROM ${byState ? 'bi_state_count' : 'bi_segment_overlap'} t
                        WHERE t.model_version_id = mv.id ${where.map((w) => `AND ${w}`).join(' ')}) END AS n
       FROM model_version mv JOIN bi_model_aggregate a ON a.model_version_id = mv.id
      WHERE ${model}`,
    params,
  );
  return rows.length ? rows[0].n : null;
}

/** Customers matching a filter (the totalCount of listCustomers), as one statement. */
export async function countCustomers(
  ctx: Pick<GraphQLContext, 'db'>,
  opts: Pick<ListCustomersOptions, 'modelId' | 'filter' | 'filterArgument'>,
  source: 'summary' | 'live' = 'summary',
): Promise<number> {
  const modelId = modelArg(opts.modelId);
  const params: unknown[] = [];
  modelSql(modelId, params);
  const filters = filterSql(opts.filter, params, opts.filterArgument ?? 'filter');
  return countCustomersSql(ctx.db, modelId, params, filters, source);
}

/**
 * One customer by its public id. The id is normalized as the transaction-log importer normalizes customer
 * values (`17850.0` → `17850`), so both spellings find the customer; an exact match wins. Null when unknown.
 * Lookups of one request are batched (one statement for many aliased `customer` fields); the model row and
 * features (of `modelId`, default the active model) come in the same statement, attached to the customer. Without
 * any active model the customer is returned with its model fields null; an unknown explicit model is NOT_FOUND.
 */
export async function getCustomer(ctx: GraphQLContext, rawId: string, modelIdArg?: string | number | null): Promise<Customer | null> {
  const modelId = modelArg(modelIdArg);
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > MAX_TEXT) return null;
  return ctx.loaders.customerByPublicId.load(customerLookupKey(rawId, modelId));
}

/** A page of a customer's orders, newest first (through the request's batched loader). */
export async function customerOrders(
  ctx: GraphQLContext,
  customer: Customer,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<Order> & { totalCount: number }> {
  const limit = parseFirst(args.first);
  let after: { purchasedAt: string; id: string } | null = null;
  if (args.after !== null && args.after !== undefined) {
    const c = decodeCursor(args.after, { argument: 'after', sort: ORDER_SORT });
    if (typeof c.key !== 'string' || typeof c.id !== 'string' || !PG_TIMESTAMPTZ.test(c.key)) {
      throw badInput('after is not a valid cursor (wrong key): pass the endCursor of a previous page unchanged', { argument: 'after' });
    }
    after = { purchasedAt: c.key, id: c.id };
  }
  return ctx.loaders.customerOrderPage.load(orderPageKey({ customerDbId: customer.dbId, limit, after }));
}
