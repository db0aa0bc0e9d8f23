import fs from 'node:fs';
import path from 'node:path';

/**
 * Dependencies point down (docs/architecture.md): entry points → faces (graphql, http, cli) → data model →
 * models → features, ingest, seeds → warehouse → db; shared and config at the bottom. The pure ML core
 * (segmentation, churn, classifier) imports only itself and src/shared, so it can be read, tested and run on a
 * worker thread without a database. This test reads every import of src/, seeds/ and migrations/ and fails on an import that points up
 * or sideways, printing each as `file → target`.
 */

const SRC = path.resolve(__dirname, '../../src');
const ROOT = path.resolve(SRC, '..');

/** Rank of each unit: a module may import its own unit and units of a lower rank. */
const RANK: Record<string, number> = {
  shared: 0,
  config: 0,
  logger: 1,
  segmentation: 1, churn: 1, classifier: 1, // the pure core
  db: 1,
  warehouse: 2,
  migrations: 2,
  features: 3, ingest: 3, seeds: 3,
  models: 4,
  auth: 4,
  'data-model': 5,
  graphql: 6, http: 6, cli: 6, // faces
  server: 7, main: 8, 'cli.ts': 8, // entry points (main starts the server)
};
const CORE = new Set(['segmentation', 'churn', 'classifier']);
/** Packages the pure core must not use: databases, GraphQL and HTTP belong to the layers above it. */
const CORE_FORBIDDEN_PACKAGES = /^(typeorm|pg|pg-copy-streams|graphql|type-graphql|@apollo\/|dataloader|node:http|http$)/;

/**
 * Imports known to point the wrong way, each with its reason. The test also fails when an entry no longer
 * occurs, so this list only shrinks.
 */
// An entry reads { from: 'src/graphql/x.ts', to: 'http', reason: '…' }.
const KNOWN: { from: string; to: string; reason: string }[] = [];

function unitOf(abs: string): string | null {
  const rel = path.relative(SRC, abs);
  if (rel.startsWith('..')) {
    const top = path.relative(ROOT, abs).split(path.sep)[0];
    return top in RANK ? top : null;
  }
  const parts = rel.split(path.sep);
  if (parts.length > 1) return parts[0];
  const base = parts[0].replace(/\.(ts|js)$/, '');
  return base === 'cli' ? 'cli.ts' : base;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports, dynamic imports and requires (comments stripped first). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

interface Edge { from: string; fromUnit: string; spec: string; to: string }

/** src/ plus the two source folders beside it that the layers place (seeds/ loads data, migrations/ builds the schema). */
const SCANNED = [SRC, path.join(ROOT, 'seeds'), path.join(ROOT, 'migrations')];

function edges(): Edge[] {
  return SCANNED.flatMap(sourceFiles).flatMap((file) => {
    const fromUnit = unitOf(file)!;
    return importsOf(file).map((spec) => {
      const to = spec.startsWith('.') ? (unitOf(path.resolve(path.dirname(file), spec)) ?? spec) : `package ${spec}`;
      return { from: path.relative(ROOT, file), fromUnit, spec, to };
    });
  });
}

function violations(all: Edge[]): Edge[] {
  return all.filter((e) => {
    if (e.to === e.fromUnit) return false;
    if (CORE.has(e.fromUnit)) {
      if (e.to.startsWith('package ')) return CORE_FORBIDDEN_PACKAGES.test(e.to.slice(8));
      return !(CORE.has(e.to) || e.to === 'shared');
    }
    if (e.to.startsWith('package ')) return false;
    const from = RANK[e.fromUnit];
    const to = RANK[e.to];
    if (from === undefined || to === undefined) return true; // a new folder: give it a rank above
    return to >= from;
  });
}

const show = (e: Edge) => `  ${e.from} → ${e.to} ('${e.spec}')`;

it('every folder and top-level file of src/ has a layer', () => {
  const units = new Set(sourceFiles(SRC).map((f) => unitOf(f)!));
  expect([...units].filter((u) => !(u in RANK))).toEqual([]);
});

it('no import points up a layer or sideways between faces, and the ML core imports only itself and shared', () => {
  const found = violations(edges());
  const isKnown = (e: Edge) => KNOWN.some((k) => e.from === k.from && e.to === k.to);
  const unexplained = found.filter((e) => !isKnown(e));
  const stale = KNOWN.filter((k) => !found.some((e) => e.from === k.from && e.to === k.to));
  console.log(
    [
      `known layer exceptions (${KNOWN.length}):`,
      ...KNOWN.map((k) => `  ${k.from} → ${k.to}: ${k.reason}`),
      `imports against the layers: ${unexplained.length}`,
      ...unexplained.map(show),
    ].join('\n'),
  );
  if (unexplained.length > 0) throw new Error(`Imports against the layers (docs/architecture.md):\n${unexplained.map(show).join('\n')}`);
  expect(stale.map((k) => `${k.from} → ${k.to} no longer occurs: remove it from KNOWN`)).toEqual([]);
});

it('the guard sees what it guards: a core import of the database would be reported', () => {
  const probe: Edge[] = [
    { from: 'classifier/x.ts', fromUnit: 'classifier', spec: 'typeorm', to: 'package typeorm' },
    { from: 'churn/x.ts', fromUnit: 'churn', spec: '../models', to: 'models' },
    { from: 'db/x.ts', fromUnit: 'db', spec: '../features', to: 'features' },
    { from: 'http/x.ts', fromUnit: 'http', spec: '../graphql/x', to: 'graphql' },
    { from: 'segmentation/x.ts', fromUnit: 'segmentation', spec: '../shared/x', to: 'shared' },
    { from: 'models/x.ts', fromUnit: 'models', spec: '../features/x', to: 'features' },
  ];
  expect(violations(probe).map((e) => e.from)).toEqual(['classifier/x.ts', 'churn/x.ts', 'db/x.ts', 'http/x.ts']);
  expect(edges().length).toBeGreaterThan(200);
});
