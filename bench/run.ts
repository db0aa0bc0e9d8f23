import 'reflect-metadata';

/**
 * `npm run bench [name…]`: runs every benchmark (or the named ones) in sequence; each writes its section of
 * bench/RESULTS.md. Benchmarks use their own scratch databases and may take minutes.
 */
const benches: Record<string, () => Promise<void>> = {};

export function registerBench(name: string, fn: () => Promise<void>): void {
  benches[name] = fn;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  for (const f of fs.readdirSync(__dirname).filter((n) => /\.bench\.js$/.test(n)).sort()) require(`${__dirname}/${f}`);
  const names = wanted.length ? wanted : Object.keys(benches);
  for (const n of names) {
    if (!benches[n]) throw new Error(`unknown benchmark "${n}"; known: ${Object.keys(benches).join(', ')}`);
    process.stderr.write(`\n=== bench ${n}\n`);
    await benches[n]();
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
