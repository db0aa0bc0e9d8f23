/**
 * SQL fragments shared by the analytics services, so every query means the same by "revenue", "month" and
 * "cluster name".
 */

// Revenue, months and month labels are defined once, with the summary tables that share them.
export { MEMBER_REVENUE, monthIndexOf, monthLabel, monthOf } from '../../warehouse/bi-sql';

/**
 * Name of cluster `idExpr` (an integer expression) of model `modelExpr`: the segment profile's name, else the
 * name kept in the model's metrics, else "Cluster <id>".
 */
export const clusterName = (modelExpr: string, idExpr: string) => `COALESCE(
    (SELECT sp.name FROM segment_profile sp WHERE sp.model_version_id = ${modelExpr} AND sp.kind = 'CLUSTER' AND sp.segment_key = (${idExpr})::text),
    (SELECT mv.metrics->'clusterNames'->>((${idExpr})::text) FROM model_version mv WHERE mv.id = ${modelExpr}),
    'Cluster ' || (${idExpr})::text)`;

/** Default and maximum number of months the time-series queries cover. */
export const DEFAULT_MONTHS = 24;
export const MAX_MONTHS = 120;
