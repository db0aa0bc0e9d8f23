import http from 'node:http';
import { registerReadinessCheck } from '../../src/http/readiness';
import { compilePattern, registerRoute } from '../../src/http/routes';
import { sendJson } from '../../src/http/respond';
import { parseByteSize } from '../../src/http/body';
import { settingsFromConfig, startServer } from '../../src/server';
import { assertServable, loadConfig, resetConfigForTests } from '../../src/config';
import { badInput } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../helpers/db';
import { captureLogger, startTestServer, type TestServer } from '../graphql/helpers';

type ReadyBody = { status: string; checks: Record<string, { ok: boolean; detail?: string }> };

/** A raw request, for bodies fetch cannot send (chunked without length) and to read 413s reliably. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; chunks?: string[] }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}

describe('helpers (unit)', () => {
  it('parses body sizes', () => {
    expect(parseByteSize('1mb')).toBe(1048576);
    expect(parseByteSize('100KB')).toBe(102400);
    expect(parseByteSize('512b')).toBe(512);
    expect(() => parseByteSize('1gb')).toThrow(/100kb or 1mb/);
  });

  it('compiles route patterns', () => {
    const { regex, names } = compilePattern('/exports/segments/:segment.csv');
    expect(names).toEqual(['segment']);
    expect(regex.exec('/exports/segments/at-risk.csv')?.[1]).toBe('at-risk');
    expect(regex.test('/exports/segments/a/b.csv')).toBe(false);
    const star = compilePattern('/dashboard/*');
    expect(star.regex.exec('/dashboard/assets/app.js')?.[1]).toBe('assets/app.js');
    expect(star.regex.test('/dashboard')).toBe(true);
  });

  it('takes its settings from config', () => {
    const s = settingsFromConfig(loadConfig({ NODE_ENV: 'production', GRAPHQL_MAX_DEPTH: '7', REQUEST_BODY_LIMIT: '2mb', API_KEYS: '' }));
    expect(s).toMatchObject({ maxDepth: 7, bodyLimit: '2mb', sandbox: false, introspection: false, nodeEnv: 'production', warmUp: true });
    // Warm-up is on by default, off under test (servers in tests start on empty stores), and can be set either way.
    expect(settingsFromConfig(loadConfig({ NODE_ENV: 'test' })).warmUp).toBe(false);
    expect(settingsFromConfig(loadConfig({ NODE_ENV: 'test', WARM_UP: 'true' })).warmUp).toBe(true);
    expect(settingsFromConfig(loadConfig({ NODE_ENV: 'production', API_KEYS: '', WARM_UP: 'false' })).warmUp).toBe(false);
  });

  it('security defaults: production needs API keys or SEGMENTA_ALLOW_OPEN; open mode listens on loopback', () => {
    const prodOpen = loadConfig({ NODE_ENV: 'production', API_KEYS: '' });
    expect(() => assertServable(prodOpen)).toThrow(/API_KEYS is empty[\s\S]*keys generate --role admin[\s\S]*SEGMENTA_ALLOW_OPEN=1/);
    expect(prodOpen.listenHost).toBe('127.0.0.1');
    const asked = loadConfig({ NODE_ENV: 'production', API_KEYS: '', SEGMENTA_ALLOW_OPEN: '1' });
    expect(() => assertServable(asked)).not.toThrow();
    expect(asked.listenHost).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: '', SEGMENTA_ALLOW_OPEN: '1', HOST: '0.0.0.0' }).listenHost).toBe('0.0.0.0');
    const keyed = loadConfig({ NODE_ENV: 'production', API_KEYS: `admin:${'a'.repeat(64)}` });
    expect(() => assertServable(keyed)).not.toThrow();
    expect(keyed.listenHost).toBe('0.0.0.0');
    // Outside production open mode needs no flag (local development), still on loopback.
    const dev = loadConfig({ API_KEYS: '' });
    expect(() => assertServable(dev)).not.toThrow();
    expect(dev.listenHost).toBe('127.0.0.1');
  });

  it('startServer refuses production without API keys before opening any database', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { NODE_ENV: 'production', API_KEYS: '', SEGMENTA_ALLOW_OPEN: '' });
      resetConfigForTests();
      await expect(startServer({ logger: captureLogger().logger })).rejects.toThrow(/SEGMENTA_ALLOW_OPEN/);
    } finally {
      for (const k of ['NODE_ENV', 'API_KEYS', 'SEGMENTA_ALLOW_OPEN']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      resetConfigForTests();
    }
  });
});

describe('HTTP server', () => {
  let db: TestDb;
  let t: TestServer;
  const cleanup: (() => void)[] = [];
  beforeAll(async () => {
    db = await createTestDb();
    t = await startTestServer({ db, settings: { bodyLimit: '1kb' } });
    cleanup.push(
      registerRoute('GET', '/test/echo/:id', (_req, res, ctx) => sendJson(res, 200, { id: ctx.params.id, q: ctx.url.searchParams.get('q') })),
      registerRoute('GET', '/test/bad', () => {
        throw badInput('segment "x" is unknown', { argument: 'segment' });
      }),
      registerRoute('GET', '/test/boom', () => {
        throw new Error('relation "secret_table" does not exist');
      }),
    );
  });
  afterAll(async () => {
    cleanup.forEach((c) => c());
    await t?.close();
    await db?.drop();
  });

  it('GET /healthz answers ok', async () => {
    const r = await t.get('/healthz');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 503 without an active model, 200 once every check passes', async () => {
    // This database has no trained model: the models domain's "activeModel" check fails, the others pass.
    let r = await t.get('/readyz');
    let body = (await r.json()) as ReadyBody;
    expect(r.status).toBe(503);
    expect(body.checks.database).toMatchObject({ ok: true });
    expect(body.checks.migrations).toMatchObject({ ok: true });
    expect(body.checks.activeModel).toMatchObject({ ok: false });
    const [{ id }] = await db.ds.query(
      `INSERT INTO model_version (name, as_of, seed, k, customers, params, feature_names, imputation, scaler, kmeans, classifier, priority, metrics, is_active)
       VALUES ('stub for readiness', now(), 1, 2, 0, '{}', '[]', '{}', '{}', '{}', '{}', '{}', '{}', true) RETURNING id`,
    );
    try {
      r = await t.get('/readyz');
      body = (await r.json()) as ReadyBody;
      expect(r.status).toBe(200);
      expect(body.status).toBe('ready');
      expect(body.checks.activeModel).toMatchObject({ ok: true });
    } finally {
      await db.ds.query(`DELETE FROM model_version WHERE id = $1`, [id]);
    }
  });

  it('GET /readyz is 503 when a registered check fails, with each check reported', async () => {
    const off = registerReadinessCheck('testCheck', () => ({ ok: false, detail: 'this check always fails' }));
    const off2 = registerReadinessCheck('throws', () => {
      throw new Error('password=hunter2 leaked');
    });
    try {
      const r = await t.get('/readyz');
      const body = (await r.json()) as ReadyBody;
      expect(r.status).toBe(503);
      expect(body.status).toBe('not ready');
      expect(body.checks.database.ok).toBe(true);
      expect(body.checks.testCheck).toMatchObject({ ok: false, detail: 'this check always fails' });
      expect(body.checks.throws).toMatchObject({ ok: false, detail: 'check failed (see the server log)' });
      expect(JSON.stringify(body)).not.toContain('hunter2');
    } finally {
      off();
      off2();
    }
    const after = (await (await t.get('/readyz')).json()) as ReadyBody;
    expect(after.checks.testCheck).toBeUndefined();
  });

  it('GET /readyz reports pending migrations', async () => {
    const bare = await createTestDb({ migrate: false });
    const s = await startTestServer({ db: bare });
    try {
      const r = await s.get('/readyz');
      const body = (await r.json()) as ReadyBody;
      expect(r.status).toBe(503);
      expect(body.checks.migrations.ok).toBe(false);
      expect(body.checks.migrations.detail).toMatch(/pending: Warehouse1764000000000/);
    } finally {
      await s.close();
      await bare.drop();
    }
  });

  it('refuses a body over REQUEST_BODY_LIMIT with 413 and a JSON error (declared length)', async () => {
    const body = JSON.stringify({ query: `{ warehouseStats { orders } } # ${'x'.repeat(2000)}` });
    const r = await raw(t.server.graphqlUrl, { headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, chunks: [body] });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ errors: [{ message: expect.stringMatching(/exceeds the limit of 1024 bytes/), extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const r = await raw(t.server.graphqlUrl, { headers: { 'content-type': 'application/json' }, chunks: ['{"query":"', 'x'.repeat(600), 'y'.repeat(600), '"}'] });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a body under the limit and refuses invalid JSON with 400', async () => {
    expect((await t.gql('{ warehouseStats { orders } }')).body).toEqual({ data: { warehouseStats: { orders: 0 } } });
    const r = await raw(t.server.graphqlUrl, { headers: { 'content-type': 'application/json' }, chunks: ['{"query": '] });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('serves registered routes with params; 404 and 405 otherwise', async () => {
    expect(await (await t.get('/test/echo/7?q=a%26b')).json()).toEqual({ id: '7', q: 'a&b' });
    const missing = await t.get('/nothing/here');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const wrong = await raw(`${t.server.url}/test/echo/7`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect((await t.get('/test/echo/%E0%A4%A')).status).toBe(400);
  });

  it('maps route errors: DomainError → its status; anything else → masked 500', async () => {
    const bad = await t.get('/test/bad');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'BAD_USER_INPUT', message: 'segment "x" is unknown', argument: 'segment' } });
    const boom = await t.get('/test/boom');
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toContain('secret_table');
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    expect(t.logs.some((l) => JSON.stringify(l).includes('secret_table'))).toBe(true);
  });

  it('GET /graphql: a plain page without an explorer; with one, the bundled GraphiQL, or Apollo Sandbox on ?sandbox', async () => {
    const plain = await t.get('/graphql', { accept: 'text/html' });
    expect(plain.status).toBe(200);
    expect(await plain.text()).toMatch(/POST \/graphql/);
    const s = await startTestServer({ db, settings: { sandbox: true } });
    try {
      // The bundled explorer (503 with instructions when dist/web is not built); it loads nothing from other hosts.
      const page = await s.get('/graphql', { accept: 'text/html' });
      expect([200, 503]).toContain(page.status);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).toMatch(/GraphQL explorer/);
      const sandbox = await s.get('/graphql?sandbox', { accept: 'text/html' });
      expect(sandbox.status).toBe(200);
      expect(await sandbox.text()).toMatch(/apollo/i);
      // Queries by GET still work beside the explorer.
      const q = await s.get('/graphql?query=%7B__typename%7D', { accept: 'application/json', 'apollo-require-preflight': 'true' });
      expect(await q.json()).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await s.close();
    }
  });

  it('stops gracefully: in-flight requests finish, new connections are refused', async () => {
    const s = await startTestServer({ db });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const off = registerRoute('GET', '/test/slow', async (_req, res) => {
      await gate;
      sendJson(res, 200, { done: true });
    });
    try {
      const inflight = fetch(`${s.server.url}/test/slow`);
      await new Promise((r) => setTimeout(r, 50));
      const stopped = s.close();
      await new Promise((r) => setTimeout(r, 50));
      release();
      const r = await inflight;
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ done: true });
      await stopped;
      await expect(fetch(`${s.server.url}/healthz`)).rejects.toThrow();
    } finally {
      off();
    }
  });
});
