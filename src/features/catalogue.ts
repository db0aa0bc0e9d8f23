/**
 * The feature catalogue: every column of `customer_features`, what it means, its unit, whether it enters
 * clustering (and log-transformed, for heavy-tailed ones), and when it is NULL. Downstream code (clustering,
 * classifier, API, docs) reads this list instead of hard-coding column names, and a test checks that it
 * matches the table.
 *
 * Conventions shared by every feature:
 * - Only purchase orders count (order_fact.is_purchase: status not canceled/unavailable) with
 *   purchased_at < as_of. Reviews count only when created before as_of, deliveries only when delivered before
 *   as_of, so a snapshot at a past as_of never sees the future (backtests rely on it).
 * - "Days" are fractional (seconds / 86,400). A purchase day is the UTC calendar day of purchased_at.
 * - An order's value is order_fact.value: the sum of its payments, else of its items (price + freight), else
 *   the net amount of its transaction-log lines (returns included, negative). Orders with no value at all are
 *   left out of value sums and means.
 * - A missing fact is NULL, never 0; the reason is stated per feature below.
 */

export type FeatureType = 'float' | 'int' | 'timestamp' | 'text';

export interface FeatureDef {
  /** API / code name (camelCase). */
  readonly name: string;
  /** Column of customer_features. */
  readonly column: string;
  readonly type: FeatureType;
  readonly unit: string;
  readonly description: string;
  /** Enters the clustering feature vector by default. */
  readonly clustering: boolean;
  /** Heavy-tailed: clustering uses signed log1p (see transformForClustering). */
  readonly logTransform: boolean;
  /** false when never NULL; otherwise when and why it is NULL. */
  readonly nullWhen: false | string;
}

const NO_VALUE = 'no purchase order before as_of has a known value (no payments, items or transaction lines)';

export const FEATURES: readonly FeatureDef[] = [
  {
    name: 'recencyDays', column: 'recency_days', type: 'float', unit: 'days',
    description: 'as_of minus the last purchase',
    clustering: true, logTransform: true, nullWhen: false,
  },
  {
    name: 'frequency', column: 'frequency', type: 'int', unit: 'orders',
    description: 'distinct purchase orders',
    clustering: true, logTransform: true, nullWhen: false,
  },
  {
    name: 'purchaseDays', column: 'purchase_days', type: 'int', unit: 'days',
    description: 'distinct purchase days (BG/NBD repeat count x = purchase_days - 1)',
    clustering: false, logTransform: false, nullWhen: false,
  },
  {
    name: 'firstPurchaseAt', column: 'first_purchase_at', type: 'timestamp', unit: 'timestamp',
    description: 'first purchase',
    clustering: false, logTransform: false, nullWhen: false,
  },
  {
    name: 'lastPurchaseAt', column: 'last_purchase_at', type: 'timestamp', unit: 'timestamp',
    description: 'last purchase before as_of',
    clustering: false, logTransform: false, nullWhen: false,
  },
  {
    name: 'monetary', column: 'monetary', type: 'float', unit: 'currency',
    description: 'sum of order values (payments; net amounts incl. returns for transaction logs)',
    clustering: true, logTransform: true, nullWhen: NO_VALUE,
  },
  {
    name: 'avgOrderValue', column: 'avg_order_value', type: 'float', unit: 'currency',
    description: 'mean order value',
    clustering: true, logTransform: true, nullWhen: NO_VALUE,
  },
  {
    name: 'orderValueCv', column: 'order_value_cv', type: 'float', unit: 'ratio',
    description: 'coefficient of variation of order values (sample standard deviation / mean)',
    clustering: false, logTransform: false,
    nullWhen: 'fewer than two orders with a value, or a mean order value <= 0 (undefined ratio)',
  },
  {
    name: 'tenureDays', column: 'tenure_days', type: 'float', unit: 'days',
    description: 'as_of minus the first purchase',
    clustering: true, logTransform: true, nullWhen: false,
  },
  {
    name: 'meanInterpurchaseDays', column: 'mean_interpurchase_days', type: 'float', unit: 'days',
    description: '(last purchase - first purchase) / (purchase_days - 1): the mean gap between purchase days',
    clustering: true, logTransform: true, nullWhen: 'a single purchase day (no gap to measure)',
  },
  {
    name: 'itemsPerOrder', column: 'items_per_order', type: 'float', unit: 'items',
    description: 'mean item lines per order, over orders that have items',
    clustering: false, logTransform: false, nullWhen: 'no order items (transaction logs have lines, not items)',
  },
  {
    name: 'distinctCategories', column: 'distinct_categories', type: 'int', unit: 'categories',
    description: 'distinct product categories bought (uncategorised products not counted)',
    clustering: false, logTransform: false, nullWhen: 'no order items (transaction logs)',
  },
  {
    name: 'topCategory', column: 'top_category', type: 'text', unit: 'category',
    description: 'most bought category by item lines; ties go to the first name in byte order (the same on every server)',
    clustering: false, logTransform: false, nullWhen: 'no item with a categorised product',
  },
  {
    name: 'avgReviewScore', column: 'avg_review_score', type: 'float', unit: 'score 1-5',
    description: 'mean review score over reviews created before as_of (each review weighs one)',
    clustering: true, logTransform: false, nullWhen: 'no review created before as_of',
  },
  {
    name: 'lowReviewShare', column: 'low_review_share', type: 'float', unit: 'share 0-1',
    description: 'share of those reviews with score <= 2',
    clustering: false, logTransform: false, nullWhen: 'no review created before as_of',
  },
  {
    name: 'avgDeliveryDelayDays', column: 'avg_delivery_delay_days', type: 'float', unit: 'days',
    description: 'mean (delivered - estimated delivery) over orders delivered before as_of; negative = early',
    clustering: false, logTransform: false, nullWhen: 'no order delivered before as_of with both dates known',
  },
  {
    name: 'lateDeliveryShare', column: 'late_delivery_share', type: 'float', unit: 'share 0-1',
    description: 'share of those orders delivered on a later (UTC) day than the estimated day',
    clustering: true, logTransform: false, nullWhen: 'no order delivered before as_of with both dates known',
  },
  {
    name: 'meanInstallments', column: 'mean_installments', type: 'float', unit: 'installments',
    description: "mean over paid orders of the order's largest installment count",
    clustering: true, logTransform: true, nullWhen: 'no payment rows (e.g. transaction logs)',
  },
  {
    name: 'creditCardShare', column: 'credit_card_share', type: 'float', unit: 'share 0-1',
    description: 'mean over paid orders of the share of payment rows made by credit card',
    clustering: false, logTransform: false, nullWhen: 'no payment rows (e.g. transaction logs)',
  },
  {
    name: 'returns', column: 'returns', type: 'int', unit: 'lines',
    description: 'return lines in transaction logs (0 for data without return lines)',
    clustering: false, logTransform: false, nullWhen: false,
  },
  {
    name: 'state', column: 'state', type: 'text', unit: 'state code',
    description: "customer's state (else the state of its zip prefix's geolocation)",
    clustering: false, logTransform: false, nullWhen: 'neither the customer nor its zip prefix has a state',
  },
  {
    name: 'lat', column: 'lat', type: 'float', unit: 'degrees',
    description: "latitude of the customer's zip prefix, else of its state's centroid",
    clustering: false, logTransform: false, nullWhen: 'no geolocation for the zip prefix and no known state',
  },
  {
    name: 'lng', column: 'lng', type: 'float', unit: 'degrees',
    description: "longitude of the customer's zip prefix, else of its state's centroid",
    clustering: false, logTransform: false, nullWhen: 'no geolocation for the zip prefix and no known state',
  },
  {
    name: 'repeatMonetaryMean', column: 'repeat_monetary_mean', type: 'float', unit: 'currency',
    description:
      'Gamma-Gamma spend: mean value per purchase day over the repeat purchase days (first purchase day excluded)',
    clustering: false, logTransform: true, nullWhen: 'a single purchase day (no repeat purchase)',
  },
];

