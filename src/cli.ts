#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { registerMigrate } from './cli/migrate.command';
import { registerStatus } from './cli/status.command';
import { registerSeed } from './cli/seed.command';
import { registerKeys } from './cli/keys.command';
import { registerTrain } from './cli/train.command';
import { registerBacktest } from './cli/backtest.command';
import { registerImport } from './cli/import.command';
import { registerRefreshFacts } from './cli/refresh-facts.command';
import { registerWorker } from './cli/worker.command';

export function buildProgram(): Command {
  const program = new Command()
    .name('segmenta')
    .description('Customer segmentation, churn risk and value over a PostgreSQL warehouse')
    .showHelpAfterError();
  registerMigrate(program);
  registerStatus(program);
  registerSeed(program);
  registerKeys(program);
  registerTrain(program);
  registerBacktest(program);
  registerImport(program);
  registerRefreshFacts(program);
  registerWorker(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
