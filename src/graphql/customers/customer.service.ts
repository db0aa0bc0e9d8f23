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
import { CURRENT_LOAD } from '../../warehouse/bi-sql';
import { filterSql, type CustomerListFilter, type FilterSql } from '../../models/customer-filter';

export { filterSql, normalizeIdPrefix, type CustomerListFilter } from '../../models/customer-filter';
import { CLUSTER_PROFILE_JOIN, COUNT_LIMIT, modelSql } from './customer.sql';
import type { Order } from './order.type';

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
  // Prepared, as a row array: a list with totalCount sends one of a few such texts on every page.
  const rows = await queryRowArrays(
    ds,
    `SELECT CASE WHEN ${valid}
                 THEN (SELECT COALESCE(sum(t.customers), 0)::int FROM ${byState ? 'bi_state_count' : 'bi_segment_overlap'} t
                        WHERE t.model_version_id = mv.id ${where.map((w) => `AND ${w}`).join(' ')}) END AS n
       FROM model_version mv JOIN bi_model_aggregate a ON a.model_version_id = mv.id
      WHERE ${model}`,
    params,
    { prepare: true },
  );
  return rows.length ? (rows[0][0] as number | null) : null;
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
