import type { Command } from 'commander';
import { dataModel } from '../data-model';
import { openDatabase } from '../db/database';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations (or revert the last ones with --down)')
    .option('--down <n>', 'revert the last N migrations', (v) => parseIntArg('--down', v))
    .action(async (opts: { down?: number }) => {
      const db = await openDatabase({ model: dataModel, migrate: false });
      try {
        process.stderr.write(`database: ${db.description}\n`);
        if (opts.down) {
          for (let i = 0; i < opts.down; i++) await db.ds.undoLastMigration({ transaction: 'each' });
          process.stdout.write(`reverted ${opts.down} migration(s)\n`);
        } else {
          const ran = await db.ds.runMigrations({ transaction: 'each' });
          process.stdout.write(ran.length ? ran.map((m) => `applied ${m.name}\n`).join('') : 'schema is up to date\n');
        }
      } finally {
        await db.close();
      }
    });
}

export function parseIntArg(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${v}")`);
  return n;
}
