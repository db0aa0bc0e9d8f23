import type { DataSource } from 'typeorm';
import { notFound } from '../../shared/errors';
import { SegmentKind } from '../segments/segment-kind.enum';
import type { ModelComparison } from './model-comparison.type';

/** A customer's segment key of each kind, as segment_profile keys are made (the persist step). */
const KEY: Record<SegmentKind, string> = {
  [SegmentKind.CLUSTER]: 'cluster_id::text',
  [SegmentKind.RFM]: 'rfm_segment',
  [SegmentKind.ABC_XYZ]: 'abc || xyz',
};

/**
 * Segment sizes of two versions and the customers that moved between their segments, from customer_segment
 * joined on the customer (a full join: customers of one version only count as new or gone). Keys, not names,
 * are compared: cluster ids are kept across retrains that continue a cluster, RFM and ABC/XYZ keys are fixed labels.
 */
export async function compareModels(ds: DataSource, from: number, to: number, kind: SegmentKind): Promise<ModelComparison> {
  const found: { id: number }[] = await ds.query(`SELECT id FROM model_version WHERE id = ANY($1::int[])`, [[from, to]]);
  for (const [id, argument] of [[from, 'from'], [to, 'to']] as const) {
    if (!found.some((r) => r.id === id)) throw notFound(`model version ${id} does not exist`, { argument, id });
  }
  const key = KEY[kind];
  const moves: { fromKey: string | null; toKey: string | null; customers: number }[] = await ds.query(
    `WITH a AS (SELECT customer_id, ${key} AS k FROM customer_segment WHERE model_version_id = $1),
          b AS (SELECT customer_id, ${key} AS k FROM customer_segment WHERE model_version_id = $2)
     SELECT a.k AS "fromKey", b.k AS "toKey", count(*)::int AS customers
       FROM a FULL JOIN b ON b.customer_id = a.customer_id
      GROUP BY 1, 2
      ORDER BY 3 DESC, 1, 2`,
    [from, to],
  );
  const names: { model_version_id: number; segment_key: string; name: string }[] = await ds.query(
    `SELECT model_version_id, segment_key, name FROM segment_profile WHERE model_version_id = ANY($1::int[]) AND kind = $2`,
    [[from, to], kind],
  );
  const sizes = new Map<string, { key: string; name: string; fromSize: number; toSize: number }>();
  const entry = (k: string) => {
    let e = sizes.get(k);
    if (!e) sizes.set(k, (e = { key: k, name: names.find((n) => n.model_version_id === to && n.segment_key === k)?.name ?? names.find((n) => n.segment_key === k)?.name ?? k, fromSize: 0, toSize: 0 }));
    return e;
  };
  let inBoth = 0;
  let moved = 0;
  for (const m of moves) {
    if (m.fromKey !== null) entry(m.fromKey).fromSize += m.customers;
    if (m.toKey !== null) entry(m.toKey).toSize += m.customers;
    if (m.fromKey !== null && m.toKey !== null) {
      inBoth += m.customers;
      if (m.fromKey !== m.toKey) moved += m.customers;
    }
  }
  const ordered = [...sizes.values()].sort((x, y) => (kind === SegmentKind.CLUSTER ? Number(x.key) - Number(y.key) : x.key.localeCompare(y.key)));
  return { from: String(from), to: String(to), kind, sizes: ordered, moves, customersInBoth: inBoth, customersMoved: moved };
}
