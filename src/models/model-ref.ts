import type { DataSource } from 'typeorm';
import { badInput, notFound, type DomainError } from '../shared/errors';
import { CURRENT_LOAD } from '../warehouse/bi-sql';

const INT4_MAX = 2_147_483_647;

/** A model version as the analytics queries need it: its id and the feature snapshot it was trained on. */
export interface ModelRef {
  id: number;
  /** Null when the snapshot has since been deleted. */
  snapshotId: number | null;
  /**
   * The model's BI summaries (see bi-summary.ts), looked up with the model: null when it has none, or they
   * were built over another feature snapshot than the model's now; `loadCurrent` when its warehouse-dependent
   * ones were built over the current warehouse load `loadNo`.
   */
  summary: { loadNo: number | null; loadCurrent: boolean } | null;
}

type ModelRow = { id: number; snapshotId: number | null; biSnapshotId: number | null; biLoadNo: number | null; biLoadCurrent: boolean | null; hasBi: boolean };

/** The model's columns and its summary header, in the same statement as its lookup. */
const MODEL_SELECT = `SELECT mv.id, mv.snapshot_id AS "snapshotId", a.model_version_id IS NOT NULL AS "hasBi",
         a.snapshot_id AS "biSnapshotId", a.load_no AS "biLoadNo",
         COALESCE(a.load_no = ${CURRENT_LOAD}, false) AS "biLoadCurrent"
    FROM model_version mv LEFT JOIN bi_model_aggregate a ON a.model_version_id = mv.id`;

function toRef(r: ModelRow): ModelRef {
  const summary = r.hasBi && r.biSnapshotId === r.snapshotId ? { loadNo: r.biLoadNo, loadCurrent: Boolean(r.biLoadCurrent) } : null;
  return { id: r.id, snapshotId: r.snapshotId, summary };
}

/**
 * A row id as clients send it (GraphQL ID: a string of digits) → integer. Anything else is BAD_USER_INPUT
 * naming the argument; ids beyond the column's range (int4) cannot exist and are refused the same way.
 * `what` names the row in the message ("model version", "training run").
 */
export function parseIntId(raw: string | number, argument: string, what: string): number {
  const s = String(raw).trim();
  const n = /^[0-9]{1,10}$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > INT4_MAX) {
    throw badInput(`${argument} must be a ${what} id (a positive integer), got ${JSON.stringify(String(raw).slice(0, 40))}`, { argument });
  }
  return n;
}

/** A model version id as clients send it. */
export function parseModelId(raw: string | number, argument = 'modelId'): number {
  return parseIntId(raw, argument, 'model version');
}

/** The one answer to "which model?" when none is active, for every caller that needs one. */
export function noActiveModel(): DomainError {
  return notFound('there is no active model yet: train one first (segmenta train, or the retrain mutation)');
}

/**
 * The model a query reads: the one named (NOT_FOUND when it does not exist) or, when omitted, the active one
 * (NOT_FOUND saying so when there is none). One small statement; its snapshot id then goes to the aggregate
 * as a plain parameter, so the planner prunes to the snapshot and estimates its rows (a join through
 * model_version would hide the value from it).
 */
export async function resolveModel(ds: Pick<DataSource, 'query'>, raw: string | number | null | undefined, argument = 'modelId'): Promise<ModelRef> {
  if (raw === null || raw === undefined) {
    const [active] = (await ds.query(`${MODEL_SELECT} WHERE mv.is_active`)) as ModelRow[];
    if (!active) throw noActiveModel();
    return toRef(active);
  }
  const id = parseModelId(raw, argument);
  // Only these columns: a model row carries large JSON (projection, kmeans) that this check need not read.
  const [row] = (await ds.query(`${MODEL_SELECT} WHERE mv.id = $1`, [id])) as ModelRow[];
  if (!row) throw notFound(`model version ${id} does not exist (${argument})`, { argument, id: String(id) });
  return toRef(row);
}

/** resolveModel, for callers that need only the id. */
export async function resolveModelArg(ds: Pick<DataSource, 'query'>, raw: string | number | null | undefined, argument = 'modelId'): Promise<number> {
  return (await resolveModel(ds, raw, argument)).id;
}
