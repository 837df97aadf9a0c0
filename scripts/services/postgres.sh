#!/usr/bin/env bash
# Install (Debian package) and start a throwaway PostgreSQL cluster on loopback for tests and benchmarks.
# Prints the line to export: COMPTOIR_TEST_PG_URL=... Idempotent: restarts the cluster from scratch.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
PGVER="$(ls /usr/lib/postgresql | sort -V | tail -1)"
PGBIN="/usr/lib/postgresql/$PGVER/bin"
PGDATA="${COMPTOIR_PG_DATA:-/tmp/comptoir-pg}"
PGPORT="${COMPTOIR_PG_PORT:-55432}"
if [ -f "$PGDATA/postmaster.pid" ]; then
    su postgres -c "$PGBIN/pg_ctl -D $PGDATA stop -m fast" >&2 || true
fi
if [ "${1:-}" = "--stop" ]; then
    exit 0
fi
rm -rf "$PGDATA"
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
su postgres -c "$PGBIN/initdb -D $PGDATA -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/log -w -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB' start" >&2
echo "COMPTOIR_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
