/**
 * SQL fragments shared by the analytics services, so every query means the same by "revenue", "month" and
 * "cluster name".
 */

/**
 * A member's revenue: spend before the model's as-of from its feature snapshot (`f`). Net spend below zero
 * (returns exceeding purchases) counts as 0 — the same rule as the segments' revenueShare.
 */
export const MEMBER_REVENUE = 'GREATEST(f.monetary, 0)';

/** The calendar month (UTC) of a timestamptz, as a timestamp at its first instant. */
export const monthOf = (ts: string) => `date_trunc('month', ${ts} AT TIME ZONE 'UTC')`;

/**
 * The calendar month (UTC) of a timestamptz as an integer, year × 12 + month − 1, so that month differences
 * are integer subtraction (date_part is float8: cheaper than extract's numeric over many rows).
 */
export const monthIndexOf = (ts: string) =>
  `(date_part('year', ${ts} AT TIME ZONE 'UTC') * 12 + date_part('month', ${ts} AT TIME ZONE 'UTC') - 1)::int`;

/** "YYYY-MM" of a month index. */
export const monthLabel = (index: string) => `to_char(make_date((${index}) / 12, (${index}) % 12 + 1, 1), 'YYYY-MM')`;

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
