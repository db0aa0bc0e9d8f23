import type { DataSource } from 'typeorm';
import { featuresForCustomers } from '../../features/features.service';
import { classifierRow, CATEGORICAL_FEATURES } from '../../classifier/classifier-row';
import { toClusteringSpace, type FeatureSpace } from '../../segmentation/feature-space';
import { spaceTransforms } from '../steps/clustering.step';
import { quintileThresholdRanks, rfmSegment } from '../../segmentation/rfm';
import type { StandardScalerJSON } from '../../segmentation/scaler';
import { badInput, notFound } from '../../shared/errors';
import { noActiveModel } from '../model-ref';
import { NaiveBayes, type NaiveBayesJSON } from '../../classifier/naive-bayes';

/**
 * Classification against a stored model: a feature row goes through the model's own feature space
 * (toClusteringSpace: signed log1p, median imputation, scaling) and classifier row layout (classifierRow),
 * then its naive Bayes gives the cluster, the probability of every cluster and the features that decided.
 *
 * The parsed model is cached in memory by model id: a model version never changes once written, so a cached
 * entry can only be stale by being unused. Which model is active is remembered per data source: an activation
 * or a retrain in this process drops both caches at once (invalidateModelCache); one made elsewhere arrives as
 * a notification (src/models/activation-bus.ts) that forgets it (forgetActiveModel). Without a listening
 * connection the id is trusted for ACTIVE_MODEL_TTL_MS only, so a change is seen within that time anyway.
 * So a classification costs no SQL
 * statement at all most of the time; asking the database on every request cost about as much server CPU as
 * everything else together.
 */

type Db = Pick<DataSource, 'query'>;

/** The 27 federative units of Brazil (the states a customer can live in). */
export const BRAZIL_STATES: readonly string[] = [
  'AC', 'AL', 'AM', 'AP', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MG', 'MS', 'MT', 'PA',
  'PB', 'PE', 'PI', 'PR', 'RJ', 'RN', 'RO', 'RR', 'RS', 'SC', 'SE', 'SP', 'TO',
];
const STATE_SET = new Set(BRAZIL_STATES);

/** Features the explanation lists, largest influence first. */
export const TOP_FEATURES = 5;
/** Customers one classifyCustomers call may name. */
export const MAX_CLASSIFY_BATCH = 500;

// ---------------------------------------------------------------------------------------------------------
// RFM against a snapshot's quintiles

/**
 * Where a value starts to earn each score of one RFM dimension of a snapshot, by the tie-aware quintile rule
 * of src/segmentation/rfm.ts. Score ≥ s exactly when at least k_s snapshot values lie strictly below the value,
 * i.e. when the value exceeds the k_s-th smallest one; `above[s-2]` is that k_s-th smallest value (null when
 * k_s = 0: always reached). Applied to a snapshot member's own value it gives back the member's stored score.
 */
export interface QuintileBoundaries {
  /** Thresholds for scores 2, 3, 4, 5. */
  above: (number | null)[];
}

export interface RfmBoundaries {
  r: QuintileBoundaries;
  f: QuintileBoundaries;
  m: QuintileBoundaries;
}

/**
 * Boundaries as a model version stores them (metrics.rfmBoundaries, written by the train pipeline from the arrays it
 * scored): JSON has no −Infinity, the threshold of M when no spend is known, so it is written as the string.
 */
export type StoredRfmBoundaries = Record<'r' | 'f' | 'm', (number | '-Infinity' | null)[]>;

export function storeRfmBoundaries(b: Record<'r' | 'f' | 'm', (number | null)[]>): StoredRfmBoundaries {
  const enc = (a: (number | null)[]) => a.map((v) => (v === -Infinity ? '-Infinity' : v));
  return { r: enc(b.r), f: enc(b.f), m: enc(b.m) };
}

export function readRfmBoundaries(s: StoredRfmBoundaries): RfmBoundaries {
  const dec = (a: (number | '-Infinity' | null)[]) => ({ above: a.map((v) => (v === '-Infinity' ? -Infinity : v)) });
  return { r: dec(s.r), f: dec(s.f), m: dec(s.m) };
}

/** Score 1–5 of `v` against boundaries (v is oriented like the snapshot's: larger is better). */
export function quintileScore(b: QuintileBoundaries, v: number): number {
  let score = 1;
  for (const t of b.above) if (t === null || v > t) score++;
  return score;
}

