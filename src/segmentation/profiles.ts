import { badInput } from '../shared/errors';
import { Math } from '../shared/math';

/**
 * Cluster profiles (who is in each cluster, in the features' own units and as deviations from the population)
 * and human-readable names derived from them by rules.
 */
export interface ProfileInput {
  featureNames: readonly string[];
  /** Centroids in original units (StandardScaler.inverseTransform of the model's centroids), k × d. */
  centroidsOriginal: ReadonlyArray<ArrayLike<number>>;
  /** Cluster sizes (k entries), or the label of every member (0..k-1) to count them from. */
  sizes?: readonly number[];
  labels?: ArrayLike<number>;
  /** Population mean and standard deviation per feature. */
  populationMean: readonly number[];
  populationStd: readonly number[];
  /**
   * Member means per cluster (k × d) in the same units as populationMean. z uses these when given, else the
   * centroids. For log-transformed features, passing log-space means and std gives z-scores that outliers
   * do not dominate.
   */
  clusterMeans?: ReadonlyArray<ArrayLike<number>>;
}

export interface FeatureDeviation {
  feature: string;
  /** Centroid value in original units. */
  centroid: number;
  /** The cluster's value the z-score is computed from (member mean if given, else the centroid). */
  mean: number;
  /** (mean − population mean) / population std; 0 for a constant feature. */
  z: number;
}

export interface ClusterProfile {
  cluster: number;
  size: number;
  share: number;
  centroid: Record<string, number>;
  z: Record<string, number>;
  features: FeatureDeviation[];
}

function checkVector(v: unknown, len: number, name: string): void {
  if (!Array.isArray(v)) throw badInput(`${name} must be an array`, { argument: name });
  if (v.length !== len) throw badInput(`${name} has ${v.length} entries, expected ${len}`, { argument: name });
  v.forEach((x, j) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw badInput(`${name}[${j}] is ${String(x)}`, { argument: name, column: j });
  });
}

