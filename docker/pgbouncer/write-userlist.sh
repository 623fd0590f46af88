#!/bin/sh
# Write PgBouncer's auth_file from the environment.
#
#   PGBOUNCER_USER=dharma PGBOUNCER_PASSWORD=... write-userlist.sh /etc/pgbouncer/userlist.txt
#
# PGBOUNCER_PASSWORD is the user's plain password, or a secret PgBouncer understands as is: a
# SCRAM-SHA-256 secret (`SELECT rolpassword FROM pg_authid WHERE rolname = 'dharma'` as a
# superuser) or an "md5..." hash. With a SCRAM secret instead of the password, nothing on the
# PgBouncer side can log in anywhere else with it, and PgBouncer (auth_type scram-sha-256) still
# logs in to PostgreSQL with the client's own SCRAM exchange.
# The file is created readable by its owner only.
set -eu

out="${1:?usage: write-userlist.sh OUTPUT_FILE}"
: "${PGBOUNCER_USER:?PGBOUNCER_USER is required}"
: "${PGBOUNCER_PASSWORD:?PGBOUNCER_PASSWORD is required}"

# Inside a quoted userlist field a double quote is written twice.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

umask 077
tmp="$(mktemp "${out}.XXXXXX")"
printf '%s %s\n' "$(quote "$PGBOUNCER_USER")" "$(quote "$PGBOUNCER_PASSWORD")" > "$tmp"
mv "$tmp" "$out"
