#!/usr/bin/env bash
# Smoke test of the default path: no DATABASE_URL, so the service starts its own embedded PostgreSQL in a scratch
# data directory. First the CLI (migrate, seed, status), then the service as `npm start` runs it: demo store,
# first model, API ready; a query answers; SIGTERM stops the service and its PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL
export EMBEDDED_PG_DIR=".data/smoke-pg" EMBEDDED_PG_PORT="${SMOKE_PG_PORT:-54349}" PORT="${SMOKE_PORT:-4555}" DEMO_CUSTOMERS=500 LOG_LEVEL=warn
rm -rf "$EMBEDDED_PG_DIR"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$EMBEDDED_PG_DIR"
}
trap cleanup EXIT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node dist/src/cli.js migrate
node dist/src/cli.js seed --customers 300 --seed 7
node dist/src/cli.js refresh-facts | grep -q '^order_fact: [1-9][0-9]* orders'
out=$(node dist/src/cli.js status --json)
echo "$out"
node -e 'const c=JSON.parse(process.argv[1]); if(!(c.customer>0 && c.orders>0)) process.exit(1)' "$out"
if port_open "$EMBEDDED_PG_PORT"; then echo "embedded PostgreSQL still running after the CLI exited"; exit 1; fi

# The service on the same data: trains the first model (the store is not empty), then listens.
node dist/src/main.js > .data/smoke-server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat .data/smoke-server.log; echo "the service exited during start-up"; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/readyz"; echo
answer=$(curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ activeModel { id k } segments(kind: CLUSTER) { name size } }"}')
echo "$answer"
node -e 'const r=JSON.parse(process.argv[1]); if(r.errors || !r.data.activeModel || r.data.segments.length < 2) process.exit(1)' "$answer"
kill -TERM "$server_pid"
for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$server_pid" 2>/dev/null; then echo "the service did not stop on SIGTERM"; exit 1; fi
server_pid=""
if port_open "$EMBEDDED_PG_PORT"; then echo "embedded PostgreSQL still running after the service stopped"; exit 1; fi
echo "embedded smoke: ok"
