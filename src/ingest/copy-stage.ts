import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import type { StageOptions, StageResult } from './csv-stage';
import { Tallies } from './import-report';
import { lit } from './sql-parse';

/**
 * The fast way to stage a delimited file: PostgreSQL's own CSV reader (COPY … FORMAT csv) fills a temporary
 * table (never WAL-logged, like an unlogged one) with every field as text, and one INSERT … SELECT trims the
 * fields and moves the mapped ones into the caller's staging table, numbered by line.
 *
 * COPY reads the clean files, which are nearly all files, and gives up on the others, which the record-by-
 * record reader then handles with its per-line rules. It gives up, rolling back to a savepoint, when:
 * - COPY itself refuses the data (wrong field count, blank line, NUL byte, unterminated quote): those lines
 *   are rejected, skipped or fatal one by one by the other reader, with their line numbers;
 * - a quote sits inside an unquoted field (`say "hi"`): COPY would read it as the start of a quoted
 *   section, the other reader keeps it as text;
 * - the file's line count is not its record count plus the header (a quoted field spanning lines, `\.`, bare
 *   CR line ends): record numbers would then not be line numbers.
 * Bytes that are not text in the declared encoding end the import either way (the decoder names the line).
 */

/** JavaScript's String.prototype.trim whitespace, so both readers trim alike. */
const JS_WHITESPACE = ' \t\n\u000b\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Passes the text on to COPY as UTF-8 bytes, counting line feeds and watching for a quote inside an
 * unquoted field: one with a field character on both sides (neither a delimiter, a line end, the file's
 * edge, nor another quote).
 */
class CsvScan extends Transform {
  lines = 0;
  stray = false;
  private last = -1;
  /** A quote at the end of the previous chunk whose next byte was not known yet, and the byte before it. */
  private pendingBefore = -2;

  constructor(private readonly delim: number) {
    super();
  }

  private boundary(b: number): boolean {
    return b === this.delim || b === LF || b === CR || b === QUOTE || b < 0;
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (buf.length === 0) return cb();
    if (this.pendingBefore !== -2) {
      if (!this.boundary(this.pendingBefore) && !this.boundary(buf[0])) this.stray = true;
      this.pendingBefore = -2;
    }
    for (let p = buf.indexOf(LF); p >= 0; p = buf.indexOf(LF, p + 1)) this.lines++;
    if (!this.stray) {
      for (let p = buf.indexOf(QUOTE); p >= 0; p = buf.indexOf(QUOTE, p + 1)) {
        const before = p > 0 ? buf[p - 1] : this.last;
        if (p + 1 >= buf.length) {
          this.pendingBefore = before;
          break;
        }
        if (!this.boundary(before) && !this.boundary(buf[p + 1])) {
          this.stray = true;
          break;
        }
      }
    }
    this.last = buf[buf.length - 1];
    cb(null, buf);
  }

  override _flush(cb: TransformCallback): void {
    // A file not ending in a line feed has one more line than it has line feeds.
    if (this.last !== -1 && this.last !== LF) this.lines++;
    cb();
  }
}

const DELIM_CHAR: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t' };

/** Trimmed text, empty → NULL (what the record reader stages). */
const trimmed = (x: string): string => `nullif(btrim(${x}, ${lit(JS_WHITESPACE)}), '')`;

/**
 * trimmed() of a column (read up to three times). A field that starts and ends with a printable ASCII character
 * has nothing to trim (every whitespace character is below 33 or above 126) and passes as it is: btrim with a
 * set of multibyte characters decodes the set and the field on every call, several times the cost of the read.
 */
const clean = (x: string): string =>
  `CASE WHEN ascii(${x}) BETWEEN 33 AND 126 AND ascii(right(${x}, 1)) BETWEEN 33 AND 126 THEN ${x} ELSE ${trimmed(x)} END`;

/**
 * Stages `opts.file` with COPY; undefined when COPY gave up (nothing staged, the transaction as before).
 * `open` gives the file's stream and its decoding stages, as for the record reader; it is called right before
 * the COPY starts (a stream with a data listener flows at once).
 */
export async function stageWithCopy(
  client: PoolClient,
  opts: StageOptions,
  open: () => NodeJS.ReadableStream[],
): Promise<StageResult | undefined> {
  const delim = DELIM_CHAR[opts.delimiter];
  if (!delim) return undefined;
  const n = opts.expectedFields;
  const f = (i: number) => `f${i + 1}`;
  const all = [...Array(n).keys()].map(f);
  await client.query('SAVEPOINT stage_copy');
  const giveUp = async () => {
    await client.query('ROLLBACK TO SAVEPOINT stage_copy');
    await client.query('RELEASE SAVEPOINT stage_copy');
    return undefined;
  };
  await client.query(`CREATE TEMP TABLE _csv_stage (rec_no bigserial, ${all.map((c) => `${c} text`).join(', ')}) ON COMMIT DROP`);
  const scan = new CsvScan(delim.charCodeAt(0));
  const copy = client.query(
    copyFrom(`COPY _csv_stage (${all.join(', ')}) FROM STDIN (FORMAT csv, DELIMITER ${lit(delim)}, HEADER ${opts.skipHeader})`),
  );
  try {
    await pipeline([...open(), scan, copy] as unknown as NodeJS.ReadWriteStream[]);
  } catch (e) {
    // Data COPY refuses (SQLSTATE class 22): the record reader takes the file, line by line.
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) return giveUp();
    throw e;
  }
  const records = copy.rowCount;
  if (scan.stray || scan.lines !== records + (opts.skipHeader ? 1 : 0)) return giveUp();

  const header = opts.skipHeader ? 1 : 0;
  const mapped = new Set(opts.columns.map((c) => c.index));
  const rest = [...Array(n).keys()].filter((i) => !mapped.has(i));
  const cols = ['line_no', 'flaw', ...opts.columns.map((c) => c.name), ...(opts.restColumn ? ['rest'] : [])];
  const exprs = [
    `rec_no + ${header}`,
    'NULL',
    ...opts.columns.map((c) => clean(f(c.index))),
    ...(opts.restColumn ? [rest.length ? trimmed(rest.map((i) => `coalesce(${f(i)}, '')`).join(` || chr(31) || `)) : 'NULL'] : []),
  ];
  if (opts.asView) {
    // The caller's table becomes a view of COPY's (same columns and types, unmapped ones NULL): the data is
    // written once, and trimmed as it is read. COPY's table goes at commit and takes the view with it.
    const { rows: attrs } = await client.query<{ name: string; type: string }>(
      `SELECT quote_ident(attname) AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [opts.table],
    );
    const byCol = new Map(cols.map((c, i) => [c, exprs[i]] as const));
    const select = attrs.map((a) => `(${byCol.get(a.name) ?? 'NULL'})::${a.type} AS ${a.name}`);
    await client.query(`DROP TABLE ${opts.table}`);
    await client.query(`CREATE TEMP VIEW ${opts.table} AS SELECT ${select.join(', ')} FROM _csv_stage`);
    await client.query('RELEASE SAVEPOINT stage_copy');
    return { read: records, staged: records, rejected: new Tallies(), skipped: new Tallies(), reader: 'copy', statsTable: '_csv_stage' };
  }
  await client.query(`INSERT INTO ${opts.table} (${cols.join(', ')}) SELECT ${exprs.join(', ')} FROM _csv_stage`);
  await client.query('DROP TABLE _csv_stage');
  await client.query('RELEASE SAVEPOINT stage_copy');
  return { read: records, staged: records, rejected: new Tallies(), skipped: new Tallies(), reader: 'copy', statsTable: opts.table };
}
