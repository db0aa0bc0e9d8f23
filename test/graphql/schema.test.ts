import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildAppSchema, printAppSchema } from '../../src/graphql/schema';

const SCHEMA_FILE = path.resolve(__dirname, '../../schema/schema.graphql');

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers build', async () => {
    const sdl = printAppSchema(await buildAppSchema());
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (committed !== sdl) {
      const a = committed.split('\n');
      const b = sdl.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      const at = i < 0 ? Math.min(a.length, b.length) : i;
      throw new Error(
        `schema/schema.graphql is out of date: run npm run schema\n` +
          `first difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  code:      ${b[at] ?? '(end of file)'}`,
      );
    }
  });

  it('prints the same SDL on every build (sorted, stable)', async () => {
    const first = printAppSchema(await buildAppSchema());
    const second = printAppSchema(await buildAppSchema());
    expect(second).toBe(first);
    expect(first).toContain('type Query');
  });
});
