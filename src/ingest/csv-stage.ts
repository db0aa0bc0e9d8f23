import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import { stageWithCopy } from './copy-stage';
import { decoder } from './decode';
import { ImportError } from './import-error';
import { Tallies } from './import-report';
import { assertDistinctNames, NUL_REASON, type Encoding } from './line-rules';

export type Delimiter = 'comma' | 'semicolon' | 'tab' | 'whitespace';
export const DELIMITERS: readonly Delimiter[] = ['comma', 'semicolon', 'tab', 'whitespace'];

const CHAR: Record<Exclude<Delimiter, 'whitespace'>, string> = { comma: ',', semicolon: ';', tab: '\t' };

/** A record longer than this is a format error (typically an unclosed quote swallowing the file). */
const MAX_RECORD_BYTES = 1 << 20;

function csvOptions(delimiter: Delimiter): CsvOptions {
  return {
    bom: true,
    // Column counts are checked here, line by line, so that a bad line is reported instead of aborting the parse.
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_BYTES,
    delimiter: delimiter === 'whitespace' ? [' ', '\t'] : CHAR[delimiter],
  };
}

export async function assertReadableFile(file: string): Promise<number> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    throw new ImportError('file not found', file);
  }
  if (!st.isFile()) throw new ImportError('not a regular file', file);
  return st.size;
}

async function firstBytes(file: string, n = 1 << 16): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await fh.close();
  }
}

/**
 * Guesses the delimiter from the first line: the most frequent of `,` `;` tab outside quotes; runs of
 * spaces between fields (and none of those) mean whitespace-separated columns.
 */
export async function detectDelimiter(file: string): Promise<Delimiter> {
  const text = await firstBytes(file);
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of first) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  const [best, n] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
  if (n > 0) return best === ',' ? 'comma' : best === ';' ? 'semicolon' : 'tab';
  return /\S[ \t]+\S/.test(first.trim()) ? 'whitespace' : 'comma';
}

function cleanRecord(rec: string[], delimiter: Delimiter): string[] {
  // Runs of blanks are one separator: csv-parse yields empty fields between them.
  return delimiter === 'whitespace' ? rec.filter((f) => f !== '') : rec;
}

/**
 * Runs of blanks → one space. csv-parse gets very slow on long runs of delimiters (the empty fields between
 * them), and whitespace-separated files are full of them.
 */
function collapseBlanks(): Transform {
  let afterBlank = false;
  return new Transform({
    decodeStrings: false,
    transform(chunk: string | Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      // Buffers come from the UTF-8 check, which never splits a character.
      let s = (typeof chunk === 'string' ? chunk : chunk.toString('utf8')).replace(/[ \t]+/g, ' ');
      if (afterBlank && s.startsWith(' ')) s = s.slice(1);
      if (s.length > 0) afterBlank = s.endsWith(' ');
      cb(null, s);
    },
  });
}

/**
 * The file as text: its bytes checked (utf8) or decoded (latin1, windows-1252), blanks collapsed for
 * whitespace-separated files. `source` is the file stream (its bytesRead drives the progress).
 */
function textStages(file: string, delimiter: Delimiter, encoding: Encoding): { source: fs.ReadStream; stages: Transform[] } {
  const source = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  return { source, stages: [decoder(file, encoding), ...(delimiter === 'whitespace' ? [collapseBlanks()] : [])] };
}

/**
 * The header row (first record), fields trimmed. Fails on an empty file, on bytes that are not text in
 * `encoding` (naming the line) and on a column name given twice (naming it).
 */
export async function readHeader(file: string, delimiter: Delimiter, encoding: Encoding = 'utf8'): Promise<string[]> {
  const { source, stages } = textStages(file, delimiter, encoding);
  const parser = parse({ ...csvOptions(delimiter), to: 1 });
  // Piped by hand so that reading stops after the first record; a stage's error ends the parser with it.
  const chain: NodeJS.ReadableStream[] = [source, ...stages];
  chain.forEach((s, i) => {
    s.on('error', (e: Error) => parser.destroy(e));
    s.pipe(i + 1 < chain.length ? (chain[i + 1] as Transform) : parser);
  });
  let header: string[] | undefined;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      header = cleanRecord(rec, delimiter).map((f) => f.trim());
      break;
    }
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(`cannot read the header: ${e instanceof Error ? e.message : String(e)}`, file, 1);
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (!header) throw new ImportError('the file is empty (no header row)', file, 1);
  assertDistinctNames(file, header, true);
  return header;
}

export interface StageColumn {
  /** Column of the staging table. */
  name: string;
  /** 0-based field position in the record. */
  index: number;
}

export interface StageOptions {
  file: string;
  /**
   * An existing (temporary) table with an integer `line_no` column, a text `flaw` column (the reason a
   * line is rejected before any field is typed, else NULL) and a text column per StageColumn.
   */
  table: string;
  columns: StageColumn[];
  /** Fields a record must have; others are a wrong column count. */
  expectedFields: number;
  delimiter: Delimiter;
  encoding: Encoding;
  skipHeader: boolean;
  /** Wrong column count: counted and skipped ('reject') or the end of the import ('fatal'). */
  badRecord: 'reject' | 'fatal';
  /** Copy the fields not in `columns` into the text column `rest` (joined), so exact duplicates can be told apart. */
  restColumn?: boolean;
  onBytes?: (bytesRead: number) => void;
  /**
   * When COPY reads the file, replace `table` by a view of the same columns over COPY's own table instead of
   * copying the data into it (the caller only reads `table`, and analyzes `statsTable`).
   */
  asView?: boolean;
}

