#!/usr/bin/env bash
# PgBouncer from Debian in front of the local PostgreSQL, on 127.0.0.1:6432, with the settings of
# docker/pgbouncer/pgbouncer.ini (transaction pooling, pool 25, min 10, reserve 5, 1,000 clients):
# only the addresses change (loopback, any database name routed to 127.0.0.1:5432) and the auth
# (the local PostgreSQL trusts local connections, so PgBouncer does too).
# Usage: .ci/pgbouncer.sh [start|stop]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=/tmp/dharma-pgbouncer
PORT=6432

if [ "${1:-start}" = "stop" ]; then
    [ -f "$RUN_DIR/pgbouncer.pid" ] && kill "$(cat "$RUN_DIR/pgbouncer.pid")" 2>/dev/null || true
    exit 0
fi

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    echo "installing PgBouncer (Debian package)"
    (apt-get install -y pgbouncer >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y pgbouncer >/dev/null)
fi
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "PgBouncer is answering on $PORT"
    exit 0
fi

mkdir -p "$RUN_DIR"
sed -e 's/^dharma = host=postgres port=5432 dbname=dharma$/* = host=127.0.0.1 port=5432/' \
    -e 's/^listen_addr = 0.0.0.0$/listen_addr = 127.0.0.1/' \
    -e 's/^auth_type = scram-sha-256$/auth_type = trust/' \
    -e "s#^auth_file = /etc/pgbouncer/userlist.txt#auth_file = $RUN_DIR/userlist.txt#" \
    -e 's/^admin_users = dharma$/admin_users = postgres/' \
    -e 's/^stats_users = dharma$/stats_users = postgres/' \
    docker/pgbouncer/pgbouncer.ini > "$RUN_DIR/pgbouncer.ini"
cat >> "$RUN_DIR/pgbouncer.ini" <<INI
logfile = $RUN_DIR/pgbouncer.log
pidfile = $RUN_DIR/pgbouncer.pid
INI
echo '"postgres" ""' > "$RUN_DIR/userlist.txt"
chown -R postgres "$RUN_DIR" 2>/dev/null || true
# PgBouncer refuses to run as root: -u switches to the postgres user.
if [ "$(id -u)" = "0" ]; then
    "$PGBOUNCER" -d -u postgres "$RUN_DIR/pgbouncer.ini"
else
    "$PGBOUNCER" -d "$RUN_DIR/pgbouncer.ini"
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.5; done
pg_isready -h 127.0.0.1 -p "$PORT"
