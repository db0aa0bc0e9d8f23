#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (Debian's 15 at 127.0.0.1:5432), for the read-replica tests.
# Runs as root (CI) or as postgres. Idempotent: an in-recovery server already on the port is reused.
#   scripts/start-replica.sh            start it (prints the replica's URL on the last line)
#   scripts/start-replica.sh stop       stop it and remove its data directory
# Settings: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), REPLICA_PORT (5433),
#           REPLICA_DIR (/tmp/segmenta-replica-$REPLICA_PORT).
# Exit status 2: no PostgreSQL binaries or no primary here (callers skip the replica tests).
set -euo pipefail
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/segmenta-replica-$REPLICA_PORT}

psql_primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

if ! command -v psql >/dev/null 2>&1 || ! psql_primary -c 'SELECT 1' >/dev/null 2>&1; then
  echo "no PostgreSQL client or no primary at $PRIMARY_HOST:$PRIMARY_PORT: no replica" >&2
  exit 2
fi
BINDIR=$(psql_primary -c "SELECT setting FROM pg_config WHERE name = 'BINDIR'")
if [ ! -x "$BINDIR/pg_ctl" ] || [ ! -x "$BINDIR/pg_basebackup" ]; then
  echo "no pg_ctl/pg_basebackup in $BINDIR: no replica" >&2
  exit 2
fi

if [ "${1:-}" = stop ]; then
  if [ -f "$REPLICA_DIR/postmaster.pid" ]; then as_postgres "$BINDIR/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop || true; fi
  rm -rf "$REPLICA_DIR"
  exit 0
fi

URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
if [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -XAtqc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ]; then
  echo "replica already running on port $REPLICA_PORT" >&2
  echo "$URL"
  exit 0
fi

# 1. Replication connections from localhost, trusted like the primary's other local connections.
HBA=$(psql_primary -c 'SHOW hba_file')
IDENT=$(psql_primary -c 'SHOW ident_file')
LINE='host replication all 127.0.0.1/32 trust'
if ! grep -qxF "$LINE" "$HBA"; then
  echo "$LINE" >>"$HBA"
  psql_primary -c 'SELECT pg_reload_conf()' >/dev/null
fi

# 2. A copy of the whole cluster that follows the primary's WAL (-R writes standby.signal and the connection).
rm -rf "$REPLICA_DIR"
install -d -m 700 -o postgres -g postgres "$REPLICA_DIR"
as_postgres "$BINDIR/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" -R -X stream -c fast

# 3. Start it on its own port; the primary's hba/ident files serve it too (Debian keeps them outside the data dir).
as_postgres touch "$REPLICA_DIR/postgresql.conf"
as_postgres "$BINDIR/pg_ctl" -D "$REPLICA_DIR" \
  -o "-p $REPLICA_PORT -c hba_file=$HBA -c ident_file=$IDENT -c unix_socket_directories=$REPLICA_DIR -c hot_standby=on" \
  -l "$REPLICA_DIR/startup.log" -w start >&2
for _ in $(seq 1 30); do
  [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -XAtqc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ] && break
  sleep 1
done
echo "replica streaming from $PRIMARY_HOST:$PRIMARY_PORT on port $REPLICA_PORT (data in $REPLICA_DIR)" >&2
echo "$URL"
