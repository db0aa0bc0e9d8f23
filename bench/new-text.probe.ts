/**
 * Probe (not a registered bench): on one warm service, a query in a text the service has not seen (a new alias
 * each time: parsed, validated and compiled anew, its generated code run for the first time) against the same
 * query in a text it has served, alternated 15 times. node dist/bench/new-text.probe.js <database url>
 */
import os from 'node:os';
import pino from 'pino';
import { createDataSource } from '../src/db/data-source';
import { dataModel } from '../src/data-model';
import { createServer } from '../src/server';
import { median } from './lib';

async function post(url: string, query: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  const ms = performance.now() - t0;
  const body = JSON.parse(text) as { errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors ?? res.status).slice(0, 300)}`);
  return ms;
}

async function main() {
  const ds = createDataSource(process.argv[2], dataModel, { poolSize: 4 });
  await ds.initialize();
  const server = await createServer({ db: { ds }, port: 0, host: '127.0.0.1', settings: { apiKeys: '', sandbox: false, introspection: false, rateLimitPoints: 0 }, logger: pino({ level: 'silent' }) });
  const shapes: [string, (alias: string) => string][] = [
    ['first100', (a) => `{ ${a}: customers(first: 100) { totalCount nodes { id } } }`],
    ['stateSP', (a) => `{ ${a}: cohortRetention(by: STATE, state: "SP") { cohort group size cells { periodOffset active share } } }`],
    ['page', (a) => `{ ${a}: customers(first: 20) { nodes { id } } }`],
  ];
  const load0 = os.loadavg()[0];
  try {
    for (const [, q] of shapes) for (let i = 0; i < 5; i++) await post(server.graphqlUrl, q('x'));
    for (const [name, q] of shapes) {
      const fresh: number[] = [];
      const same: number[] = [];
      for (let i = 0; i < 15; i++) {
        fresh.push(await post(server.graphqlUrl, q(`n${name}${i}`)));
        same.push(await post(server.graphqlUrl, q('x')));
      }
      process.stdout.write(`${name}: new text median ${median(fresh).toFixed(1)} ms, same text ${median(same).toFixed(1)} ms (15 pairs)\n`);
    }
    process.stdout.write(`jit ${JSON.stringify(server.jit?.stats())}; load ${load0.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}\n`);
  } finally {
    await server.stop();
    await ds.destroy();
  }
}
main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
