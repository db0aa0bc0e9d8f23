import { Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { authenticate, bearerToken, generateKey, hashKey, parseApiKeys } from '../../src/auth/api-keys';
import { roleAtLeast, type Role } from '../../src/auth/roles';
import type { GraphQLContext } from '../../src/graphql/context';
import { registerRoute } from '../../src/http/routes';
import { sendJson } from '../../src/http/respond';
import { buildProgram } from '../../src/cli';
import { ConfigError } from '../../src/config';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestServer, testKeys, type TestServer } from './helpers';

@Resolver()
class RoleProbeResolver {
  @Authorized<Role>('analyst')
  @Query(() => String)
  analystProbe(@Ctx() ctx: GraphQLContext): string {
    return ctx.principal.role;
  }

  @Authorized<Role>('admin')
  @Mutation(() => String)
  adminProbe(@Ctx() ctx: GraphQLContext): string {
    return ctx.principal.role;
  }
}

describe('API keys (unit)', () => {
  it('hashes with SHA-256 hex', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('generates distinct keys of 256 bits', () => {
    const a = generateKey();
    expect(a).toMatch(/^sgm_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(a);
  });

  it('parses role:hash entries and names the bad one', () => {
    const h = hashKey('k');
    expect(parseApiKeys(` viewer:${h} , admin:${h.toUpperCase()},`).map((k) => k.role)).toEqual(['viewer', 'admin']);
    expect(() => parseApiKeys(`viewer:${h},boss:${h}`)).toThrow(/API_KEYS entry 2: unknown role "boss"/);
    expect(() => parseApiKeys(`viewer:${h.slice(1)}`)).toThrow(/entry 1: the hash must be 64 hex digits/);
    expect(() => parseApiKeys(`viewer`)).toThrow(ConfigError);
  });

  it('reads Bearer tokens only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('authenticates against configured hashes; open mode without keys', () => {
    const { keys, spec } = testKeys();
    const entries = parseApiKeys(spec);
    expect(authenticate(`Bearer ${keys.analyst}`, entries)).toMatchObject({ role: 'analyst', open: false, keyId: hashKey(keys.analyst).slice(0, 12) });
    expect(() => authenticate(`Bearer nope`, entries)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => authenticate(undefined, entries)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(authenticate(undefined, [])).toMatchObject({ role: 'admin', open: true });
  });

  it('orders roles: admin ⊃ analyst ⊃ viewer', () => {
    expect(roleAtLeast('admin', 'viewer')).toBe(true);
    expect(roleAtLeast('analyst', 'analyst')).toBe(true);
    expect(roleAtLeast('viewer', 'analyst')).toBe(false);
    expect(roleAtLeast('analyst', 'admin')).toBe(false);
  });
});

describe('segmenta keys', () => {
  async function run(args: string[]): Promise<string> {
    let out = '';
    const spyOut = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'segmenta', ...args]);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    return out;
  }

  it('hash prints the SHA-256, or the API_KEYS entry with --role', async () => {
    expect((await run(['keys', 'hash', 'abc'])).trim()).toBe(hashKey('abc'));
    expect((await run(['keys', 'hash', 'abc', '--role', 'viewer'])).trim()).toBe(`viewer:${hashKey('abc')}`);
  });

  it('generate prints a key and an entry that accepts it', async () => {
    const { key, entry } = JSON.parse(await run(['keys', 'generate', '--role', 'admin', '--json']));
    expect(entry).toBe(`admin:${hashKey(key)}`);
    expect(authenticate(`Bearer ${key}`, parseApiKeys(entry))).toMatchObject({ role: 'admin' });
  });

  it('refuses an unknown role', async () => {
    await expect(run(['keys', 'generate', '--role', 'root'])).rejects.toThrow(/--role must be one of viewer, analyst, admin/);
  });
});

describe('authentication and roles over HTTP', () => {
  let db: TestDb;
  let open: TestServer;
  let secured: TestServer;
  const { keys, spec } = testKeys();
  const STATS = '{ warehouseStats { orders } }';
  const unregister: (() => void)[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    open = await startTestServer({ db, extraResolvers: [RoleProbeResolver] });
    secured = await startTestServer({ db, extraResolvers: [RoleProbeResolver], settings: { apiKeys: spec } });
    unregister.push(registerRoute('GET', '/test/whoami/:name', (_req, res, ctx) => sendJson(res, 200, { role: ctx.principal.role, name: ctx.params.name })));
    unregister.push(registerRoute('GET', '/test/admin-only', (_req, res) => sendJson(res, 200, {}), { role: 'admin' }));
    unregister.push(registerRoute('GET', '/test/public', (_req, res) => sendJson(res, 200, { ok: true }), { role: null }));
  });
  afterAll(async () => {
    unregister.forEach((u) => u());
    await open?.close();
    await secured?.close();
    await db?.drop();
  });

  it('open local mode (no keys): everything is allowed as admin, with a warning at start', async () => {
    const r = await open.gql('mutation { adminProbe }');
    expect(r.body).toEqual({ data: { adminProbe: 'admin' } });
    expect(open.logs.some((l) => l.level === 40 && /API_KEYS is empty/.test(String(l.msg)))).toBe(true);
    expect(secured.logs.some((l) => /API_KEYS is empty/.test(String(l.msg)))).toBe(false);
  });

  it.each([
    ['a missing key', undefined],
    ['a wrong key', 'not-a-key'],
  ])('%s is UNAUTHENTICATED with HTTP 401', async (_label, key) => {
    const r = await secured.gql(STATS, undefined, { key });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a viewer key reads viewer queries', async () => {
    const r = await secured.gql(STATS, undefined, { key: keys.viewer });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { warehouseStats: { orders: 0 } } });
  });

  it('a viewer calling an admin mutation is FORBIDDEN, naming the role needed', async () => {
    const r = await secured.gql('mutation { adminProbe }', undefined, { key: keys.viewer });
    expect(r.body.data).toBeNull();
    expect(r.body.errors![0]).toMatchObject({
      message: 'Mutation.adminProbe requires the admin role; this API key has the viewer role',
      path: ['adminProbe'],
      extensions: { code: 'FORBIDDEN', requiredRole: 'admin', role: 'viewer' },
    });
  });

  it('roles nest: analyst and admin pass an analyst field, a viewer does not', async () => {
    expect((await secured.gql('{ analystProbe }', undefined, { key: keys.analyst })).body).toEqual({ data: { analystProbe: 'analyst' } });
    expect((await secured.gql('{ analystProbe }', undefined, { key: keys.admin })).body).toEqual({ data: { analystProbe: 'admin' } });
    expect((await secured.gql('{ analystProbe }', undefined, { key: keys.viewer })).body.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect((await secured.gql('mutation { adminProbe }', undefined, { key: keys.admin })).body).toEqual({ data: { adminProbe: 'admin' } });
  });

  it('registered routes use the same keys and roles', async () => {
    const none = await secured.get('/test/whoami/x');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const ok = await secured.get('/test/whoami/a%20b', { authorization: `Bearer ${keys.viewer}` });
    expect(await ok.json()).toEqual({ role: 'viewer', name: 'a b' });
    const denied = await secured.get('/test/admin-only', { authorization: `Bearer ${keys.analyst}` });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await secured.get('/test/public')).status).toBe(200);
  });
});
