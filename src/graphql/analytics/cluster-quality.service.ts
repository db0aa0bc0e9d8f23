import type { DataSource } from 'typeorm';
import type { KCurvePoint } from '../../segmentation/k-search';
import { notFound } from '../../shared/errors';
import type { ClusterQuality, KSearchPoint } from './cluster-quality.type';

type Db = Pick<DataSource, 'query'>;

/** A k-search point as stored (models before iterations and convergence were recorded lack them). */
type StoredCurvePoint = Omit<KCurvePoint, 'iterations' | 'converged' | 'degenerateReason'> &
  Partial<Pick<KCurvePoint, 'iterations' | 'converged' | 'degenerateReason'>>;

/** The parts of model_version.metrics this reads (written by the train pipeline). */
export interface StoredClusterMetrics {
  kSearch?: StoredCurvePoint[];
  chosenBy?: string;
  kReason?: string;
  silhouette?: number | null;
  inertia?: number;
  ariVsPrevious?: number | null;
  previousModelId?: number | null;
  allDegenerate?: boolean;
  final?: { degenerate?: boolean; degenerateReason?: string | null };
}

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** ClusterQuality from a model version's k and stored metrics (no SQL: for callers that already hold the row). */
export function clusterQualityFromMetrics(modelId: number, k: number, metrics: StoredClusterMetrics): ClusterQuality {
  const curve = [...(metrics.kSearch ?? [])].sort((a, b) => a.k - b.k);
  const kSearch: KSearchPoint[] = curve.map((p) => ({
    k: p.k,
    inertia: p.inertia,
    silhouette: finiteOrNull(p.silhouette),
    largestShare: p.largestClusterShare,
    smallestShare: p.smallestClusterShare,
    degenerate: p.degenerate,
    degenerateReason: p.degenerateReason ?? null,
    stability: finiteOrNull(p.stability),
    gap: finiteOrNull(p.gap),
    gapSe: finiteOrNull(p.gapSe),
    bic: finiteOrNull(p.bic),
    seedStability: finiteOrNull(p.seedStability),
    icl: finiteOrNull(p.icl),
  }));
  return {
    modelId: String(modelId),
    k,
    chosenBy: metrics.chosenBy ?? (kSearch.length === 1 ? 'fixed' : 'silhouette'),
    kReason: metrics.kReason ?? null,
    silhouette: finiteOrNull(metrics.silhouette),
    inertia: finiteOrNull(metrics.inertia) ?? 0,
    kSearch,
    ariVsPrevious: finiteOrNull(metrics.ariVsPrevious),
    previousModelId: metrics.previousModelId ? String(metrics.previousModelId) : null,
    degenerate: metrics.final?.degenerate ?? false,
    degenerateReason: metrics.final?.degenerateReason ?? null,
    allDegenerate: metrics.allDegenerate ?? false,
  };
}

/**
 * Cluster quality of model version `modelId` (an existing id: resolve/validate it first). Reads only the
 * metric keys it needs, not the whole metrics document.
 */
export async function clusterQuality(ds: Db, modelId: number): Promise<ClusterQuality> {
  const rows = (await ds.query(
    `SELECT id, k,
            jsonb_build_object(
              'kSearch', metrics->'kSearch', 'chosenBy', metrics->'chosenBy', 'kReason', metrics->'kReason',
              'silhouette', metrics->'silhouette', 'inertia', metrics->'inertia', 'ariVsPrevious', metrics->'ariVsPrevious',
              'previousModelId', metrics->'previousModelId', 'allDegenerate', metrics->'allDegenerate', 'final', metrics->'final'
            ) AS metrics
       FROM model_version WHERE id = $1`,
    [modelId],
  )) as { id: number; k: number; metrics: StoredClusterMetrics }[];
  if (rows.length === 0) throw notFound(`model version ${modelId} does not exist`, { id: String(modelId) });
  return clusterQualityFromMetrics(rows[0].id, rows[0].k, rows[0].metrics);
}
