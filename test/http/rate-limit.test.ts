import { Field, Int, ObjectType, Query, Resolver, Arg } from 'type-graphql';
import { InFlightGate } from '../../src/http/in-flight';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestServer, testKeys, type TestServer } from '../graphql/helpers';

@ObjectType()
class Nap {
  @Field(() => Int) ms: number;
}

@Resolver()
class NapResolver {
  @Query(() => Nap)
  async nap(@Arg('ms', () => Int) ms: number): Promise<Nap> {
    await new Promise((r) => setTimeout(r, ms));
    return { ms };
  }
}

describe('in-flight gate (unit)', () => {
  it('runs up to the cap, queues in order up to the queue size, refuses the rest', async () => {
    const gate = new InFlightGate({ maxInFlight: 2, maxQueued: 2, queueTimeoutMs: 10_000 });
    const a = await gate.admit();
    const b = await gate.admit();
    expect(a.admitted && b.admitted).toBe(true);
    const order: string[] = [];
    const c = gate.admit().then((x) => (order.push('c'), x));
    const d = gate.admit().then((x) => (order.push('d'), x));
    expect(await gate.admit()).toEqual({ admitted: false, reason: 'queue full' });
    expect(gate.stats).toEqual({ running: 2, queued: 2 });
    if (a.admitted) a.release();
    if (a.admitted) a.release(); // a second release of one slot does nothing
    expect((await c).admitted).toBe(true);
    expect(gate.stats).toEqual({ running: 2, queued: 1 });
    if (b.admitted) b.release();
    expect((await d).admitted).toBe(true);
    expect(order).toEqual(['c', 'd']);
  });

  it('refuses a request that waited longer than the queue timeout', async () => {
    const gate = new InFlightGate({ maxInFlight: 1, maxQueued: 5, queueTimeoutMs: 30 });
    await gate.admit();
    expect(await gate.admit()).toEqual({ admitted: false, reason: 'queue timeout' });
    expect(gate.stats).toEqual({ running: 1, queued: 0 });
  });
});

describe('rate limit and in-flight cap over HTTP', () => {
  let db: TestDb;
  const servers: TestServer[] = [];
  const start = async (settings: Parameters<typeof startTestServer>[0] extends infer O ? (O extends { settings?: infer S } ? S : never) : never) => {
    const s = await startTestServer({ db, extraResolvers: [NapResolver], settings });
    servers.push(s);
    return s;
  };
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await db?.drop();
  });

  it('counts an address across instances in PostgreSQL and answers 429 with Retry-After', async () => {
    const a = await start({ rateLimitPoints: 5, rateLimitWindowSeconds: 60 });
    const b = await start({ rateLimitPoints: 5, rateLimitWindowSeconds: 60 });
    for (const s of [a, a, a, b, b]) expect((await s.gql('{ __typename }')).status).toBe(200);
    const refused = await b.gql('{ __typename }');
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0].extensions?.code).toBe('RATE_LIMITED');
    expect(refused.body.errors![0].message).toMatch(/more than 5 requests in 60 s from this address/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await a.gql('{ __typename }')).status).toBe(429);
    // Other routes are limited too; health checks never are.
    expect((await a.get('/dashboard')).status).toBe(429);
    expect((await a.get('/healthz')).status).toBe(200);
    expect((await a.get('/readyz')).status).not.toBe(429);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM rate_limit WHERE key LIKE '%addr:127.0.0.1'`);
    expect(n).toBe(1);
  });

  it('with API keys counts each key on its own', async () => {
    await db.ds.query(`DELETE FROM rate_limit`);
    const { keys, spec } = testKeys();
    const s = await start({ apiKeys: spec, rateLimitPoints: 2, rateLimitWindowSeconds: 60 });
    const as = (key: string) => s.gql('{ __typename }', undefined, { key });
    expect((await as(keys.viewer)).status).toBe(200);
    expect((await as(keys.viewer)).status).toBe(200);
    expect((await as(keys.viewer)).status).toBe(429);
    expect((await as(keys.admin)).status).toBe(200);
    const refused = await as(keys.viewer);
    expect(refused.body.errors![0].message).toMatch(/from this API key/);
  });

  it('200 connections at once all get answers: served, or refused with 503 and Retry-After', async () => {
    const s = await start({ maxInFlight: 4, maxQueued: 20, queueTimeoutMs: 5000 });
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(s.server.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ nap(ms: 50) { ms } }' }),
        }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as { errors?: { extensions?: { code?: string } }[] } })),
      ),
    );
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(served.length + refused.length).toBe(200);
    expect(served.length).toBeGreaterThanOrEqual(24); // the 4 running and the 20 queued at least
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.retryAfter).toBe('1');
      expect(r.body.errors![0].extensions?.code).toBe('OVERLOADED');
    }
    // The slots were all given back.
    expect((await s.gql('{ nap(ms: 1) { ms } }')).status).toBe(200);
  });

  it('gives back the slot of a client that left while queued', async () => {
    const s = await start({ maxInFlight: 1, maxQueued: 5, queueTimeoutMs: 2000 });
    const post = (query: string, signal?: AbortSignal) =>
      fetch(s.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), signal });
    const long = post('{ nap(ms: 400) { ms } }');
    await new Promise((r) => setTimeout(r, 50));
    const gone = new AbortController();
    const queued = post('{ nap(ms: 1) { ms } }', gone.signal).catch((e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 50));
    gone.abort();
    expect(await queued).toBe('AbortError');
    expect((await long).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await post('{ nap(ms: 1) { ms } }')).status).toBe(200);
  });
});
