import type { Command } from 'commander';
import { rebuildOrderFactsNow } from '../warehouse/order-fact.service';
import { withDatabase } from './context';

/**
 * The loaders keep order_fact current; this rebuilds it for warehouses written by other means (SQL scripts,
 * another ETL), in one transaction.
 */
export function registerRefreshFacts(program: Command): void {
  program
    .command('refresh-facts')
    .description('recompute order_fact (per-order sums of payments, items, lines and reviews) from the fact tables')
    .action(async () => {
      await withDatabase(async (db) => {
        process.stderr.write('summing orders…\n');
        const r = await rebuildOrderFactsNow(db.ds);
        process.stdout.write(`order_fact: ${r.orders} orders in ${(r.durationMs / 1000).toFixed(1)} s\n`);
      });
    });
}
