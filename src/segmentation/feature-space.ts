import type { StandardScalerJSON } from './scaler';
import { Math } from '../shared/math';

/**
 * The clustering space: how a row of raw features becomes the point KMeans and the classifier see. Heavy-tailed
 * features go through a signed log1p, a missing value takes the training median (in original units), then every
 * feature is standardized. It is stored with the model, so serving transforms a new customer exactly as training
 * did. Which features are log-transformed, and the column name a centroid is reported under, come from the
 * feature catalogue: callers pass them in as `transforms`, one per feature in `featureNames` order.
 */
export interface FeatureSpace {
  featureNames: string[];
  /** Per feature: median used for a missing value (in original units). */
  medians: number[];
  scaler: StandardScalerJSON;
  /** Candidates left out of the space, with why (absent for most customers, or constant). */
  dropped: DroppedFeature[];
  /** Which candidate set the space was built from ('orders' or 'transaction-log'; absent on older models). */
  source?: string;
}

export interface DroppedFeature {
  feature: string;
  /** Share of the fit sample with a value. */
  presence: number;
  /** Why it was left out (absent on models stored before reasons were recorded). */
  reason?: string;
}

/** How one feature of a space is transformed, and the key of its value in an original-unit centroid. */
export interface FeatureTransform {
  readonly column: string;
  readonly logTransform: boolean;
  /**
   * The feature whose value stands in for a missing one, when a NULL means "at least this much" (a customer who
   * bought on one day has no gap between purchases yet: the gap is at least their tenure). Null: impute the median.
   */
  readonly censoredBy?: string | null;
}

/**
 * The value clustering sees: signed log1p for heavy-tailed features (net monetary values can be negative in
 * transaction logs, so a plain log would be undefined), the raw value otherwise. NaN (a NULL) stays NaN for
 * the caller's imputation to handle.
 */
export function transformForClustering(f: Pick<FeatureTransform, 'logTransform'>, x: number): number {
  if (!f.logTransform || Number.isNaN(x)) return x;
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

/** Per feature of a space: the index of the feature whose value stands in for its NULL, or -1. */
export function censoringOf(featureNames: readonly string[], transforms: readonly FeatureTransform[]): number[] {
  return featureNames.map((_, j) => (transforms[j].censoredBy ? featureNames.indexOf(transforms[j].censoredBy!) : -1));
}

/**
 * Row-major raw values → the clustering space: a censored NULL takes its stand-in's value, other NULLs the
 * median; then signed log1p where the catalogue says, and scaling.
 */
export function toClusteringSpace(space: FeatureSpace, transforms: readonly FeatureTransform[], raw: Float64Array, rows: number): Float64Array {
  const d = space.featureNames.length;
  const mean = space.scaler.mean;
  const scale = space.scaler.scale;
  const censoredBy = censoringOf(space.featureNames, transforms);
  const out = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) {
      let v = raw[i * d + j];
      if (Number.isNaN(v) && censoredBy[j] >= 0) v = raw[i * d + censoredBy[j]];
      if (Number.isNaN(v)) v = space.medians[j];
      out[i * d + j] = (transformForClustering(transforms[j], v) - mean[j]) / scale[j];
    }
  }
  return out;
}

/** Centroids (clustering space) → original units, keyed by column. */
export function centroidsToOriginal(space: FeatureSpace, transforms: readonly FeatureTransform[], centroids: number[][]): Record<string, number>[] {
  return centroids.map((c) =>
    Object.fromEntries(
      c.map((z, j) => {
        const t = z * space.scaler.scale[j] + space.scaler.mean[j];
        const v = transforms[j].logTransform ? Math.sign(t) * Math.expm1(Math.abs(t)) : t;
        return [transforms[j].column, v];
      }),
    ),
  );
}

/** An original-unit centroid → the clustering space (for matching a previous model's clusters); null when a feature is missing. */
export function originalToSpace(space: FeatureSpace, transforms: readonly FeatureTransform[], centroid: Record<string, number>): number[] | null {
  const out: number[] = [];
  for (let j = 0; j < space.featureNames.length; j++) {
    const v = centroid[transforms[j].column];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    out.push((transformForClustering(transforms[j], v) - space.scaler.mean[j]) / space.scaler.scale[j]);
  }
  return out;
}
