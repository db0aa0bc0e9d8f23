import type { FeatureSpace } from '../segmentation/feature-space';

/** Categorical features the classifier reads besides the clustering space. */
export const CATEGORICAL_FEATURES = ['state', 'topCategory'] as const;

/**
 * A classifier row: the clustering space's (transformed, scaled) values plus the categorical features, a missing
 * category read as 'unknown'. Training and serving build rows here, so both see the same layout.
 */
export function classifierRow(space: FeatureSpace, scaled: ArrayLike<number>, offset: number, cats: Record<string, string | null>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  space.featureNames.forEach((f, j) => (row[f] = scaled[offset + j]));
  for (const c of CATEGORICAL_FEATURES) row[c] = cats[c] ?? 'unknown';
  return row;
}
