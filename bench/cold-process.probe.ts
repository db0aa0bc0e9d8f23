/**
 * Probe (not a registered bench): the first request of a new Node process, which starts one service and is its
 * own client. Mode A: nothing before (the process's first fetch, as the `bi` bench's first timed request);
 * B: fetch and node:http warmed against a throwaway server first; C: B and one other request served by the
 * service first. Prints one line of JSON. node dist/bench/cold-process.probe.js <database url> A|B|C '<query>'
 */
import http from 'node:http';
import pino from 'pino';
import { createDataSource } from '../src/db/data-source';
import { dataModel } from '../src/data-model';
import { createServer } from '../src/server';

async function post(url: string, query: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok || (JSON.parse(text) as { errors?: unknown }).errors) throw new Error(text.slice(0, 200));
  return ms;
}

async function main() {
  const [url, mode, query] = process.argv.slice(2);
  if (mode !== 'A') {
    const dummy = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{"data":{}}'));
    });
    await new Promise<void>((r) => dummy.listen(0, '127.0.0.1', r));
    const port = (dummy.address() as { port: number }).port;
    for (let i = 0; i < 20; i++) await post(`http://127.0.0.1:${port}/graphql`, '{ x }');
    dummy.close();
  }
  const ds = createDataSource(url, dataModel, { poolSize: 4 });
  await ds.initialize();
  const server = await createServer({ db: { ds }, port: 0, host: '127.0.0.1', settings: { apiKeys: '', sandbox: false, introspection: false, rateLimitPoints: 0 }, logger: pino({ level: 'silent' }) });
  if (mode === 'C') await post(server.graphqlUrl, '{ warehouseStats { customers } }');
  const first = await post(server.graphqlUrl, query);
  const second = await post(server.graphqlUrl, query);
  const warm: number[] = [];
  for (let i = 0; i < 7; i++) warm.push(await post(server.graphqlUrl, query));
  warm.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ mode, first, second, warm: warm[3] }) + '\n');
  await server.stop();
  await ds.destroy();
}
main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
