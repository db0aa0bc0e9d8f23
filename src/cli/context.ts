import { dataModel } from '../data-model';
import { openDatabase, closeOnSignals, type Database } from '../db/database';

/** Opens the configured database (migrated), runs `fn`, closes it — also on SIGINT/SIGTERM. */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ model: dataModel, migrate: true, log: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`database: ${db.description}\n`);
  closeOnSignals(() => db.close());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, unknown>[], out: NodeJS.WritableStream = process.stdout): void {
  if (rows.length === 0) {
    out.write('(no rows)\n');
    return;
  }
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  out.write(`${line(cols)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) out.write(`${line(cols.map((c) => cell(r[c])))}\n`);
}
