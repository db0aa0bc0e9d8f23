#!/usr/bin/env node
'use strict';
/**
 * Builds the dashboard into dist/web: web/src/main.ts (with ECharts) bundled by esbuild into app.js, the GraphQL
 * explorer web/src/explorer/main.ts (GraphiQL with React) into explorer.js and explorer.css, plus index.html,
 * explorer.html, app.css and favicon.svg, each also gzipped so the service can send them compressed. Neither page
 * loads anything from other origins (GraphiQL's fonts are inlined in its stylesheet). `node scripts/build-web.js [--out DIR] [--no-minify]`.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const WEB = path.join(ROOT, 'web');
const DEFAULT_OUT = path.join(ROOT, 'dist', 'web');
const STATIC = ['index.html', 'explorer.html', 'app.css', 'favicon.svg'];

/**
 * @param {{ outDir?: string, minify?: boolean }} [opts]
 * @returns {Promise<{ outDir: string, files: { name: string, bytes: number, gzipBytes: number }[], ms: number }>}
 */
async function buildWeb(opts = {}) {
  const started = Date.now();
  const outDir = path.resolve(opts.outDir ?? DEFAULT_OUT);
  const minify = opts.minify ?? true;
  // Required lazily: the production image has no esbuild and never builds.
  const esbuild = require('esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'silent',
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
  };
  const results = await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(WEB, 'src', 'main.ts')], outfile: path.join(outDir, 'app.js') }),
    // Its `import 'graphiql/graphiql.css'` becomes explorer.css next to explorer.js.
    esbuild.build({ ...common, entryPoints: { explorer: path.join(WEB, 'src', 'explorer', 'main.ts') }, outdir: outDir }),
  ]);
  for (const w of results.flatMap((r) => r.warnings)) process.stderr.write(`build-web: warning: ${w.text}\n`);
  for (const name of STATIC) fs.copyFileSync(path.join(WEB, name), path.join(outDir, name));

  const files = [];
  for (const name of ['app.js', 'explorer.js', 'explorer.css', ...STATIC]) {
    const data = fs.readFileSync(path.join(outDir, name));
    const gz = zlib.gzipSync(data, { level: 9 });
    fs.writeFileSync(path.join(outDir, `${name}.gz`), gz);
    files.push({ name, bytes: data.length, gzipBytes: gz.length });
  }
  return { outDir, files, ms: Date.now() - started };
}

module.exports = { buildWeb, DEFAULT_OUT };

if (require.main === module) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  buildWeb({ outDir: outIndex >= 0 ? args[outIndex + 1] : undefined, minify: !args.includes('--no-minify') })
    .then((r) => {
      const list = r.files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(0)} kB (gzip ${(f.gzipBytes / 1024).toFixed(0)} kB)`).join(', ');
      process.stdout.write(`dashboard built into ${path.relative(process.cwd(), r.outDir) || '.'} in ${r.ms} ms: ${list}\n`);
    })
    .catch((e) => {
      process.stderr.write(`build-web: ${e && e.message ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
