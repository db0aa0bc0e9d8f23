import type { DataSource } from 'typeorm';
import { badInput, notFound, type DomainError } from '../shared/errors';

const INT4_MAX = 2_147_483_647;

/** A model version as the analytics queries need it: its id and the feature snapshot it was trained on. */
export interface ModelRef {
  id: number;
  /** Null when the snapshot has since been deleted. */
  snapshotId: number | null;
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
    const [active] = (await ds.query(`SELECT id, snapshot_id AS "snapshotId" FROM model_version WHERE is_active`)) as ModelRef[];
    if (!active) throw noActiveModel();
    return active;
  }
  const id = parseModelId(raw, argument);
  // Only these columns: a model row carries large JSON (projection, kmeans) that this check need not read.
  const [row] = (await ds.query(`SELECT id, snapshot_id AS "snapshotId" FROM model_version WHERE id = $1`, [id])) as ModelRef[];
  if (!row) throw notFound(`model version ${id} does not exist (${argument})`, { argument, id: String(id) });
  return row;
}

/** resolveModel, for callers that need only the id. */
export async function resolveModelArg(ds: Pick<DataSource, 'query'>, raw: string | number | null | undefined, argument = 'modelId'): Promise<number> {
  return (await resolveModel(ds, raw, argument)).id;
}
