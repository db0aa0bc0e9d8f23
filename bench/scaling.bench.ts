import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { seedWarehouse } from '../seeds/seed.service';
import { train } from '../src/models/train.pipeline';
import { median, writeSection } from './lib';
import { registerBench } from './run';
import { scratchDatabase } from './scratch-db';

/**
 * Several API processes on one database. A scratch warehouse (SCALE_CUSTOMERS, default 50k), trained, with a
 * second servable version for the activation test. Each API instance is its own `node dist/src/main.js`
 * process (TRAINING_ENABLED=false) on ports SCALE_PORT, +100, +200 (default 4000/4100/4200).
 *
 * 1. Throughput of `customers(first: 100)` with 1, 2 and 3 instances behind a round-robin client: C keep-alive
 *    connections (SCALE_CONNECTIONS, default 12), connection i sending to instance i mod N, for SCALE_SECONDS
 *    (default 10) each. On a 2-core machine this shows that instances add no errors and what they cost, not a
 *    speed-up: the load generator and PostgreSQL share the same cores.
 * 2. The same page from one instance reading on the primary, then with DATABASE_READ_URL on a streaming replica
 *    of the same server (SCALE_REPLICA_URL, e.g. what scripts/start-replica.sh prints; skipped without it).
 * 3. Activation to all instances: with 3 instances warm, `activateModel` through instance 1, then each instance
 *    polled (classifyFeatures, every 5 ms) until it answers the new model id; the time until the last one does,
 *    over SCALE_ACTIVATIONS (default 20) activations alternating between the two versions.
 */
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const CUSTOMERS = env('SCALE_CUSTOMERS', 50_000);
const SECONDS = env('SCALE_SECONDS', 10);
const CONNECTIONS = env('SCALE_CONNECTIONS', 12);
const BASE_PORT = env('SCALE_PORT', 4000);
const ACTIVATIONS = env('SCALE_ACTIVATIONS', 20);
const MAIN = path.resolve(__dirname, '../src/main.js');

const PAGE = JSON.stringify({
  query: `query Page($first: Int!) { customers(first: $first) { pageInfo { hasNextPage endCursor } edges { cursor node {
    id state priorityScore features { recencyDays frequency monetary } rfm { segment churnTier } cluster { id name }
    churn { churnProbability clv } } } } }`,
  variables: { first: 100 },
});
const CLASSIFY = `mutation { classifyFeatures(input: { recencyDays: 20, frequency: 3, monetary: 400, tenureDays: 300 }) { modelId } }`;

interface Instance {
  url: string;
  child: ChildProcess;
}

async function startInstance(dbUrl: string, port: number, extraEnv: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', TRAINING_ENABLED: 'false', LOG_LEVEL: 'warn', API_KEYS: '', RATE_LIMIT_POINTS: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance on port ${port} exited:\n${out}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    if (Date.now() > deadline) throw new Error(`instance on port ${port} not ready after 120 s:\n${out}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

async function stopInstance(i: Instance): Promise<void> {
  if (i.child.exitCode !== null) return;
  const exited = new Promise((res) => i.child.once('exit', res));
  i.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((res) => setTimeout(res, 20_000))]);
  if (i.child.exitCode === null) i.child.kill('SIGKILL');
}

interface Load {
  requests: number;
  perSecond: number;
  errors: number;
  p50: number;
  p99: number;
}

/** C keep-alive connections for `seconds`, connection i posting `body` to urls[i mod N], one request at a time. */
async function roundRobinLoad(urls: string[], body: string, seconds: number, connections: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: connections }));
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const u = new URL('/graphql', urls[i % urls.length]);
      const t0 = performance.now();
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: agents[i % urls.length], headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            if (res.statusCode !== 200 || text.includes('"errors"')) errors++;
            else latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      while (Date.now() < end) await one(i);
    }),
  );
  for (const a of agents) a.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
  return { requests: sorted.length, perSecond: sorted.length / seconds, errors, p50: q(0.5), p99: q(0.99) };
}

async function gql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await r.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors[0].message);
  return body.data!;
}

const row = (label: string, l: Load) => `| ${label} | ${l.perSecond.toFixed(0)} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.errors} |`;

