import { badInput } from '../shared/errors';
import { LIST_STATE } from '../warehouse/bi-sql';
import { normalizeIdPrefix } from '../warehouse/customer-key';

export { normalizeIdPrefix };

/**
 * The conditions of a customer list (customer_segment `cs` ⋈ customer_features `f` ⋈ customer `c`), in one place
 * for every face that lists customers: the GraphQL `customers(filter)` and the CSV export of a segment.
 */

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

const ABC = new Set(['A', 'B', 'C']);
const XYZ = new Set(['X', 'Y', 'Z', 'S']);
const MAX_TEXT = 200;

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

export interface FilterSql {
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
    uncovered();
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
