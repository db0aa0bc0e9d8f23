import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { FileReport, ImportReport, ReasonCount } from '../../src/ingest/import-report';

export const WAREHOUSE_TABLES = [
  'product_category',
  'product',
  'seller',
  'geolocation',
  'customer',
  'customer_account',
  'orders',
  'order_item',
  'order_payment',
  'order_review',
  'transaction_line',
];

export const fixture = (...p: string[]) => path.resolve(__dirname, '../fixtures', ...p);

export async function tableCounts(ds: DataSource): Promise<Record<string, number>> {
  const rows: { t: string; n: number }[] = await ds.query(WAREHOUSE_TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

export async function emptyWarehouse(ds: DataSource): Promise<void> {
  await ds.query(`TRUNCATE ${WAREHOUSE_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
}

/** { reason: [count, first lines] } for compact assertions. */
export function byReason(list: ReasonCount[]): Record<string, [number, number[]]> {
  return Object.fromEntries(list.map((r) => [r.reason, [r.count, r.lines]]));
}

export function onlyFile(r: ImportReport): FileReport {
  expect(r.files).toHaveLength(1);
  return r.files[0];
}

export function table(r: ImportReport, name: string) {
  const t = r.tables.find((x) => x.table === name);
  if (!t) throw new Error(`no report for table ${name}`);
  return t;
}
