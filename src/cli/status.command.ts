import type { Command } from 'commander';
import { withDatabase, printTable } from './context';

const TABLES = ['customer', 'customer_account', 'geolocation', 'seller', 'product_category', 'product', 'orders', 'order_item', 'order_payment', 'order_review', 'transaction_line', 'seed_truth'];

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show which database is in use and how many rows each warehouse table holds')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(async (db) => {
        const rows = await warehouseCounts(db.ds);
        if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else printTable(Object.entries(rows).map(([table, count]) => ({ table, rows: count })));
      });
    });
}

export async function warehouseCounts(ds: { query(sql: string): Promise<{ t: string; n: number }[]> }): Promise<Record<string, number>> {
  const sql = TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const rows = await ds.query(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}
