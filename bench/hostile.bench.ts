import { createServer } from '../src/server';
import { machineLine, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * What a hostile request costs the server before it is refused: the CPU time of this process (user + system,
 * which includes the HTTP handling and the client's fetch) to answer each body, median of RUNS, over an
 * empty migrated warehouse with the default limits. Goal: a fragment fan-out (1 KB, each fragment spreading
 * the previous one twice) is refused within 100 ms of CPU at any depth, and /healthz answers meanwhile.
 * HOSTILE_SMOKE=1 prints instead of writing bench/RESULTS.md.
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 11);
const SMOKE = process.env.HOSTILE_SMOKE === '1';

const fanOut = (n: number) => {
  let q = 'fragment F0 on Query { warehouseStats { customers } }\n';
  for (let i = 1; i <= n; i++) q += `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }\n`;
  return `${q}query { ...F${n} }`;
};
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: warehouseStats { customers }`).join(' ')} }`;

registerBench('hostile', async () => {
  const db = await scratchDatabase();
  const server = await createServer({ db, port: 0, host: '127.0.0.1', settings: { apiKeys: '', rateLimitPoints: 0 } });
  try {
    const cases: [string, string][] = [
      ['fragment fan-out F25', fanOut(25)],
      ['fragment fan-out F39', fanOut(39)],
      ['5,000 aliases of warehouseStats', aliases(5000)],
    ];
    const rows: string[] = [];
    for (const [name, query] of cases) {
      const body = JSON.stringify({ query });
      const cpu: number[] = [];
      const wall: number[] = [];
      let status = 0;
      let code = '';
      for (let i = 0; i < RUNS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const json = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
        wall.push(performance.now() - t0);
        const d = process.cpuUsage(c0);
        cpu.push((d.user + d.system) / 1000);
        status = res.status;
        code = json.errors?.[0]?.extensions?.code ?? 'none';
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      rows.push(`| ${name} | ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB | ${status} ${code} | ${med(cpu).toFixed(1)} | ${med(wall).toFixed(1)} |`);
    }
    const text = [
      `Median of ${RUNS} requests each, server and client in one process, default limits (complexity 20,000, 200 SQL statements).`,
      '',
      '| body | size | answer | CPU ms | wall ms |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    if (SMOKE) process.stdout.write(`${machineLine()}\n${text}\n`);
    else writeSection('Hostile requests (cost of a refusal)', text);
  } finally {
    await server.stop();
    await db.drop();
  }
});