/** A snapshot's values per RFM dimension, oriented as scoring.step.ts scores them (larger is better). */
const RFM_VALUES_SQL = `
WITH s AS (
  SELECT -recency_days AS r, frequency::float8 AS f, COALESCE(monetary, '-Infinity'::float8) AS m
    FROM customer_features WHERE snapshot_id = $1
)
SELECT 'r' AS dim, r AS v FROM s UNION ALL SELECT 'f', f FROM s UNION ALL SELECT 'm', m FROM s`;

/** Per dimension: how many values, and how many share the smallest one (what the quintile rule needs). */
const RFM_COUNTS_SQL = `
WITH d AS (${RFM_VALUES_SQL}), st AS (SELECT dim, min(v) AS vmin FROM d GROUP BY dim)
SELECT dim, count(*)::int AS n, (count(*) FILTER (WHERE d.v = st.vmin))::int AS floor FROM d JOIN st USING (dim) GROUP BY dim`;

/** Per dimension, the value at each requested rank (1 = smallest). $2 dims, $3 ranks, pairwise. */
const RFM_VALUES_AT_RANKS_SQL = `
WITH d AS (${RFM_VALUES_SQL}),
ranked AS (SELECT dim, v, row_number() OVER (PARTITION BY dim ORDER BY v) AS rn FROM d)
SELECT ranked.dim, ranked.rn::int AS k, ranked.v
  FROM ranked JOIN unnest($2::text[], $3::int[]) AS want(dim, k) ON want.dim = ranked.dim AND want.k = ranked.rn`;

/**
 * The quintile boundaries of a snapshot (null when it has no rows): the ranks come from the quintile rule of
 * src/segmentation/rfm.ts (quintileThresholdRanks), the values at those ranks from the snapshot.
 */
export async function rfmBoundaries(db: Db, snapshotId: number): Promise<RfmBoundaries | null> {
  const counts = (await db.query(RFM_COUNTS_SQL, [snapshotId])) as { dim: 'r' | 'f' | 'm'; n: number; floor: number }[];
  if (counts.length === 0) return null;
  const ranks = counts.map((c) => ({ dim: c.dim, ks: quintileThresholdRanks(c.n, c.floor) }));
  const wanted = ranks.flatMap((r) => r.ks.filter((k) => k > 0).map((k) => [r.dim, k] as const));
  const rows = (await db.query(RFM_VALUES_AT_RANKS_SQL, [snapshotId, wanted.map((w) => w[0]), wanted.map((w) => w[1])])) as {
    dim: 'r' | 'f' | 'm';
    k: number;
    v: number;
  }[];
  const valueAt = new Map(rows.map((row) => [`${row.dim}:${row.k}`, row.v]));
  const out: RfmBoundaries = { r: { above: [] }, f: { above: [] }, m: { above: [] } };
  for (const { dim, ks } of ranks) out[dim].above = ks.map((k) => (k <= 0 ? null : (valueAt.get(`${dim}:${k}`) ?? null)));
  return out;
}

/** R, F, M scores and the segment of one customer's values against a snapshot's boundaries. */
export function scoreRfmAgainst(b: RfmBoundaries, x: { recencyDays: number; frequency: number; monetary: number | null }): { r: number; f: number; m: number; segment: string } {
  const r = quintileScore(b.r, -x.recencyDays);
  const f = quintileScore(b.f, x.frequency);
  const m = quintileScore(b.m, x.monetary ?? -Infinity);
  return { r, f, m, segment: rfmSegment(r, f) };
}

// ---------------------------------------------------------------------------------------------------------
// The servable model, cached

export interface ServableModel {
  id: number;
  asOf: Date;
  snapshotId: number | null;
  space: FeatureSpace;
  classifier: NaiveBayes<number>;
  clusterNames: Map<number, string>;
  /** Loaded on first use (one statement over the snapshot), then kept with the model. */
  rfm(db: Db): Promise<RfmBoundaries | null>;
}

/** Model versions that may serve classifications (backtest versions are trained on a past cut-off only). */
export const SERVABLE_STATUS = 'ready';

const MAX_CACHED_MODELS = 4;
const cache = new Map<number, Promise<ServableModel>>();