registerBench('scaling', async () => {
  const db = await scratchDatabase();
  const instances: Instance[] = [];
  try {
    process.stderr.write(`seeding ${CUSTOMERS} customers and training two versions…\n`);
    await seedWarehouse(db.ds, { customers: CUSTOMERS, seed: 7 });
    const a = await train(db.ds, { seed: 7 });
    const b = await train(db.ds, { seed: 8, activate: false });
    await db.ds.query(`SELECT 1`); // a is active
    const ports = [BASE_PORT, BASE_PORT + 100, BASE_PORT + 200];

    // 1. 1, 2, 3 instances.
    const rr: string[] = [];
    for (let n = 1; n <= 3; n++) {
      instances.push(await startInstance(db.url, ports[n - 1]));
      const urls = instances.map((i) => i.url);
      await roundRobinLoad(urls, PAGE, 2, CONNECTIONS); // warm-up
      const l = await roundRobinLoad(urls, PAGE, SECONDS, CONNECTIONS);
      rr.push(row(`${n} instance${n > 1 ? 's' : ''}`, l));
      process.stderr.write(`${rr[rr.length - 1]}\n`);
    }

    // 3. Activation to all instances (3 running).
    const times: number[] = [];
    for (const i of instances) await gql(i.url, CLASSIFY);
    for (let k = 0; k < ACTIVATIONS; k++) {
      const target = k % 2 === 0 ? b.modelId : a.modelId;
      const t0 = performance.now();
      await gql(instances[0].url, `mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: String(target) });
      await Promise.all(
        instances.map(async (i) => {
          for (;;) {
            const r = await gql<{ classifyFeatures: { modelId: string } }>(i.url, CLASSIFY);
            if (Number(r.classifyFeatures.modelId) === target) return;
            await new Promise((res) => setTimeout(res, 5));
          }
        }),
      );
      times.push(performance.now() - t0);
    }
    await gql(instances[0].url, `mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: String(a.modelId) });
    for (const i of instances.splice(0)) await stopInstance(i);

    // 2. Primary against replica reads.
    const replicaBase = process.env.SCALE_REPLICA_URL;
    const rep: string[] = [];
    if (replicaBase) {
      const u = new URL(replicaBase);
      u.pathname = new URL(db.url).pathname;
      for (const [label, extra] of [
        ['reads on the primary', {}],
        ['reads on the replica (DATABASE_READ_URL)', { DATABASE_READ_URL: u.toString() }],
      ] as [string, Record<string, string>][]) {
        const inst = await startInstance(db.url, ports[0], extra);
        try {
          await roundRobinLoad([inst.url], PAGE, 2, CONNECTIONS);
          const l = await roundRobinLoad([inst.url], PAGE, SECONDS, CONNECTIONS);
          rep.push(row(label, l));
          process.stderr.write(`${rep[rep.length - 1]}\n`);
        } finally {
          await stopInstance(inst);
        }
      }
    }

    const md = [
      `${CUSTOMERS.toLocaleString('en')} customers; each API instance its own process (\`node dist/src/main.js\`,`,
      `TRAINING_ENABLED=false), all on this machine with PostgreSQL and the load generator; ${CONNECTIONS} keep-alive`,
      `connections, connection i to instance i mod N, ${SECONDS} s after a 2 s warm-up, \`customers(first: 100)\`.`,
      'On 2 cores this shows correctness and overhead, not a speed-up.',
      '',
      '| API instances (round robin) | requests/s | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|',
      ...rr,
      '',
      replicaBase
        ? ['Customers page from one instance, reads on the primary vs on a streaming replica of the same server:', '', '| reads | requests/s | p50 ms | p99 ms | errors |', '|---|---|---|---|---|', ...rep].join('\n')
        : '_Replica comparison skipped: SCALE_REPLICA_URL not set._',
      '',
      `Activation to all 3 instances (activateModel through one, until every instance's classifyFeatures answers the new`,
      `model id; ${ACTIVATIONS} activations): median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms.`,
    ].join('\n');
    writeSection('Scaling: API instances, replica reads, activation', md);
    process.stdout.write(`${md}\n`);
  } finally {
    for (const i of instances) await stopInstance(i);
    await db.drop();
  }
});
