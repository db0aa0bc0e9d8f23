import { FEATURES } from '../../features/catalogue';
import type { ChurnTier } from './customer-enums';
import type { CustomerPageSelection } from './customer-selection';
import type { CustomerFeatures } from './customer-features.type';
import { Customer } from './customer.type';

/**
 * How a page of customers is read for one selection (see customerPageSelection): the SELECT list of the page
 * statement, with only the columns the selected fields need, and the mapping of its rows (arrays, in
 * select-list order) to Customers with only those fields set. Plans are made once per selection.
 *
 * Aliases: `c` customer, `cs` customer_segment, `sp` the cluster's segment_profile, `f` customer_features (the
 * page statement joins all four; see listCustomers).
 */
export interface PagePlan {
  /** The SELECT list: `asOf` is the SQL of the snapshot's as-of, `sortKey` the sort key expression (last column). */
  selectList(asOf: string, sortKey: string): string;
  toCustomer(row: unknown[]): Customer;
  /** Column of the sort key and of customer.id (a cursor's key and id). */
  readonly sortKeyColumn: number;
  readonly dbIdColumn: number;
}

const AS_OF = Symbol('as-of');

const RFM = ['cs.r', 'cs.f', 'cs.m', 'cs.rfm_score', 'cs.rfm_segment', 'cs.churn_tier'];
const ABC_XYZ = ['cs.abc', 'cs.xyz'];
const CLUSTER = ['cs.cluster_id', 'sp.name'];
const CHURN = ['cs.p_alive', 'cs.churn_probability', 'cs.expected_purchases_90d', 'cs.expected_avg_spend', 'cs.clv', 'cs.value_if_retained', 'cs.value_at_risk'];

function buildPlan(selection: CustomerPageSelection): PagePlan {
  const columns: (string | typeof AS_OF)[] = [];
  const add = (...sql: (string | typeof AS_OF)[]) => columns.push(...sql) - sql.length;
  const has = (field: string) => selection.fields.has(field);
  const ifSelected = (field: string, sql: string[]) => (has(field) ? add(...sql) : -1);

  const dbId = add('c.id');
  const id = add('c.customer_unique_id');
  const modelId = add('cs.model_version_id');
  const snapshotId = add('f.snapshot_id');
  const state = ifSelected('state', ['COALESCE(c.state, f.state)']);
  const city = ifSelected('city', ['c.city']);
  const zipPrefix = ifSelected('zipPrefix', ['c.zip_prefix']);
  const priorityScore = ifSelected('priorityScore', ['cs.priority_score']);
  const rfm = ifSelected('rfm', RFM);
  const abcXyz = ifSelected('abcXyz', ABC_XYZ);
  const cluster = ifSelected('cluster', CLUSTER);
  const churn = ifSelected('churn', CHURN);

  // The features object holds the CustomerFeatures fields selected (all without a selection), in catalogue order.
  const wanted = selection.features;
  const withFeatures = has('features');
  const asOf = withFeatures && (wanted === null || wanted.has('asOf')) ? add(AS_OF) : -1;
  const features: { name: string; column: number }[] = [];
  let lat = -1;
  let lng = -1;
  for (const f of FEATURES) {
    const forCustomer = (f.name === 'lat' && has('lat')) || (f.name === 'lng' && has('lng'));
    const forFeatures = withFeatures && (wanted === null || wanted.has(f.name));
    if (!forCustomer && !forFeatures) continue;
    const column = add(`f.${f.column}`);
    if (forFeatures) features.push({ name: f.name, column });
    if (f.name === 'lat') lat = column;
    if (f.name === 'lng') lng = column;
  }
  const sortKeyColumn = columns.length;

  const featuresOf = (row: unknown[]): CustomerFeatures => {
    const out: Record<string, unknown> = {};
    if (asOf >= 0) out.asOf = row[asOf];
    for (const f of features) out[f.name] = row[f.column];
    return out as unknown as CustomerFeatures;
  };

  return {
    sortKeyColumn,
    dbIdColumn: dbId,
    selectList(asOfSql: string, sortKey: string): string {
      return [...columns.map((c) => (c === AS_OF ? asOfSql : c)), sortKey].join(', ');
    },
    toCustomer(row: unknown[]): Customer {
      // The page joins the model's row (cluster_id NOT NULL) and the feature row: neither is ever missing.
      const c = new Customer();
      c.dbId = row[dbId] as number;
      c.id = row[id] as string;
      c.modelId = row[modelId] as number;
      c.snapshotId = row[snapshotId] as number;
      if (state >= 0) c.state = row[state] as string | null;
      if (city >= 0) c.city = row[city] as string | null;
      if (zipPrefix >= 0) c.zipPrefix = row[zipPrefix] as string | null;
      if (priorityScore >= 0) c.priorityScore = row[priorityScore] as number | null;
      if (rfm >= 0) {
        c.rfm = {
          r: row[rfm] as number,
          f: row[rfm + 1] as number,
          m: row[rfm + 2] as number,
          score: row[rfm + 3] as number,
          segment: row[rfm + 4] as string,
          churnTier: row[rfm + 5] as ChurnTier,
        };
      }
      if (abcXyz >= 0) {
        const abc = row[abcXyz] as string;
        const xyz = row[abcXyz + 1] as string;
        c.abcXyz = { abc, xyz, class: abc + xyz };
      }
      if (cluster >= 0) {
        const clusterId = row[cluster] as number;
        c.cluster = { id: String(clusterId), name: (row[cluster + 1] as string | null) ?? `Cluster ${clusterId}` };
      }
      if (churn >= 0) {
        const pAlive = row[churn] as number | null;
        const churnProbability = row[churn + 1] as number | null;
        const expectedPurchases90d = row[churn + 2] as number | null;
        const expectedAvgSpend = row[churn + 3] as number | null;
        const clv = row[churn + 4] as number | null;
        const valueIfRetained = row[churn + 5] as number | null;
        const valueAtRisk = row[churn + 6] as number | null;
        c.churn =
          pAlive === null && churnProbability === null && expectedPurchases90d === null && expectedAvgSpend === null && clv === null
            ? null
            : { pAlive, churnProbability, expectedPurchases90d, expectedAvgSpend, clv, valueIfRetained, valueAtRisk };
      }
      if (withFeatures) c.features = featuresOf(row);
      if (lat >= 0) c.lat = row[lat] as number | null;
      if (lng >= 0) c.lng = row[lng] as number | null;
      return c;
    },
  };
}

const plans = new WeakMap<CustomerPageSelection, PagePlan>();

/** The plan of a selection, made on first use (selections are cached per operation, and so are their plans). */
export function pagePlan(selection: CustomerPageSelection): PagePlan {
  let plan = plans.get(selection);
  if (!plan) plans.set(selection, (plan = buildPlan(selection)));
  return plan;
}
