import type { DataSource } from 'typeorm';
import { withTransaction } from '../../db/data-source';
import { parseSegmentId, type SegmentRef } from '../../models/segment-id';
import { resolveModel } from '../../models/model-ref';
import { SegmentKind } from '../../models/segment-kind';
import { filterSql, type CustomerListFilter } from '../../models/customer-filter';
import { badInput, notFound } from '../../shared/errors';
import { csvLine } from './csv';

export interface ExportSegment extends SegmentRef {
  snapshotId: number;
  name: string;
  size: number;
}

/**
 * Column header of the export, in row order. churn_probability = P(no purchase within the model's horizon);
 * value_if_retained and value_at_risk (= churn_probability × value_if_retained) are in the store's currency over
 * the CLV horizon; priority_score per customer is the value at risk.
 */
export const EXPORT_COLUMNS = [
  'customer_id', 'state', 'city', 'cluster_id', 'cluster_name', 'rfm_r', 'rfm_f', 'rfm_m', 'rfm_score', 'rfm_segment',
  'churn_tier', 'abc', 'xyz', 'recency_days', 'frequency', 'monetary', 'p_alive', 'churn_probability',
  'expected_purchases_90d', 'clv', 'priority_score', 'value_if_retained', 'value_at_risk',
] as const;

/**
 * Decimals each number is written with, the precision its unit carries: money (BRL or the store's currency: monetary,
 * clv, priority_score) to the cent, probabilities to 4 places (0.01 percentage point), expected purchases and the
 * RFM score to 3. Integers (scores, days, counts) are written as they are.
 */
export const EXPORT_DECIMALS: Partial<Record<(typeof EXPORT_COLUMNS)[number], number>> = {
  rfm_score: 3,
  monetary: 2,
  p_alive: 4,
  churn_probability: 4,
  expected_purchases_90d: 3,
  clv: 2,
  priority_score: 2,
};

const ROUND_AT: [number, number][] = Object.entries(EXPORT_DECIMALS).map(([c, d]) => [EXPORT_COLUMNS.indexOf(c as (typeof EXPORT_COLUMNS)[number]), 10 ** (d as number)]);

/** A row with its numbers rounded as EXPORT_DECIMALS says (half away from zero). */
function roundRow(r: (string | number | null)[]): (string | number | null)[] {
  for (const [i, scale] of ROUND_AT) {
    const v = r[i];
    if (typeof v === 'number' && Number.isFinite(v)) r[i] = (Math.sign(v) * Math.round(Math.abs(v) * scale)) / scale;
  }
  return r;
}

/**
 * The customer filter of an export, from query parameters named like CustomerFilter: state, idPrefix,
 * churnMin / churnMax (probability 0-1), clvMin / clvMax (money over the CLV horizon). A bad value is
 * BAD_USER_INPUT naming the parameter.
 */
export function exportFilter(query: URLSearchParams): CustomerListFilter {
  const num = (name: string): number | null => {
    const raw = query.get(name);
    if (raw === null || raw.trim() === '') return null;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw badInput(`${name} must be a number, got ${JSON.stringify(raw.slice(0, 40))}`, { argument: name });
    return v;
  };
  const filter: CustomerListFilter = {};
  const state = query.get('state');
  if (state !== null && state.trim() !== '') filter.state = state;
  const prefix = query.get('idPrefix');
  if (prefix !== null && prefix.trim() !== '') filter.idPrefix = prefix;
  const churn = { min: num('churnMin'), max: num('churnMax') };
  if (churn.min !== null || churn.max !== null) filter.churnProbability = churn;
  const clv = { min: num('clvMin'), max: num('clvMax') };
  if (clv.min !== null || clv.max !== null) filter.clv = clv;
  for (const [lo, hi, range] of [['churnMin', 'churnMax', churn], ['clvMin', 'clvMax', clv]] as const) {
    if (range.min !== null && range.max !== null && range.min > range.max) {
      throw badInput(`${lo} (${range.min}) is greater than ${hi} (${range.max})`, { argument: lo });
    }
  }
  filterSql(filter, [], 'filter'); // the remaining checks, before the response starts
  return filter;
}

/** Members of a segment of each kind ($1 model, $3 key), as segment_profile keys were made (persist step). */
const MEMBER: Record<SegmentKind, string> = {
  [SegmentKind.CLUSTER]: 'cs.cluster_id::text = $3',
  [SegmentKind.RFM]: 'cs.rfm_segment = $3',
  [SegmentKind.ABC_XYZ]: 'cs.abc || cs.xyz = $3',
};