const byKey = new Map<string, FeatureDef>();
for (const f of FEATURES) {
  byKey.set(f.name, f);
  byKey.set(f.column, f);
}

/** A feature by its name or its column; throws naming the unknown feature and listing the known ones. */
export function featureDef(nameOrColumn: string): FeatureDef {
  const f = byKey.get(nameOrColumn);
  if (!f) throw new RangeError(`unknown feature "${nameOrColumn}"; known: ${FEATURES.map((x) => x.name).join(', ')}`);
  return f;
}

/** The features that enter clustering by default, in catalogue order. */
export function clusteringFeatures(): FeatureDef[] {
  return FEATURES.filter((f) => f.clustering);
}

/**
 * Where a warehouse's orders came from, as far as clustering is concerned. An Olist-shaped store has reviews,
 * deliveries and payments; a transaction log has only (customer, date, amount) lines, so its customers differ
 * only in how often, how recently, how long and how much they buy.
 */
export type ClusteringSource = 'orders' | 'transaction-log';

/** Order-detail features that only an Olist-shaped store has: none of them present = a transaction log. */
export const ORDER_DETAIL_FEATURES = ['avgReviewScore', 'lateDeliveryShare', 'meanInstallments'] as const;

/**
 * The behavioural space of a transaction log: recency, frequency, monetary, tenure, mean interpurchase gap and
 * average order value, all log-transformed (heavy-tailed). The gap of a single-day customer is censored (no
 * second purchase yet): it enters as the tenure, the gap they have at least waited (see GAP_CENSORED_BY).
 */
export const TRANSACTION_LOG_CLUSTERING = ['recencyDays', 'frequency', 'monetary', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue'] as const;

/** A censored feature → the feature whose value stands in for its NULL (a lower bound of the unobserved value). */
export const CENSORED_BY: Readonly<Record<string, string>> = { meanInterpurchaseDays: 'tenureDays' };

/**
 * Candidate clustering features of a source, in the order they enter the space: the behavioural space, which every
 * source has and which carries how customers buy, then (Olist-shaped stores) the order-detail features, the richer
 * space that only such a store has. Without the behavioural features (tenure, gap, order value) the store's clusters
 * changed with the seed; without the order details, they split the newest customers apart from the rest of the store.
 */
export function clusteringFeaturesFor(source: ClusteringSource): FeatureDef[] {
  const names: readonly string[] = source === 'orders' ? [...TRANSACTION_LOG_CLUSTERING, ...ORDER_DETAIL_FEATURES] : TRANSACTION_LOG_CLUSTERING;
  return names.map((n) => featureDef(n));
}

/** Numeric features (those that can go into a matrix). */
export function isNumeric(f: FeatureDef): boolean {
  return f.type === 'float' || f.type === 'int';
}

/** The clustering transform of one feature (signed log1p when `logTransform`): defined with the clustering space. */
export { transformForClustering } from '../segmentation/feature-space';
