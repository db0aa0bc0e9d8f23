import { train } from '../../src/models/train.pipeline';
import { validateTrainRequest, type TrainRequest, type TrainRequestNames } from '../../src/models/train-request';
import { isDomainError } from '../../src/shared/errors';
import { useTestDb } from '../helpers/db';

/**
 * One set of training-request rules for every face: the same request is refused the same way whether it comes
 * from GraphQL (`input.<field>`), the CLI (its flags) or a library caller (the bare field), and the rules that
 * need the warehouse (as-of after the first purchase) hold for any first purchase date.
 */

const testDb = useTestDb();

/** A warehouse whose purchases are exactly `days`, plus one canceled order before them (not a purchase). */
async function warehouse(days: string[]): Promise<void> {
  await testDb().ds.query(`TRUNCATE customer, order_fact CASCADE`);
  const [{ id }] = await testDb().ds.query(`INSERT INTO customer (customer_unique_id) VALUES ('c1') RETURNING id`);
  const rows = [...days.map((d, i) => [`o${i}`, d, 'delivered', true]), ['canceled', '1990-01-01T00:00:00Z', 'canceled', false]];
  for (const [oid, at, status, purchase] of rows) {
    await testDb().ds.query(`INSERT INTO orders (id, customer_id, status, purchased_at) VALUES ($1, $2, $3, $4)`, [oid, id, status, at]);
    await testDb().ds.query(
      `INSERT INTO order_fact (order_id, customer_id, status, source, purchased_at, is_purchase, is_return_only)
       VALUES ($1, $2, $3, 'olist', $4, $5, false)`,
      [oid, id, status, at, purchase],
    );
  }
}

async function refusal(r: TrainRequest, names?: TrainRequestNames): Promise<{ message: string; details: Record<string, unknown> } | null> {
  try {
    await validateTrainRequest(testDb().ds, r, names);
    return null;
  } catch (e) {
    if (!isDomainError(e) || e.code !== 'BAD_USER_INPUT') throw e;
    return { message: e.message, details: e.details as Record<string, unknown> };
  }
}

const FUTURE = new Date(Date.now() + 30 * 86_400_000);
const GRAPHQL: TrainRequestNames = { argument: 'input' };
const CLI: TrainRequestNames = { fields: { algorithm: '--algorithm', k: '--k', singleDayCluster: '--single-day-cluster', kMax: '--k-max', seed: '--seed', asOf: '--as-of' } };

describe.each([
  ['one purchase in 2018', ['2018-03-05T10:00:00Z']],
  ['purchases from 1997', ['1997-01-02T00:00:00Z', '1997-06-30T12:00:00Z', '1998-02-01T00:00:00Z']],
])('a warehouse with %s', (_name, days) => {
  const first = new Date(days[0]);
  beforeAll(() => warehouse(days));

  it.each<[string, TrainRequest, keyof TrainRequest]>([
    ['an unknown clustering engine', { algorithm: 'dbscan' }, 'algorithm'],
    ['a single-day cluster that is not a boolean', { singleDayCluster: 'yes' as unknown as boolean }, 'singleDayCluster'],
    ['a single-day cluster with k = 2', { singleDayCluster: true, k: 2 }, 'k'],
    ['k = 1', { k: 1 }, 'k'],
    ['k = 51', { k: 51 }, 'k'],
    ['fractional k', { k: 2.5 }, 'k'],
    ['negative seed', { seed: -1 }, 'seed'],
    ['seed past the integer column', { seed: 2 ** 31 }, 'seed'],
    ['kMin above kMax', { kMin: 5, kMax: 4 }, 'kMin'],
    ['kMax above 50', { kMax: 51 }, 'kMin'],
    ['zero horizon', { horizonDays: 0 }, 'horizonDays'],
    ['an invalid date', { asOf: new Date('nope') }, 'asOf'],
    ['as-of in the future', { asOf: FUTURE }, 'asOf'],
    ['as-of on the first purchase', { asOf: first }, 'asOf'],
    ['as-of a day before the first purchase', { asOf: new Date(first.getTime() - 86_400_000) }, 'asOf'],
  ])('refuses %s, naming the field the way each face does', async (_case, request, field) => {
    const plain = await refusal(request);
    const graphql = await refusal(request, GRAPHQL);
    const cli = await refusal(request, CLI);
    expect(plain?.message).toMatch(new RegExp(`^${field}\\b`));
    expect(plain?.details).toEqual({ argument: field });
    expect(graphql?.message).toMatch(new RegExp(`^input\\.${field}\\b`));
    expect(graphql?.details).toEqual({ argument: 'input', field: `input.${field}` });
    const flag = CLI.fields?.[field];
    if (flag) expect(cli?.message.startsWith(flag)).toBe(true);
    // The same rule, whoever asks: the messages differ only in how the field is named.
    expect(graphql?.message.replace(/^input\./, '')).toBe(plain?.message);
  });

  it('accepts a valid request, and an as-of just after the first purchase', async () => {
    expect(await refusal({ k: 2, kMin: 2, kMax: 50, seed: 0, horizonDays: 1 })).toBeNull();
    expect(await refusal({ algorithm: 'gmm' })).toBeNull();
    expect(await refusal({ singleDayCluster: true, k: 3 })).toBeNull();
    expect(await refusal({ singleDayCluster: false, k: 2 })).toBeNull();
    expect(await refusal({ algorithm: 'kmeans' }, GRAPHQL)).toBeNull();
    expect((await refusal({ algorithm: 'GMM' }, GRAPHQL))?.message).toBe('input.algorithm must be one of kmeans, gmm, got "GMM"');
    expect(await refusal({ seed: 2 ** 31 - 1, asOf: new Date(first.getTime() + 1) })).toBeNull();
    expect(await refusal({ algorithm: null, k: null, seed: null, asOf: null }, GRAPHQL)).toBeNull();
  });
});

it('refuses an as-of when the warehouse has no purchase at all', async () => {
  await testDb().ds.query(`TRUNCATE customer, order_fact CASCADE`);
  expect((await refusal({ asOf: new Date('2018-01-01') }))?.message).toMatch(/no purchase orders/);
});

it('train() applies the same rules before it writes anything (the CLI and npm start train through it)', async () => {
  await warehouse(['2018-03-05T10:00:00Z']);
  await expect(train(testDb().ds, { asOf: FUTURE })).rejects.toThrow(/asOf .* is in the future/);
  await expect(train(testDb().ds, { asOf: new Date('2017-01-01') })).rejects.toThrow(/must be after the first purchase/);
  expect(await testDb().ds.query(`SELECT count(*)::int AS n FROM training_run`)).toEqual([{ n: 0 }]);
});
