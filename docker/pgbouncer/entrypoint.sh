#!/bin/sh
# Compose entry point of the pgbouncer service: write the auth_file from PGBOUNCER_USER and
# PGBOUNCER_PASSWORD (unless a userlist.txt was mounted and those are unset), then run PgBouncer
# in the foreground as the unprivileged `postgres` user of Debian's package.
set -eu
if [ -n "${PGBOUNCER_PASSWORD:-}" ]; then
    /usr/local/bin/write-userlist.sh /etc/pgbouncer/userlist.txt
elif [ ! -s /etc/pgbouncer/userlist.txt ]; then
    echo "pgbouncer: set PGBOUNCER_USER/PGBOUNCER_PASSWORD or mount /etc/pgbouncer/userlist.txt" >&2
    exit 1
fi
exec "$@"
