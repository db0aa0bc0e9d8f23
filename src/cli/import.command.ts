import { Option, type Command } from 'commander';
import { DELIMITERS } from '../ingest/csv-stage';
import { FOREIGN_KEY_MODES, type ForeignKeyMode } from '../ingest/foreign-keys';
import { formatReport, type ImportReport } from '../ingest/import-report';
import { ENCODINGS, type Encoding } from '../ingest/line-rules';
import { importOlist } from '../ingest/olist.service';
import { DATE_FORMATS } from '../ingest/sql-parse';
import { DEFAULT_MAX_REJECT_RATE, importTransactions, type TransactionMapping } from '../ingest/transactions.service';
import { withDatabase } from './context';
import { terminalProgress } from './progress';

function parseRate(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--max-reject-rate must be a number between 0 and 1 (got "${v}")`);
  return n;
}

function printReport(report: ImportReport, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
}

async function withProgress<T>(fn: (p: ReturnType<typeof terminalProgress>) => Promise<T>): Promise<T> {
  const progress = terminalProgress();
  try {
    return await fn(progress);
  } finally {
    progress.stop();
  }
}

/** The command's options: the mapping (columns as one comma-separated flag) plus how to run the import. */
type TransactionsOpts = Omit<TransactionMapping, 'columns'> & {
  columns?: string;
  encoding: Encoding;
  maxRejectRate: number;
  fkCheck: ForeignKeyMode;
  json?: boolean;
};

/** utf8 is checked (invalid bytes refuse the file, naming the line); the others decode on request. */
function encodingOption(): Option {
  return new Option('--encoding <e>', 'text encoding of the file(s): utf8 (checked) or a Latin-1 / Windows-1252 export')
    .choices([...ENCODINGS])
    .default('utf8');
}

export function registerImport(program: Command): void {
  const cmd = program.command('import').description('load data into the warehouse (one transaction per import; re-running updates)');

  cmd
    .command('olist <dir>')
    .description(
      'import the Olist CSV files of <dir>, by their original names; geolocation and sellers are optional (without sellers, items’ seller ids become bare seller rows)',
    )
    .option('--max-reject-rate <rate>', 'largest share of rejected rows (0..1) before the import is refused', parseRate, DEFAULT_MAX_REJECT_RATE)
    .addOption(encodingOption())
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: { maxRejectRate: number; encoding: Encoding; json?: boolean }) => {
      await withDatabase(async (db) => {
        const report = await withProgress((onProgress) =>
          importOlist(db.ds, dir, { onProgress, maxRejectRate: opts.maxRejectRate, encoding: opts.encoding }),
        );
        printReport(report, opts.json);
      });
    });

  cmd
    .command('transactions <file>')
    .description('import a transaction log (one line per purchase or return), mapping its columns with the options below')
    .requiredOption('--customer-col <col>', 'customer id column (header name, name from --columns, or 1-based position)')
    .requiredOption('--date-col <col>', 'date or date-time column')
    .option('--amount-col <col>', 'line amount column (or give --quantity-col and --price-col)')
    .option('--quantity-col <col>', 'quantity column (negative = return)')
    .option('--price-col <col>', 'unit price column (amount = quantity × price when --amount-col is absent)')
    .option('--order-col <col>', 'order / invoice id column (without it: one order per customer per day)')
    .option('--region-col <col>', 'country or region column')
    .option('--columns <names>', 'comma-separated column names of a headerless file')
    .addOption(new Option('--delimiter <d>', 'field separator').choices(['auto', ...DELIMITERS]).default('auto'))
    .addOption(encodingOption())
    .addOption(new Option('--date-format <f>', 'iso: yyyymmdd / yyyy-mm-dd / ISO date-time; dmy: dd/mm/yyyy hh:mm; mdy: m/d/yyyy h:mm').choices([...DATE_FORMATS]).default('iso'))
    .option('--source <name>', 'name of this log (default: file name); re-importing a source replaces its orders')
    .option('--keep-duplicates', 'load exact duplicate lines instead of skipping them')
    .option('--max-reject-rate <rate>', 'largest share of garbage lines (0..1) before the import is refused', parseRate, DEFAULT_MAX_REJECT_RATE)
    .addOption(new Option('--fk-check <mode>', 'foreign key checks: row (per row), bulk (drop and re-validate, locks the tables), auto (bulk for big imports)').choices([...FOREIGN_KEY_MODES]).default('auto'))
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: TransactionsOpts) => {
      const { columns, maxRejectRate: _rate, fkCheck: _fk, json: _json, ...fields } = o;
      const mapping: TransactionMapping = { ...fields, columns: columns?.split(',').map((c) => c.trim()) };
      await withDatabase(async (db) => {
        const report = await withProgress((onProgress) =>
          importTransactions(db.ds, file, mapping, { onProgress, maxRejectRate: o.maxRejectRate, foreignKeys: o.fkCheck }),
        );
        printReport(report, o.json);
      });
    });
}