/** How long the active model's id is trusted before asking the database again. */
export const ACTIVE_MODEL_TTL_MS = 1000;
/** Per data source (one database): the active model id (null = none) and when it was read. */
let activeIds = new WeakMap<object, { id: number | null; at: number }>();

/** Forgets cached models (all, or one id) and which one is active. Called on activation and after a retrain. */
export function invalidateModelCache(id?: number): void {
  activeIds = new WeakMap();
  if (id === undefined) cache.clear();
  else cache.delete(id);
}

/**
 * With an activation listener on a data source (src/models/activation-bus.ts), every activation is pushed to
 * it, so its active id is kept until told otherwise; this long bound only covers a notification lost
 * without the connection dropping.
 */
export const PUSHED_ACTIVE_MODEL_TTL_MS = 60_000;
const pushed = new WeakSet<object>();

/** Marks `db`'s active model as pushed by a live activation listener (true) or polled (false). */
export function setActiveModelPushed(db: object, on: boolean): void {
  if (on) pushed.add(db);
  else pushed.delete(db);
}

/** Forgets which model is active for one data source (its parsed models stay cached by id). */
export function forgetActiveModel(db: object): void {
  activeIds.delete(db);
  generations.set(db, (generations.get(db) ?? 0) + 1);
}
/** Bumped by each forget, so that a read started before an activation cannot store the old id after it. */
const generations = new WeakMap<object, number>();

async function activeModelId(db: Db): Promise<number | null> {
  const hit = activeIds.get(db);
  if (hit && Date.now() - hit.at < (pushed.has(db) ? PUSHED_ACTIVE_MODEL_TTL_MS : ACTIVE_MODEL_TTL_MS)) return hit.id;
  const gen = generations.get(db);
  const [row] = (await db.query(`SELECT id FROM model_version WHERE is_active`)) as { id: number }[];
  const id = row ? row.id : null;
  if (generations.get(db) === gen) activeIds.set(db, { id, at: Date.now() });
  return id;
}

/** How many models are cached (for tests). */
export function cachedModelIds(): number[] {
  return [...cache.keys()];
}

interface ModelRow {
  id: number;
  status: string;
  as_of: Date;
  snapshot_id: number | null;
  feature_names: string[];
  imputation: Record<string, number>;
  scaler: StandardScalerJSON;
  classifier: NaiveBayesJSON<number>;
  cluster_names: Record<string, string> | null;
  rfm_boundaries: StoredRfmBoundaries | null;
}

async function loadModel(db: Db, id: number): Promise<ServableModel> {
  const [row] = (await db.query(
    `SELECT id, status, as_of, snapshot_id, feature_names, imputation, scaler, classifier, metrics->'clusterNames' AS cluster_names,
            metrics->'rfmBoundaries' AS rfm_boundaries
       FROM model_version WHERE id = $1`,
    [id],
  )) as ModelRow[];
  if (!row) throw notFound(`model version ${id} does not exist`, { id: String(id) });
  const missing = row.feature_names.filter((f) => typeof row.imputation?.[f] !== 'number');
  if (missing.length) throw new Error(`model version ${id} has no imputation median for ${missing.join(', ')}`);
  const space: FeatureSpace = {
    featureNames: row.feature_names,
    medians: row.feature_names.map((f) => row.imputation[f]),
    scaler: row.scaler,
    dropped: [],
  };
  const classifier = NaiveBayes.fromJSON<number>(row.classifier);
  const clusterNames = new Map<number, string>(classifier.classes.map((c) => [c, row.cluster_names?.[String(c)] ?? `Cluster ${c}`]));
  // Stored by the train pipeline, decoded once; versions trained before that compute them over their snapshot on
  // first use (one sort of every customer's R, F and M: 15 s at 1M customers).
  let rfm: Promise<RfmBoundaries | null> | null = row.rfm_boundaries?.r?.length ? Promise.resolve(readRfmBoundaries(row.rfm_boundaries)) : null;
  return {
    id: row.id,
    asOf: new Date(row.as_of),
    snapshotId: row.snapshot_id,
    space,
    classifier,
    clusterNames,
    rfm(q: Db) {
      if (row.snapshot_id === null) return Promise.resolve(null);
      rfm ??= rfmBoundaries(q, row.snapshot_id).catch((e) => {
        rfm = null;
        throw e;
      });
      return rfm;
    },
  };
}

