import { parse } from 'graphql';
import { loadConfig } from '../../src/config';
import { parseLsn, parseReadUrls } from '../../src/db/replicas';
import { modelIdsInRouteParams, requestedRows } from '../../src/graphql/read-routing';

/** The pure parts of read routing: which model ids a request names, LSN order, DATABASE_READ_URL parsing. */
describe('read routing', () => {
  it('finds model ids in arguments, input objects and variables, and ignores what is not an id', () => {
    const doc = parse(`query($m: ID, $n: ID) {
      customers(modelId: $m, filter: { modelId: "7" }) { totalCount }
      segments(kind: CLUSTER, modelId: 3) { key }
      modelVersion(id: "12") { id }
      other: segments(kind: RFM, modelId: $n) { key }
      customer(id: "99") { id }
    }`);
    expect(requestedRows(doc, { m: '5', n: 'abc' }).modelIds.sort((a, b) => a - b)).toEqual([3, 5, 7, 12]);
    expect(requestedRows(doc, { m: '5', n: 'abc' }).runIds).toEqual([]);
    expect(requestedRows(parse(`{ activeModel { id } }`), {})).toEqual({ modelIds: [], runIds: [] });
    expect(requestedRows(parse(`query($r: ID!) { trainingRun(id: $r) { status } }`), { r: '42' })).toEqual({ modelIds: [], runIds: [42] });
  });

  it('reads the model id of an export path', () => {
    expect(modelIdsInRouteParams({ segment: '14:CLUSTER:2' })).toEqual([14]);
    expect(modelIdsInRouteParams({ segment: 'CLUSTER:2' })).toEqual([]);
  });

  it('orders LSNs like the WAL', () => {
    expect(parseLsn('0/6C866BD8')! < parseLsn('1/0')!).toBe(true);
    expect(parseLsn('16/B374D848')! > parseLsn('16/B374D847')!).toBe(true);
    expect(parseLsn(null)).toBeNull();
  });

  it('takes one or several replica URLs, and refuses anything else naming the variable', () => {
    expect(parseReadUrls('postgres://a/x, postgres://b/x,')).toEqual(['postgres://a/x', 'postgres://b/x']);
    expect(parseReadUrls(undefined)).toEqual([]);
    expect(loadConfig({ DATABASE_READ_URL: 'postgres://a/x,postgresql://b/x' }).DATABASE_READ_URL).toBe('postgres://a/x,postgresql://b/x');
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://a/x,mysql://b/x' })).toThrow(/DATABASE_READ_URL/);
    expect(() => loadConfig({ TRAINING_ENABLED: 'maybe' })).toThrow(/TRAINING_ENABLED/);
  });
});
