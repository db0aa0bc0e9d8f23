import type { DataSource } from 'typeorm';
import { badInput } from '../shared/errors';
import { CLUSTERING_ALGORITHMS, isClusteringAlgorithm, type ClusteringAlgorithm } from '../segmentation/cluster-model';

/** What a caller may choose about a training run (the CLI's `train`, the `retrain` mutation, backtests). */
export interface TrainRequest {
  /** Clustering engine, 'kmeans' or 'gmm'; omitted = 'kmeans'. */
  algorithm?: ClusteringAlgorithm | string | null;
  /** Number of clusters, 2–50; omitted = chosen by silhouette over kMin..kMax. */
  k?: number | null;
  /**
   * Customers who bought on a single day as a cluster of their own, the engine's k searched on the others
   * (src/segmentation/split-model.ts); omitted = false.
   */
  singleDayCluster?: boolean | null;
  kMin?: number;
  kMax?: number;
  /** Seed of every random choice, 0 to 2³¹ − 1 (model_version.seed is an integer column). */
  seed?: number | null;
  /** Reference date of the features: not in the future and after the first purchase. */
  asOf?: Date | null;
  /** Horizon of the expected-purchases estimate, in days, ≥ 1. */
  horizonDays?: number;
  /** Why, in words: at most NOTE_MAX characters once trimmed. */
  note?: string | null;
}

export const K_MAX = 50;
export const SEED_MAX = 2_147_483_647;
export const NOTE_MAX = 500;

/**
 * How a face names the fields in its errors. GraphQL passes `{ argument: 'input' }`: a bad k is reported as
 * `input.k` with details `{ argument: 'input', field: 'input.k' }`. The CLI passes its flags
 * (`{ fields: { asOf: '--as-of' } }`): reported as `--as-of`, details `{ argument: '--as-of' }`. Library callers
 * pass nothing: `k`, details `{ argument: 'k' }`.
 */
export interface TrainRequestNames {
  argument?: string;
  fields?: Partial<Record<keyof TrainRequest, string>>;
}

/**
 * The one set of rules for a training request; BAD_USER_INPUT naming the field. The rules that need the
 * warehouse (as-of after the first purchase) read it: one small statement, only when an as-of is given.
 */
export async function validateTrainRequest(ds: Pick<DataSource, 'query'>, r: TrainRequest, names: TrainRequestNames = {}): Promise<void> {
  const label = (field: keyof TrainRequest) => (names.argument ? `${names.argument}.${field}` : (names.fields?.[field] ?? field));
  const details = (field: keyof TrainRequest) => (names.argument ? { argument: names.argument, field: label(field) } : { argument: label(field) });
  const bad = (field: keyof TrainRequest, why: string) => badInput(`${label(field)} ${why}`, details(field));
  const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

  if (given(r.algorithm) && !isClusteringAlgorithm(r.algorithm)) {
    throw bad('algorithm', `must be one of ${CLUSTERING_ALGORITHMS.join(', ')}, got ${JSON.stringify(r.algorithm)}`);
  }
  if (given(r.singleDayCluster) && typeof r.singleDayCluster !== 'boolean') throw bad('singleDayCluster', `must be true or false, got ${JSON.stringify(r.singleDayCluster)}`);
  if (given(r.singleDayCluster) && r.singleDayCluster && given(r.k) && r.k < 3) {
    throw bad('k', `must be at least 3 with singleDayCluster (the single-day buyers and at least 2 clusters of the others), got ${String(r.k)}`);
  }
  if (given(r.k) && (!Number.isInteger(r.k) || r.k < 2 || r.k > K_MAX)) throw bad('k', `must be an integer from 2 to ${K_MAX}, got ${String(r.k)}`);
  const kMin = r.kMin ?? 2;
  const kMax = r.kMax ?? 10;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax > K_MAX) {
    throw badInput(`${label('kMin')}..kMax must satisfy 2 ≤ kMin ≤ kMax ≤ ${K_MAX}, got ${kMin}..${kMax}`, details('kMin'));
  }
  if (given(r.seed) && (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > SEED_MAX)) {
    throw bad('seed', `must be an integer from 0 to ${SEED_MAX}, got ${String(r.seed)}`);
  }
  if (given(r.note) && (typeof r.note !== 'string' || r.note.trim().length > NOTE_MAX)) {
    throw bad('note', `must be text of at most ${NOTE_MAX} characters`);
  }
  if (r.horizonDays !== undefined && (!Number.isInteger(r.horizonDays) || r.horizonDays < 1)) {
    throw bad('horizonDays', `must be a positive integer, got ${String(r.horizonDays)}`);
  }
  if (given(r.asOf)) {
    if (!(r.asOf instanceof Date) || Number.isNaN(r.asOf.getTime())) throw bad('asOf', 'must be a valid date-time');
    // Features as of a future date would count a future that has not happened as churn.
    if (r.asOf.getTime() > Date.now()) throw bad('asOf', `(${r.asOf.toISOString()}) is in the future`);
    const [{ first }] = (await ds.query(`SELECT min(purchased_at) AS first FROM order_fact WHERE is_purchase`)) as { first: Date | null }[];
    if (!first) throw badInput('the warehouse has no purchase orders: there is nothing to train on', details('asOf'));
    if (r.asOf.getTime() <= new Date(first).getTime()) {
      throw bad('asOf', `(${r.asOf.toISOString()}) must be after the first purchase (${new Date(first).toISOString()})`);
    }
  }
}