/** A model version, parsed once and cached by id. */
export function servableModel(db: Db, id: number): Promise<ServableModel> {
  let p = cache.get(id);
  if (!p) {
    p = loadModel(db, id);
    cache.set(id, p);
    p.catch(() => cache.delete(id));
    while (cache.size > MAX_CACHED_MODELS) cache.delete(cache.keys().next().value as number);
  } else {
    // Most recently used last, so the eviction above drops the least recently used.
    cache.delete(id);
    cache.set(id, p);
  }
  return p;
}

/** The active model, parsed (cached). NOT_FOUND when no model is active. */
export async function activeServableModel(db: Db): Promise<ServableModel> {
  const id = await activeModelId(db);
  if (id === null) throw noActiveModel();
  return servableModel(db, id);
}

/**
 * Loads the active model into the cache, RFM boundaries included, so that the first classification after a
 * start or an activation does not pay for it. Returns the model id (null when none is active).
 */
export async function warmActiveModel(db: Db): Promise<number | null> {
  const id = await activeModelId(db);
  if (id === null) return null;
  const model = await servableModel(db, id);
  await model.rfm(db);
  return id;
}

// ---------------------------------------------------------------------------------------------------------
// Classification

export interface ClusterProbability {
  clusterId: string;
  name: string;
  probability: number;
}

export interface Classification {
  cluster: { id: string; name: string };
  /** Every cluster of the model, most probable first; they sum to 1. */
  probabilities: ClusterProbability[];
  rfmSegment: string | null;
  modelId: string;
  /** log-likelihood of the chosen cluster minus the runner-up's, per feature; largest |contribution| first. */
  topFeatures: { feature: string; contribution: number; value: string | null }[];
  customerId: string | null;
  /** As-of of the features used: a warehouse customer's current features; null for supplied features. */
  featuresAsOf: Date | null;
}

interface FeatureRow {
  /** Catalogue name → value (null / absent = missing, imputed with the model's median). */
  numeric: Record<string, number | null | undefined>;
  state: string | null;
  topCategory: string | null;
}

