import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PoolClient } from 'pg';
import { withTransaction } from '../../src/db/data-source';
import { stageCsv, stageRecords, type Delimiter, type StageOptions } from '../../src/ingest/csv-stage';
import type { Encoding } from '../../src/ingest/line-rules';
import { createTestDb, type TestDb } from '../helpers/db';
import { fixture } from './helpers';

/**
 * PostgreSQL's CSV reader (COPY) stages clean files; the record reader (csv-parse) stages the rest. For every
 * file COPY takes, both must stage exactly the same rows (line numbers, trimmed fields, NULLs, the joined
 * rest); for the files it must not take, it has to give up.
 */
describe('staging a delimited file', () => {
  let db: TestDb;
  let tmp: string;
  beforeAll(async () => {
    db = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-stage-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  interface Case {
    file: string;
    delimiter?: Delimiter;
    fields: number;
    /** Field positions staged as columns a, b (the rest joined). */
    map?: [number, number];
    skipHeader?: boolean;
    encoding?: Encoding;
  }

  const stageBoth = async (c: Case) =>
    withTransaction(db.ds, async (client: PoolClient) => {
      const map = c.map ?? [0, 1];
      const opts = (table: string): StageOptions => ({
        file: c.file,
        table,
        columns: [
          { name: 'a', index: map[0] },
          { name: 'b', index: map[1] },
        ],
        expectedFields: c.fields,
        delimiter: c.delimiter ?? 'comma',
        encoding: c.encoding ?? 'utf8',
        skipHeader: c.skipHeader ?? true,
        badRecord: 'reject',
        restColumn: true,
      });
      const rows = async (t: string) => (await client.query(`SELECT line_no, flaw, a, b, rest FROM ${t} ORDER BY line_no`)).rows;
      for (const t of ['s_fast', 's_slow']) await client.query(`CREATE TEMP TABLE ${t} (line_no int, flaw text, a text, b text, rest text) ON COMMIT DROP`);
      const fast = await stageCsv(client, opts('s_fast'));
      const slow = await stageRecords(client, opts('s_slow'));
      return { fast, slow, fastRows: await rows('s_fast'), slowRows: await rows('s_slow') };
    });

  const write = (name: string, body: string | Buffer) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, body);
    return file;
  };

  it.each([
    ['quoted delimiters, doubled quotes, padding, empty fields, CRLF, a BOM', () => write('clean.csv', '\ufeffid,name,x\r\n 1 ,"Doe, Jane",\r\n2,"say ""hi""",  z \r\n"3",,"  "\r\n'), 3],
    ['no line feed at the end', () => write('no-eol.csv', 'id,name\n1,a\n2,b'), 2],
    ['the transaction-log fixture with semicolons', () => fixture('txlog/semicolon.csv'), 0],
    ['the transaction-log fixture with tabs', () => fixture('txlog/tab.tsv'), 0],
    ['the Olist customers', () => fixture('olist/olist_customers_dataset.csv'), 5],
  ])('COPY and the record reader stage %s alike', async (_name, file, fields) => {
    const f = file();
    const delimiter: Delimiter = f.endsWith('.tsv') ? 'tab' : f.includes('semicolon') ? 'semicolon' : 'comma';
    const n = fields || fs.readFileSync(f, 'utf8').split(/\r?\n/)[0].split(delimiter === 'tab' ? '\t' : ';').length;
    const r = await stageBoth({ file: f, delimiter, fields: n });
    expect(r.fast.reader).toBe('copy');
    expect(r.slow.reader).toBe('records');
    expect(r.fastRows.length).toBeGreaterThan(0);
    expect(r.fastRows).toEqual(r.slowRows);
    expect(r.fast.read).toBe(r.slow.read);
  });

  it('reads a headerless file and a Latin-1 file with COPY, numbering lines from the first', async () => {
    const headerless = await stageBoth({ file: write('bare.csv', '1,a,x\n2,b,y\n'), fields: 3, skipHeader: false });
    expect(headerless.fast.reader).toBe('copy');
    expect(headerless.fastRows).toEqual(headerless.slowRows);
    expect(headerless.fastRows.map((r) => r.line_no)).toEqual([1, 2]);
    const latin1 = await stageBoth({ file: write('latin1.csv', Buffer.from('id,name\n1,Jos\xe9\n2,Jos\xea\n', 'latin1')), fields: 2, encoding: 'latin1' });
    expect(latin1.fast.reader).toBe('copy');
    expect(latin1.fastRows.map((r) => r.b)).toEqual(['Jos\u00e9', 'Jos\u00ea']);
    expect(latin1.fastRows).toEqual(latin1.slowRows);
  });

  it('reads a file of many read-buffer chunks alike, quotes and multi-byte characters falling on chunk edges', async () => {
    const names = ['"Doe, Jane"', 'plain', '"say ""hi"""', 'Zoë', '"€ 5"', '', ' padded '];
    const body = ['id,name,x', ...Array.from({ length: 20_000 }, (_, i) => `${i},${names[i % names.length]},${'é'.repeat(i % 4)}`)].join('\n');
    const r = await stageBoth({ file: write('chunks.csv', `${body}\n`), fields: 3 });
    expect(r.fast.reader).toBe('copy');
    expect(r.fastRows).toHaveLength(20_000);
    expect(r.fastRows).toEqual(r.slowRows);
    expect(r.fastRows[19_999].line_no).toBe(20_001);
    // The same file with one stray quote near its end: COPY gives up, the record reader keeps the quote as text.
    const stray = await stageBoth({ file: write('chunks-stray.csv', `${body}\n7,say "hi",x\n`), fields: 3 });
    expect(stray.fast.reader).toBe('records');
    expect(stray.fastRows.at(-1)).toMatchObject({ line_no: 20_002, b: 'say "hi"' });
  });

  it.each([
    ['a quote inside an unquoted field', 'id,note\n1,say "hi"\n2,b\n', [2, 3]],
    ['a quoted field spanning lines', 'id,note\n1,"two\nlines"\n2,b\n', [2, 4]],
    ['a wrong field count', 'id,note\n1,a,extra\n2,b\n', [3]],
    ['a blank line', 'id,note\n1,a\n\n2,b\n', [2, 4]],
    ['a NUL byte', 'id,note\n1,a\u0000b\n2,b\n', [2, 3]],
    ['an end-of-data marker', 'id,note\n1,a\n\\.\n2,b\n', [2, 4]],
  ])('leaves a file with %s to the record reader', async (_name, body, lines) => {
    const r = await stageBoth({ file: write('messy.csv', body), fields: 2 });
    expect(r.fast.reader).toBe('records');
    expect(r.fastRows).toEqual(r.slowRows);
    expect(r.fastRows.map((x) => x.line_no)).toEqual(lines);
  });
});
