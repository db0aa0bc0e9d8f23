import type { DataSource } from 'typeorm';
import { connectionFromRows, type Connection } from '../common/connection';
import { parseFirst, parsePageArgs } from '../common/page-args';
import { badInput } from '../../shared/errors';
import type { ClassifierMetrics, ChurnModelInfo, ModelVersion } from './model-version.type';
import { TrainingStatus, type Backtest, type TrainingRun } from './training-run.type';

type Db = Pick<DataSource, 'query'>;

// ---------------------------------------------------------------------------------------------------------
// Model versions

/**
 * The columns a ModelVersion shows. The large JSON documents (projection, kmeans, classifier, scaler) are left
 * out; churn_model is reduced to the parts shown.
 */
const MODEL_COLUMNS = `m.id, m.name, m.status, m.is_active, m.created_at, m.activated_at, m.as_of, m.seed, m.k, m.algorithm, m.customers,
  m.feature_names, m.training_run_id, m.metrics, m.priority->>'formula' AS priority_formula,
  jsonb_build_object(
    'model', m.churn_model->'model', 'params', m.churn_model->'transaction'->'params',
    'logLikelihood', m.churn_model->'transaction'->'fit'->'logLikelihood', 'converged', m.churn_model->'transaction'->'fit'->'converged',
    'spendParams', m.churn_model->'spend'->'params', 'spendLogLikelihood', m.churn_model->'spend'->'fit'->'logLikelihood',
    'spendFallback', m.churn_model->'spendFallback', 'horizonDays', m.churn_model->'horizonDays',
    'clvHorizonMonths', m.churn_model->'clvHorizonMonths', 'monthlyDiscount', m.churn_model->'monthlyDiscount',
    'repeatCustomers', m.churn_model->'repeatCustomers',
    'churnRiskSource', COALESCE(m.churn_model->>'source', 'bg_nbd'), 'decision', m.churn_model->'decision'->>'reason') AS churn,
  m.churn_model IS NULL AS no_churn`;