function classifyRow(model: ServableModel, x: FeatureRow): Omit<Classification, 'rfmSegment' | 'customerId' | 'featuresAsOf'> {
  const names = model.space.featureNames;
  const raw = new Float64Array(names.length);
  names.forEach((f, j) => {
    const v = x.numeric[f];
    raw[j] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
  });
  const z = toClusteringSpace(model.space, spaceTransforms(model.space), raw, 1);
  const row = classifierRow(model.space, z, 0, { state: x.state, topCategory: x.topCategory });
  const explanation = model.classifier.explain(row);
  const [proba] = model.classifier.predictProba([row]);
  const classes = model.classifier.classes;
  const name = (c: number) => model.clusterNames.get(c) ?? `Cluster ${c}`;
  const probabilities = classes
    .map((c, i) => ({ clusterId: String(c), name: name(c), probability: proba[i] }))
    .sort((a, b) => b.probability - a.probability || Number(a.clusterId) - Number(b.clusterId));
  return {
    cluster: { id: String(explanation.predicted), name: name(explanation.predicted) },
    probabilities,
    modelId: String(model.id),
    topFeatures: explanation.contributions.slice(0, TOP_FEATURES).map((c) => ({
      feature: c.feature,
      contribution: c.contribution,
      // Numeric features are explained in the model's scaled units; the input's own value is more telling.
      value: c.kind === 'categorical' ? String(c.value) : x.numeric[c.feature] === null || x.numeric[c.feature] === undefined ? null : String(x.numeric[c.feature]),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Features supplied by the caller

export interface SuppliedFeatures {
  recencyDays: number;
  frequency: number;
  monetary: number;
  tenureDays: number;
  avgOrderValue?: number | null;
  meanInterpurchaseDays?: number | null;
  itemsPerOrder?: number | null;
  distinctCategories?: number | null;
  avgReviewScore?: number | null;
  lowReviewShare?: number | null;
  avgDeliveryDelayDays?: number | null;
  lateDeliveryShare?: number | null;
  meanInstallments?: number | null;
  creditCardShare?: number | null;
  state?: string | null;
  topCategory?: string | null;
}

interface NumericRule {
  required?: boolean;
  integer?: boolean;
  min: number;
  max: number;
  unit: string;
}

const DAYS_100Y = 36_525;
/** Plausible ranges of the numeric inputs (units as in src/features/catalogue.ts). */
export const SUPPLIED_FEATURE_RULES: Record<Exclude<keyof SuppliedFeatures, 'state' | 'topCategory'>, NumericRule> = {
  recencyDays: { required: true, min: 0, max: DAYS_100Y, unit: 'days' },
  frequency: { required: true, integer: true, min: 1, max: 1_000_000, unit: 'orders' },
  monetary: { required: true, min: 0, max: 1e12, unit: 'currency' },
  tenureDays: { required: true, min: 0, max: DAYS_100Y, unit: 'days' },
  avgOrderValue: { min: 0, max: 1e12, unit: 'currency' },
  meanInterpurchaseDays: { min: 0, max: DAYS_100Y, unit: 'days' },
  itemsPerOrder: { min: 0, max: 100_000, unit: 'items' },
  distinctCategories: { integer: true, min: 0, max: 100_000, unit: 'categories' },
  avgReviewScore: { min: 1, max: 5, unit: 'score' },
  lowReviewShare: { min: 0, max: 1, unit: 'share' },
  avgDeliveryDelayDays: { min: -3650, max: 3650, unit: 'days' },
  lateDeliveryShare: { min: 0, max: 1, unit: 'share' },
  meanInstallments: { min: 0, max: 100, unit: 'installments' },
  creditCardShare: { min: 0, max: 1, unit: 'share' },
};

const MAX_CATEGORY_LENGTH = 100;

/**
 * Validates supplied features up front; every error is BAD_USER_INPUT naming the field (`input.<field>`).
 * Returns them with state normalised to upper case and blank texts as missing.
 */
export function validateSuppliedFeatures(input: SuppliedFeatures, argument = 'input'): FeatureRow & { values: SuppliedFeatures } {
  if (input === null || typeof input !== 'object') throw badInput(`${argument} must be an object of features`, { argument });
  const bad = (field: string, why: string) => badInput(`${argument}.${field} ${why}`, { argument, field: `${argument}.${field}` });
  const known = new Set([...Object.keys(SUPPLIED_FEATURE_RULES), 'state', 'topCategory']);
  for (const k of Object.keys(input)) if (!known.has(k)) throw bad(k, `is not a feature (known: ${[...known].join(', ')})`);
  const numeric: Record<string, number | null> = {};
  for (const [field, rule] of Object.entries(SUPPLIED_FEATURE_RULES)) {
    const v = (input as unknown as Record<string, unknown>)[field];
    if (v === undefined || v === null) {
      if (rule.required) throw bad(field, 'is required');
      numeric[field] = null;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(field, `must be a finite number, got ${JSON.stringify(v)}`);
    if (rule.integer && !Number.isInteger(v)) throw bad(field, `must be a whole number, got ${v}`);
    if (v < rule.min || v > rule.max) throw bad(field, `must be between ${rule.min} and ${rule.max} ${rule.unit}, got ${v}`);
    numeric[field] = v;
  }
  if ((numeric.tenureDays as number) < (numeric.recencyDays as number)) {
    throw bad('tenureDays', `(${numeric.tenureDays} days since the first purchase) cannot be less than recencyDays (${numeric.recencyDays} days since the last)`);
  }
  if (numeric.meanInterpurchaseDays !== null && numeric.meanInterpurchaseDays > (numeric.tenureDays as number)) {
    throw bad('meanInterpurchaseDays', `(${numeric.meanInterpurchaseDays}) cannot exceed tenureDays (${numeric.tenureDays})`);
  }
  const text = (field: 'state' | 'topCategory'): string | null => {
    const v = input[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw bad(field, `must be a string, got ${JSON.stringify(v)}`);
    const t = v.trim();
    if (t === '') return null;
    if (t.length > MAX_CATEGORY_LENGTH) throw bad(field, `is longer than ${MAX_CATEGORY_LENGTH} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(t)) throw bad(field, 'contains control characters');
    return t;
  };
  let state = text('state');
  if (state !== null) {
    state = state.toUpperCase();
    if (!STATE_SET.has(state)) throw bad('state', `must be a Brazilian state code (${BRAZIL_STATES.join(', ')}), got ${JSON.stringify(input.state)}`);
  }
  const topCategory = text('topCategory');
  return { numeric, state, topCategory, values: { ...(input as SuppliedFeatures), state, topCategory } };
}

/**
 * Classifies a customer who is not in the warehouse (yet) from supplied features, with the active model.
 * Missing optional features are imputed with the model's medians; the RFM segment scores recency, frequency
 * and monetary against the quintiles of the model's snapshot.
 */
export async function classifySuppliedFeatures(db: Db, input: SuppliedFeatures): Promise<Classification> {
  const x = validateSuppliedFeatures(input);
  const model = await activeServableModel(db);
  const base = classifyRow(model, x);
  const rfm = await model.rfm(db);
  const v = x.values;
  return {
    ...base,
    rfmSegment: rfm ? scoreRfmAgainst(rfm, { recencyDays: v.recencyDays, frequency: v.frequency, monetary: v.monetary }).segment : null,
    customerId: null,
    featuresAsOf: null,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Warehouse customers, on their current features

function checkCustomerIds(ids: readonly string[], argument: string): void {
  if (!Array.isArray(ids)) throw badInput(`${argument} must be a list of customer ids`, { argument });
  if (ids.length > MAX_CLASSIFY_BATCH) throw badInput(`${argument} names ${ids.length} customers; at most ${MAX_CLASSIFY_BATCH} per call`, { argument });
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.trim() === '' || id.length > 200) {
      throw badInput(`${argument}[${i}] is not a customer id (a non-empty string of at most 200 characters)`, { argument, index: i });
    }
  });
}

/**
 * Classifies warehouse customers (public ids: customer_unique_id) with the active model on their current
 * features: the feature statement of the snapshots, restricted to these customers, at the warehouse's
 * default as-of (the day after the last purchase). Results follow `ids`. Unknown ids → NOT_FOUND naming
 * them; a customer without any purchase → BAD_USER_INPUT (there is nothing to classify).
 */
export async function classifyCustomers(ds: DataSource, ids: readonly string[], argument = 'ids'): Promise<Classification[]> {
  checkCustomerIds(ids, argument);
  if (ids.length === 0) return [];
  const model = await activeServableModel(ds);
  const unique = [...new Set(ids)];
  const found = (await ds.query(`SELECT id, customer_unique_id FROM customer WHERE customer_unique_id = ANY($1::text[])`, [unique])) as {
    id: number;
    customer_unique_id: string;
  }[];
  const internal = new Map(found.map((r) => [r.customer_unique_id, r.id]));
  const unknown = unique.filter((id) => !internal.has(id));
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((s) => JSON.stringify(s.slice(0, 64)));
    throw notFound(`no customer with id ${shown.join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`, { argument, ids: unknown.slice(0, 20) });
  }
  const rows = await featuresForCustomers(ds, [...internal.values()]);
  const byId = new Map(rows.map((r) => [r.customerId, r]));
  const noPurchase = unique.filter((id) => !byId.has(internal.get(id)!));
  if (noPurchase.length) {
    const shown = noPurchase.slice(0, 5).map((s) => JSON.stringify(s.slice(0, 64)));
    const who = noPurchase.length === 1 ? `customer ${shown[0]} has` : `customers ${shown.join(', ')}${noPurchase.length > 5 ? ` (and ${noPurchase.length - 5} more)` : ''} have`;
    throw badInput(`${who} no purchase yet: there are no features to classify`, { argument, ids: noPurchase.slice(0, 20) });
  }
  const rfm = await model.rfm(ds);
  const done = new Map<string, Classification>();
  for (const pid of unique) {
    const row = byId.get(internal.get(pid)!)!;
    const f = row.features;
    const numeric: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(f)) if (typeof v === 'number') numeric[k] = v;
    const cats = Object.fromEntries(CATEGORICAL_FEATURES.map((c) => [c, typeof f[c] === 'string' ? (f[c] as string) : null]));
    const base = classifyRow(model, { numeric, state: cats.state, topCategory: cats.topCategory });
    done.set(pid, {
      ...base,
      rfmSegment: rfm ? scoreRfmAgainst(rfm, { recencyDays: f.recencyDays as number, frequency: f.frequency as number, monetary: (f.monetary as number | null) ?? null }).segment : null,
      customerId: pid,
      featuresAsOf: row.asOf,
    });
  }
  return ids.map((id) => done.get(id)!);
}