function checkRows(M: unknown, k: number, d: number, name: string): void {
  if (!Array.isArray(M)) throw badInput(`${name} must be an array of rows`, { argument: name });
  if (M.length !== k) throw badInput(`${name} has ${M.length} rows, expected ${k}`, { argument: name });
  M.forEach((row: unknown, i) => {
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw badInput(`${name}[${i}] must be an array`, { argument: name, row: i });
    const r = row as ArrayLike<unknown>;
    if (r.length !== d) throw badInput(`${name}[${i}] has ${r.length} columns, expected ${d}`, { argument: name, row: i });
    for (let j = 0; j < d; j++) {
      const x = r[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw badInput(`${name}[${i}][${j}] is ${String(x)}`, { argument: name, row: i, column: j });
    }
  });
}

export function buildProfiles(input: ProfileInput): ClusterProfile[] {
  const names = input.featureNames;
  if (!Array.isArray(names) || names.length === 0) throw badInput('featureNames must be a non-empty array', { argument: 'featureNames' });
  const d = names.length;
  const k = Array.isArray(input.centroidsOriginal) ? input.centroidsOriginal.length : 0;
  if (k === 0) throw badInput('centroidsOriginal must have at least one row', { argument: 'centroidsOriginal' });
  checkRows(input.centroidsOriginal, k, d, 'centroidsOriginal');
  checkVector(input.populationMean, d, 'populationMean');
  checkVector(input.populationStd, d, 'populationStd');
  input.populationStd.forEach((s, j) => {
    if (s < 0) throw badInput(`populationStd[${j}] is ${s}, expected ≥ 0`, { argument: 'populationStd', column: j });
  });
  if (input.clusterMeans) checkRows(input.clusterMeans, k, d, 'clusterMeans');
  let sizes: number[];
  if (input.sizes) {
    checkVector(input.sizes, k, 'sizes');
    sizes = [...input.sizes];
    sizes.forEach((s, c) => {
      if (!Number.isInteger(s) || s < 0) throw badInput(`sizes[${c}] is ${s}, expected a count ≥ 0`, { argument: 'sizes', row: c });
    });
  } else if (input.labels) {
    sizes = new Array<number>(k).fill(0);
    for (let i = 0; i < input.labels.length; i++) {
      const l = input.labels[i];
      if (!Number.isInteger(l) || l < 0 || l >= k) throw badInput(`labels[${i}] is ${l}, expected a cluster index 0..${k - 1}`, { argument: 'labels', row: i });
      sizes[l]++;
    }
  } else throw badInput('either sizes or labels is required', { argument: 'sizes' });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) throw badInput('clusters are all empty (sizes sum to 0)', { argument: 'sizes' });
  return sizes.map((size, c) => {
    const centroidRow = input.centroidsOriginal[c];
    const meanRow = input.clusterMeans ? input.clusterMeans[c] : centroidRow;
    const features = names.map((feature, j) => {
      const sd = input.populationStd[j];
      const mean = meanRow[j];
      return { feature, centroid: centroidRow[j], mean, z: sd > 0 ? (mean - input.populationMean[j]) / sd : 0 };
    });
    return {
      cluster: c,
      size,
      share: size / total,
      centroid: Object.fromEntries(features.map((f) => [f.feature, f.centroid])),
      z: Object.fromEntries(features.map((f) => [f.feature, f.z])),
      features,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Naming

export type Direction = 'high' | 'low';

export interface TraitWords {
  /** Used before the noun, e.g. "High-value". */
  adjective: string;
  /** When this trait names the group itself, e.g. "regulars". */
  noun?: string;
  /** Lower wins when several traits offer a noun (default 100). */
  nounPriority?: number;
  /** A different noun when another chosen trait is present, e.g. regulars + lapsed → "former regulars". */
  nounWhen?: { feature: string; direction: Direction; noun: string }[];
}

export interface CatalogueEntry {
  feature: string;
  high: TraitWords;
  low: TraitWords;
  /** Features of one group say the same thing (e.g. two review measures): only the strongest is used. */
  group?: string;
}

/** Words for the feature catalogue's features. A dataset without a feature simply never uses its words. */
export const DEFAULT_NAME_CATALOGUE: readonly CatalogueEntry[] = [
  {
    feature: 'frequency',
    high: { adjective: 'Frequent', noun: 'regulars', nounPriority: 1, nounWhen: [{ feature: 'recency_days', direction: 'high', noun: 'former regulars' }] },
    low: { adjective: 'One-time', noun: 'one-time buyers', nounPriority: 1, nounWhen: [{ feature: 'recency_days', direction: 'low', noun: 'first-time buyers' }] },
  },
  { feature: 'monetary', high: { adjective: 'High-value', noun: 'big spenders', nounPriority: 50 }, low: { adjective: 'Low-value', noun: 'low spenders', nounPriority: 5 } },
  { feature: 'recency_days', high: { adjective: 'Lapsed' }, low: { adjective: 'Recent' } },
  { feature: 'avg_order_value', high: { adjective: 'Big-basket' }, low: { adjective: 'Small-basket', noun: 'bargain hunters', nounPriority: 3 } },
  { feature: 'tenure_days', high: { adjective: 'Long-standing' }, low: { adjective: 'New', noun: 'newcomers', nounPriority: 2 } },
  { feature: 'mean_interpurchase_days', high: { adjective: 'Slow-returning' }, low: { adjective: 'Fast-returning' } },
  { feature: 'items_per_order', high: { adjective: 'Multi-item' }, low: { adjective: 'Single-item' } },
  { feature: 'distinct_categories', high: { adjective: 'Cross-category', noun: 'explorers', nounPriority: 6 }, low: { adjective: 'Single-category' } },
  { feature: 'avg_review_score', group: 'review', high: { adjective: 'Delighted' }, low: { adjective: 'Unhappy', noun: 'critics', nounPriority: 8 } },
  { feature: 'low_review_share', group: 'review', high: { adjective: 'Unhappy', noun: 'critics', nounPriority: 8 }, low: { adjective: 'Satisfied' } },
  { feature: 'avg_delivery_delay_days', group: 'delivery', high: { adjective: 'Late-delivery', noun: 'late deliveries', nounPriority: 4 }, low: { adjective: 'On-time' } },
  { feature: 'late_delivery_share', group: 'delivery', high: { adjective: 'Late-delivery', noun: 'late deliveries', nounPriority: 4 }, low: { adjective: 'On-time' } },
  { feature: 'mean_installments', high: { adjective: 'Instalment', noun: 'instalment payers', nounPriority: 7 }, low: { adjective: 'Pay-in-full' } },
  { feature: 'credit_card_share', high: { adjective: 'Card-paying' }, low: { adjective: 'Non-card' } },
];

export interface Trait {
  feature: string;
  direction: Direction;
  z: number;
}

export interface NamedCluster {
  cluster: number;
  name: string;
  /** The traits the name was built from, strongest first. */
  traits: Trait[];
}

export interface NamingOptions {
  /** Deviations smaller than this (in population std) are not traits. Default 0.3. */
  minAbsZ?: number;
  /** Traits in a name before disambiguation adds more. Default 2. */
  baseTraits?: number;
}

interface RankedTrait extends Trait {
  words: TraitWords;
}

function rankTraits(p: ClusterProfile, byFeature: Map<string, CatalogueEntry>, minAbsZ: number): RankedTrait[] {
  const ranked = Object.entries(p.z)
    .filter(([f, z]) => byFeature.has(f) && Number.isFinite(z) && Math.abs(z) >= minAbsZ)
    .map(([feature, z]) => {
      const e = byFeature.get(feature)!;
      const direction: Direction = z > 0 ? 'high' : 'low';
      return { feature, direction, z, words: e[direction], group: e.group ?? feature };
    })
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.feature.localeCompare(b.feature));
  const seen = new Set<string>();
  return ranked.filter((t) => (seen.has(t.group) ? false : (seen.add(t.group), true))).map(({ group: _g, ...t }) => t);
}

function compose(traits: RankedTrait[]): string {
  if (traits.length === 0) return 'Typical customers';
  let nounTrait: RankedTrait | null = null;
  for (const t of traits) {
    if (t.words.noun && (!nounTrait || (t.words.nounPriority ?? 100) < (nounTrait.words.nounPriority ?? 100))) nounTrait = t;
  }
  let noun = 'customers';
  if (nounTrait) {
    noun = nounTrait.words.noun!;
    for (const w of nounTrait.words.nounWhen ?? []) {
      if (traits.some((t) => t !== nounTrait && t.feature === w.feature && t.direction === w.direction)) {
        noun = w.noun;
        break;
      }
    }
  }
  const adjectives: string[] = [];
  for (const t of traits) {
    if (t === nounTrait || adjectives.includes(t.words.adjective)) continue;
    adjectives.push(t.words.adjective);
  }
  const words = [...adjectives.map((a, i) => (i === 0 ? a : a.toLowerCase())), noun].join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Names every cluster from its strongest deviations: the traits (|z| ≥ minAbsZ, features known to the
 * catalogue, one per group) are ranked by |z|; the top `baseTraits` become "adjectives + noun" (the noun comes
 * from the trait with the best noun priority, else "customers"). Names are unique: clusters that share a name
 * take their next strongest trait until they differ, and a numeric suffix is the last resort.
 */
export function nameClusters(profiles: readonly ClusterProfile[], catalogue: readonly CatalogueEntry[] = DEFAULT_NAME_CATALOGUE, options: NamingOptions = {}): NamedCluster[] {
  const minAbsZ = options.minAbsZ ?? 0.3;
  const base = options.baseTraits ?? 2;
  if (!(minAbsZ >= 0)) throw badInput(`minAbsZ must be ≥ 0, got ${options.minAbsZ}`, { argument: 'minAbsZ' });
  if (!Number.isInteger(base) || base < 1) throw badInput(`baseTraits must be a positive integer, got ${options.baseTraits}`, { argument: 'baseTraits' });
  const byFeature = new Map<string, CatalogueEntry>();
  for (const e of catalogue) {
    if (byFeature.has(e.feature)) throw badInput(`catalogue lists feature "${e.feature}" twice`, { argument: 'catalogue' });
    byFeature.set(e.feature, e);
  }
  const ranked = profiles.map((p) => rankTraits(p, byFeature, minAbsZ));
  const depth = ranked.map((r) => Math.min(base, r.length));
  let names = ranked.map((r, i) => compose(r.slice(0, depth[i])));
  for (;;) {
    const groups = new Map<string, number[]>();
    names.forEach((n, i) => groups.set(n, [...(groups.get(n) ?? []), i]));
    let extended = false;
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      for (const i of members) {
        if (depth[i] < ranked[i].length) {
          depth[i]++;
          extended = true;
        }
      }
    }
    if (!extended) break;
    names = ranked.map((r, i) => compose(r.slice(0, depth[i])));
  }
  // Last resort: the largest cluster keeps the plain name, the others get " 2", " 3", ….
  const order = profiles.map((_, i) => i).sort((a, b) => profiles[b].size - profiles[a].size || a - b);
  const taken = new Set<string>();
  const finalNames = new Array<string>(profiles.length);
  for (const i of order) {
    let name = names[i];
    for (let s = 2; taken.has(name); s++) name = `${names[i]} ${s}`;
    taken.add(name);
    finalNames[i] = name;
  }
  return profiles.map((p, i) => ({
    cluster: p.cluster,
    name: finalNames[i],
    traits: ranked[i].slice(0, depth[i]).map(({ feature, direction, z }) => ({ feature, direction, z })),
  }));
}
