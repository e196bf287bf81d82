#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the store's tests and print its URL.
#
#   export PEERSUPPORT_POSTGRES_URL=$(bash scripts/start_postgres.sh /tmp/ps-pg)
#   python3 dev.py test-postgres
#   bash scripts/start_postgres.sh /tmp/ps-pg stop
#
# Uses Debian's postgresql package (installed with apt-get when missing, if run as
# root). The server listens on 127.0.0.1 (port PGPORT, 55432 by default) and a socket
# in the data directory, trusts local connections, and keeps its data in DIR.
set -euo pipefail
DIR=${1:?usage: start_postgres.sh DIR [stop]}
PORT=${PGPORT:-55432}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    else
        echo "PostgreSQL is not installed: apt-get install postgresql" >&2
        exit 1
    fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_owner() {  # PostgreSQL refuses to run as root: root runs it as the postgres user
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
if [ "${2:-}" = stop ]; then
    as_owner "'$BIN/pg_ctl' -D '$DIR' -m fast -w stop" >&2 || true
    exit 0
fi
if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_owner "'$BIN/initdb' -D '$DIR' -A trust -U postgres --no-sync" >/dev/null
fi
as_owner "'$BIN/pg_ctl' -D '$DIR' -l '$DIR/server.log' -w -o \"-p $PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c max_connections=200\" start" >&2
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
