import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, type TestServer } from './helpers';

/**
 * Every operation in schema/operations/ must validate against the schema and run without errors (variables
 * from a sibling `<name>.variables.json`). New operations are picked up without touching this file.
 */
const DIR = path.resolve(__dirname, '../../schema/operations');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.graphql'))
  .sort();

describe('schema/operations', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A trained model, so that operations over segments and analytics have data to read.
    t = await startTestServer({ db: await createTrainedDb() });
  });
  afterAll(async () => {
    await t?.close();
    await t?.db.drop();
  });

  it('holds at least one operation', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s validates against the schema', async (file) => {
    const schema = await buildAppSchema();
    const errors = validate(schema, parse(readFileSync(path.join(DIR, file), 'utf8')));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it.each(files)('%s runs without errors', async (file) => {
    const query = readFileSync(path.join(DIR, file), 'utf8');
    const varsFile = path.join(DIR, file.replace(/\.graphql$/, '.variables.json'));
    const variables = existsSync(varsFile) ? JSON.parse(readFileSync(varsFile, 'utf8')) : undefined;
    const r = await t.gql(query, variables);
    expect(r.body.errors ?? []).toEqual([]);
    expect(r.status).toBe(200);
    expect(r.body.data).toBeTruthy();
  });
});