interface ModelRow {
  id: number;
  name: string;
  status: string;
  is_active: boolean;
  created_at: Date;
  activated_at: Date | null;
  as_of: Date;
  seed: number;
  k: number;
  algorithm: string;
  customers: number;
  feature_names: string[];
  training_run_id: number | null;
  metrics: Record<string, unknown>;
  priority_formula: string | null;
  churn: Record<string, unknown>;
  no_churn: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function classifierMetrics(raw: unknown): ClassifierMetrics {
  const c = (raw ?? {}) as Partial<ClassifierMetrics> & { perClass?: { label: unknown }[] };
  return {
    accuracy: num(c.accuracy) ?? 0,
    macroF1: num(c.macroF1) ?? 0,
    perClass: (c.perClass ?? []).map((p) => ({ ...(p as ClassifierMetrics['perClass'][number]), label: String(p.label) })),
    confusionMatrix: c.confusionMatrix ?? [],
    labels: (c.labels ?? []).map(String),
    features: c.features ?? [],
    holdoutShare: num(c.holdoutShare) ?? 0,
  };
}

function churnInfo(row: ModelRow): ChurnModelInfo | null {
  if (row.no_churn) return null;
  const c = row.churn;
  return {
    model: String(c.model ?? 'unknown'),
    params: (c.params ?? {}) as Record<string, number>,
    logLikelihood: num(c.logLikelihood),
    converged: typeof c.converged === 'boolean' ? c.converged : null,
    spendParams: (c.spendParams ?? null) as Record<string, number> | null,
    spendLogLikelihood: num(c.spendLogLikelihood),
    spendFallback: typeof c.spendFallback === 'string' ? c.spendFallback : null,
    horizonDays: num(c.horizonDays),
    clvHorizonMonths: num(c.clvHorizonMonths),
    monthlyDiscount: num(c.monthlyDiscount),
    repeatCustomers: num(c.repeatCustomers),
    churnRiskSource: typeof c.churnRiskSource === 'string' ? c.churnRiskSource : 'bg_nbd',
    decision: typeof c.decision === 'string' ? c.decision : null,
  };
}

export function toModelVersion(row: ModelRow): ModelVersion {
  const names = (row.metrics.clusterNames ?? {}) as Record<string, string>;
  const classifier = classifierMetrics(row.metrics.classifier);
  const ids = Object.keys(names).length ? Object.keys(names) : classifier.labels;
  return {
    id: String(row.id),
    name: row.name,
    status: row.status,
    isActive: row.is_active,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    asOf: row.as_of,
    seed: row.seed,
    k: row.k,
    algorithm: row.algorithm,
    customers: row.customers,
    featureNames: row.feature_names,
    clusters: ids.sort((a, b) => Number(a) - Number(b)).map((id) => ({ id, name: names[id] ?? `Cluster ${id}` })),
    classifier,
    churnModel: churnInfo(row),
    priorityFormula: row.priority_formula ?? '',
    trainingRunId: row.training_run_id === null ? null : String(row.training_run_id),
    metrics: row.metrics,
  };
}

export async function activeModelVersion(db: Db): Promise<ModelVersion | null> {
  const [row] = (await db.query(`SELECT ${MODEL_COLUMNS} FROM model_version m WHERE m.is_active`)) as ModelRow[];
  return row ? toModelVersion(row) : null;
}

/** Model versions by id, in the order asked (null for unknown ids): one statement (DataLoader batches). */
export async function modelVersionsByIds(db: Db, ids: readonly number[]): Promise<(ModelVersion | null)[]> {
  const rows = (await db.query(`SELECT ${MODEL_COLUMNS} FROM model_version m WHERE m.id = ANY($1::int[])`, [[...ids]])) as ModelRow[];
  const byId = new Map(rows.map((r) => [r.id, toModelVersion(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Newest first (keyset on id). */
export async function listModelVersions(db: Db, args: { first?: number | null; after?: string | null }): Promise<Connection<ModelVersion>> {
  const page = parsePageArgs(args, { sort: 'model:id' });
  const afterId = page.after ? Number(page.after.id) : null;
  if (page.after && !Number.isSafeInteger(afterId)) throw badInput('after is not a valid cursor: pass the endCursor of a previous page unchanged', { argument: 'after' });
  const [rows, [{ n }]] = await Promise.all([
    db.query(`SELECT ${MODEL_COLUMNS} FROM model_version m WHERE ($1::int IS NULL OR m.id < $1) ORDER BY m.id DESC LIMIT $2`, [afterId, page.limit + 1]) as Promise<ModelRow[]>,
    db.query(`SELECT count(*)::int AS n FROM model_version`) as Promise<{ n: number }[]>,
  ]);
  return connectionFromRows(rows.map(toModelVersion), page, (m) => ({ key: Number(m.id), id: Number(m.id), sort: 'model:id' }), { totalCount: n });
}

// ---------------------------------------------------------------------------------------------------------
// Training runs

const RUN_COLUMNS = `r.id, r.status, r.progress, r.step, r.step_timings, r.error, r.params, r.requested_by, r.created_at,
  r.started_at, r.finished_at, r.model_version_id`;

interface RunRow {
  id: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  step: string | null;
  step_timings: { step: string; ms: number }[];
  error: string | null;
  params: Record<string, unknown>;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  model_version_id: number | null;
}

const STATUS: Record<RunRow['status'], TrainingStatus> = {
  queued: TrainingStatus.QUEUED,
  running: TrainingStatus.RUNNING,
  succeeded: TrainingStatus.SUCCEEDED,
  failed: TrainingStatus.FAILED,
};

function toTrainingRun(r: RunRow): TrainingRun {
  return {
    id: String(r.id),
    status: STATUS[r.status],
    progress: r.progress,
    step: r.step,
    stepTimings: r.step_timings ?? [],
    error: r.error,
    params: r.params ?? {},
    requestedBy: r.requested_by,
    note: typeof r.params?.note === 'string' ? r.params.note : null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    modelVersionId: r.model_version_id === null ? null : String(r.model_version_id),
  };
}

export async function trainingRunById(db: Db, id: number): Promise<TrainingRun | null> {
  const [row] = (await db.query(`SELECT ${RUN_COLUMNS} FROM training_run r WHERE r.id = $1`, [id])) as RunRow[];
  return row ? toTrainingRun(row) : null;
}

/** Newest first (keyset on id). */
export async function listTrainingRuns(db: Db, args: { first?: number | null; after?: string | null }): Promise<Connection<TrainingRun>> {
  const page = parsePageArgs(args, { sort: 'run:id' });
  const afterId = page.after ? Number(page.after.id) : null;
  if (page.after && !Number.isSafeInteger(afterId)) throw badInput('after is not a valid cursor: pass the endCursor of a previous page unchanged', { argument: 'after' });
  const [rows, [{ n }]] = await Promise.all([
    db.query(`SELECT ${RUN_COLUMNS} FROM training_run r WHERE ($1::int IS NULL OR r.id < $1) ORDER BY r.id DESC LIMIT $2`, [afterId, page.limit + 1]) as Promise<RunRow[]>,
    db.query(`SELECT count(*)::int AS n FROM training_run`) as Promise<{ n: number }[]>,
  ]);
  return connectionFromRows(rows.map(toTrainingRun), page, (r) => ({ key: Number(r.id), id: Number(r.id), sort: 'run:id' }), { totalCount: n });
}

// ---------------------------------------------------------------------------------------------------------
// Backtests

export async function listBacktests(db: Db, first: number | null | undefined): Promise<Backtest[]> {
  const limit = parseFirst(first ?? 20);
  const rows = (await db.query(
    `SELECT id, status, cutoff, horizon_days, created_at, finished_at, error, results FROM backtest_run ORDER BY id DESC LIMIT $1`,
    [limit],
  )) as { id: number; status: string; cutoff: Date; horizon_days: number; created_at: Date; finished_at: Date | null; error: string | null; results: Record<string, unknown> | null }[];
  return rows.map((r) => ({
    id: String(r.id),
    status: r.status,
    cutoff: r.cutoff,
    horizonDays: r.horizon_days,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    error: r.error,
    results: r.results,
  }));
}
