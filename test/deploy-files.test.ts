import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config';

/**
 * The Dockerfile and docker-compose.yml agree with the package and its configuration: the image runs a Node the
 * package supports and CI tests, starts the way `npm start` does, and exposes and health-checks the port the
 * service listens on; compose sets only variables the service reads, with values it accepts, and points the
 * service at its own PostgreSQL. Each failure names the file and the line of thought to fix.
 */

const ROOT = path.resolve(__dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> };

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions (continuation lines joined, comments dropped). */
function dockerfile(): Instruction[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const instructions = dockerfile();
const args = (op: string) => instructions.filter((i) => i.op === op).map((i) => i.args);

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
}
const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const app = compose.services.segmenta;
const db = compose.services.postgres;

/** `${NAME:-default}` as compose resolves it when NAME is unset. */
const resolveDefaults = (v: string) => String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

/** The Node majors the engines range admits, among those that exist as LTS lines. */
function engineAdmits(major: number): boolean {
  const min = /^>=\s*(\d+)/.exec(pkg.engines.node);
  const max = /<\s*(\d+)/.exec(pkg.engines.node);
  if (!min) throw new Error(`package.json engines.node "${pkg.engines.node}" has no lower bound`);
  return major >= Number(min[1]) && (!max || major < Number(max[1]));
}

describe('Dockerfile', () => {
  const froms = args('FROM').map((a) => a.split(/\s+/)[0]);
  const majors = froms.map((f) => /^node:(\d+)(?:[.-]|$)/.exec(f)?.[1]).map(Number);

  it('builds and runs on one Node major that the engines range admits and CI tests', () => {
    expect(froms.length).toBeGreaterThan(0);
    expect(majors.every((m) => Number.isInteger(m))).toBe(true);
    expect(new Set(majors).size).toBe(1);
    expect(engineAdmits(majors[0])).toBe(true);
    const ciNode = /CI_NODE_LTS-(\d+)\.\d+\.\d+/.exec(read('.ci/run'));
    expect(ciNode && Number(ciNode[1])).toBe(majors[0]);
    expect(read('README.md')).toContain(`Node ${majors[0]}`);
  });

  it('starts the service the way npm start does', () => {
    const cmd = JSON.parse(args('CMD').at(-1)!) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts.start);
  });

  it('exposes and health-checks the port the service listens on by default', () => {
    const port = String(loadConfig({}).PORT);
    expect(args('EXPOSE')).toEqual([port]);
    expect(args('HEALTHCHECK').join(' ')).toContain(`127.0.0.1:${port}/healthz`);
  });

  it('copies only paths that exist and that .dockerignore does not leave out', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter(Boolean);
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => !fs.existsSync(path.join(ROOT, s)))).toEqual([]);
    expect(sources.filter((s) => ignored.includes(s.replace(/\/$/, '')))).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it('builds the service from this repository after its PostgreSQL is healthy', () => {
    expect(app.build).toBe('.');
    expect(db.image).toMatch(/^postgres:\d+/);
    expect(app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('sets only variables the service reads, with values it accepts', () => {
    const env = Object.fromEntries(Object.entries(app.environment ?? {}).map(([k, v]) => [k, resolveDefaults(v)]));
    expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it("points the service at the compose PostgreSQL with that database's credentials", () => {
    const url = new URL(resolveDefaults(app.environment!.DATABASE_URL));
    const pg = db.environment!;
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname.slice(1)).toBe(pg.POSTGRES_DB);
  });

  it('publishes and health-checks the port the service is told to listen on', () => {
    const port = String(loadConfig(Object.fromEntries(Object.entries(app.environment ?? {}).map(([k, v]) => [k, resolveDefaults(v)]))).PORT);
    expect(app.ports?.map((p) => String(p).split(':').at(-1))).toEqual([port]);
    expect(app.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/readyz`);
  });
});