export interface StageResult {
  /** Data records seen (header excluded, blank lines included). */
  read: number;
  /** Records copied into the staging table. */
  staged: number;
  rejected: Tallies;
  skipped: Tallies;
  /** Which reader staged the file: PostgreSQL's COPY (clean files) or csv-parse record by record. */
  reader: 'copy' | 'records';
  /** The table that holds the staged rows, for ANALYZE: `table`, or COPY's own when `asView` took effect. */
  statsTable: string;
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };

/**
 * One field in COPY text format: trimmed, empty → NULL; NUL characters (which PostgreSQL text cannot hold)
 * dropped — their line is staged with a flaw, so it is rejected, never loaded with the altered value.
 */
function copyField(v: string | undefined): string {
  if (v === undefined) return '\\N';
  const t = v.trim();
  if (t === '') return '\\N';
  return NEEDS_ESCAPE.test(t) ? t.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]) : t;
}

/**
 * Stages `file` into `table`, keeping each record's source line number. Field values are trimmed and empty
 * fields become NULL; typing and validation happen in SQL afterwards. PostgreSQL's CSV reader does the work
 * when the file is clean (copy-stage.ts); otherwise, and for whitespace-separated files, csv-parse reads it
 * record by record, applying the per-line rules.
 */
export async function stageCsv(client: PoolClient, opts: StageOptions): Promise<StageResult> {
  if (opts.delimiter !== 'whitespace') {
    const open = () => {
      const { source, stages } = textStages(opts.file, opts.delimiter, opts.encoding);
      if (opts.onBytes) {
        const onBytes = opts.onBytes;
        source.on('data', () => onBytes(source.bytesRead));
      }
      return [source, ...stages];
    };
    const staged = await stageWithCopy(client, opts, open);
    if (staged) return staged;
  }
  return stageRecords(client, opts);
}

/**
 * Streams `file` through csv-parse into `table` with COPY (text format). Memory stays bounded: records are
 * batched into ~64 KiB chunks and COPY's back-pressure is honoured.
 */
export async function stageRecords(client: PoolClient, opts: StageOptions): Promise<StageResult> {
  const { file, columns, expectedFields, delimiter } = opts;
  const rejected = new Tallies();
  const skipped = new Tallies();
  const mapped = new Set(columns.map((c) => c.index));
  const rest = opts.restColumn ? [...Array(expectedFields).keys()].filter((i) => !mapped.has(i)) : [];
  const copyCols = ['line_no', 'flaw', ...columns.map((c) => c.name), ...(opts.restColumn ? ['rest'] : [])];
  let nextLine = 1;
  let read = 0;
  let staged = 0;
  let header = opts.skipHeader;
  let parts: string[] = [];
  let size = 0;

  const toCopy = new Transform({
    writableObjectMode: true,
    transform(raw: string[], _enc: BufferEncoding, cb: TransformCallback) {
      const line = nextLine;
      nextLine++;
      let nul = false;
      // Quoted fields may span lines: keep counting physical lines.
      for (const f of raw) {
        if (f.indexOf('\n') >= 0) nextLine += f.split('\n').length - 1;
        if (f.indexOf('\0') >= 0) nul = true;
      }
      if (header) {
        header = false;
        cb();
        return;
      }
      read++;
      const rec = cleanRecord(raw, delimiter);
      if (rec.length === 0 || (rec.length === 1 && rec[0].trim() === '' && expectedFields > 1)) {
        skipped.add('blank line', line);
        cb();
        return;
      }
      if (rec.length !== expectedFields) {
        if (opts.badRecord === 'fatal') {
          cb(new ImportError(`expected ${expectedFields} fields, found ${rec.length}`, file, line));
          return;
        }
        rejected.add('wrong column count', line);
        cb();
        return;
      }
      let s = nul ? `${line}\t${NUL_REASON}` : `${line}\t\\N`;
      for (const c of columns) s += `\t${copyField(rec[c.index])}`;
      if (opts.restColumn) s += `\t${rest.length ? copyField(rest.map((i) => rec[i]).join('\u001f')) : '\\N'}`;
      parts.push(s, '\n');
      size += s.length;
      staged++;
      if (size >= 1 << 16) {
        const chunk = parts.join('');
        parts = [];
        size = 0;
        cb(null, chunk);
      } else cb();
    },
    flush(cb: TransformCallback) {
      cb(null, parts.join(''));
    },
  });

  const { source, stages } = textStages(file, delimiter, opts.encoding);
  if (opts.onBytes) {
    const onBytes = opts.onBytes;
    source.on('data', () => onBytes(source.bytesRead));
  }
  const copy = client.query(copyFrom(`COPY ${opts.table} (${copyCols.join(', ')}) FROM STDIN`));
  try {
    await pipeline([source, ...stages, parse(csvOptions(delimiter)), toCopy, copy]);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      throw new ImportError(`malformed CSV (${err.code}): ${err.message}`, file, err.lines);
    }
    throw e;
  }
  return { read, staged, rejected, skipped, reader: 'records', statsTable: opts.table };
}

/** Field positions of `wanted` header names; a missing one is a fatal error naming the file and column. */
export function columnIndexes(file: string, header: string[], wanted: Record<string, string>): Record<string, number> {
  const pos = new Map(header.map((h, i) => [h, i] as const));
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(wanted)) {
    const i = pos.get(name);
    if (i === undefined) throw new ImportError(`missing in the header (columns are: ${header.join(', ')})`, file, 1, name);
    out[key] = i;
  }
  return out;
}