/**
 * A segment id of the export route: "<modelId>:<KIND>:<key>", or "active:<KIND>:<key>" for the active model.
 * Malformed → BAD_USER_INPUT; an unknown model or segment → NOT_FOUND.
 */
export async function resolveExportSegment(ds: DataSource, rawId: string): Promise<ExportSegment> {
  let id = rawId;
  if (typeof rawId === 'string' && rawId.startsWith('active:')) {
    const active = await resolveModel(ds, null, 'id');
    id = `${active.id}${rawId.slice('active'.length)}`;
  }
  const ref = parseSegmentId(id, 'id');
  const rows: { snapshotId: number | null; name: string; size: number }[] = await ds.query(
    `SELECT mv.snapshot_id AS "snapshotId", sp.name, sp.size
       FROM segment_profile sp JOIN model_version mv ON mv.id = sp.model_version_id
      WHERE sp.model_version_id = $1 AND sp.kind = $2 AND sp.segment_key = $3`,
    [ref.modelId, ref.kind, ref.key],
  );
  if (!rows.length) throw notFound(`segment ${JSON.stringify(id.slice(0, 200))} does not exist`, { id: id.slice(0, 200) });
  if (rows[0].snapshotId === null) throw notFound(`the feature snapshot of model ${ref.modelId} was deleted`, { id });
  return { ...ref, snapshotId: rows[0].snapshotId, name: rows[0].name, size: rows[0].size };
}

/** A file name for the export (letters, digits, dot, dash and underscore only). */
export function exportFileName(seg: SegmentRef): string {
  return `segment-${seg.modelId}-${seg.kind}-${seg.key}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 150) + '.csv';
}

export interface CsvSink {
  /** Resolves when the chunk may be followed by another (backpressure); rejects when the client has gone. */
  write(chunk: string): Promise<void>;
}

/**
 * Streams the segment's customers as CSV (header first) through a server-side cursor, `batchSize` rows per
 * FETCH, waiting for the sink between batches, so memory stays bounded whatever the segment's size. Ordered
 * like the API's default (priority descending, then customer). Returns the number of rows written.
 */
export async function exportSegmentCsv(
  ds: DataSource,
  seg: ExportSegment,
  sink: CsvSink,
  opts: { batchSize?: number; filter?: CustomerListFilter | null } = {},
): Promise<number> {
  const batchSize = opts.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw badInput('batchSize must be a positive integer');
  // The same conditions as customers(filter) (checked before any byte is sent), numbered after $1..$3.
  const params: unknown[] = [seg.modelId, seg.snapshotId, seg.key];
  const extra = filterSql(opts.filter, params, 'filter').where.map((w) => `AND ${w}`).join(' ');
  return withTransaction(ds, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query(
      `DECLARE segment_export NO SCROLL CURSOR FOR
       SELECT c.customer_unique_id, COALESCE(c.state, f.state), c.city, cs.cluster_id, sp.name, cs.r, cs.f, cs.m, cs.rfm_score,
              cs.rfm_segment, cs.churn_tier, cs.abc, cs.xyz, f.recency_days, f.frequency, f.monetary, cs.p_alive,
              cs.churn_probability, cs.expected_purchases_90d, cs.clv, cs.priority_score, cs.value_if_retained, cs.value_at_risk
         FROM customer_segment cs
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
         JOIN customer c ON c.id = cs.customer_id
         LEFT JOIN segment_profile sp ON sp.model_version_id = cs.model_version_id AND sp.kind = 'CLUSTER' AND sp.segment_key = cs.cluster_id::text
        WHERE cs.model_version_id = $1 AND ${MEMBER[seg.kind]} ${extra}
        ORDER BY COALESCE(cs.priority_score, '-Infinity'::float8) DESC, cs.customer_id DESC`,
      params,
    );
    await sink.write(csvLine(EXPORT_COLUMNS));
    let rows = 0;
    for (;;) {
      const batch = await client.query<unknown[]>({ text: `FETCH ${batchSize} FROM segment_export`, rowMode: 'array' });
      if (batch.rows.length === 0) break;
      let chunk = '';
      for (const r of batch.rows) chunk += csvLine(roundRow(r as (string | number | null)[]));
      rows += batch.rows.length;
      await sink.write(chunk);
      if (batch.rows.length < batchSize) break;
    }
    await client.query('CLOSE segment_export');
    return rows;
  });
}
