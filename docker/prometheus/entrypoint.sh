#!/bin/sh
# Prometheus' entrypoint in the compose stack: writes DHARMA_METRICS_TOKEN to the credentials file
# that prometheus.yml's Dharma jobs send as `Authorization: Bearer <token>`, then starts
# Prometheus with the compose file's arguments. An empty token leaves Dharma's metrics open
# (they ignore the header then).
set -eu
umask 077
printf '%s' "${DHARMA_METRICS_TOKEN:-}" > /prometheus/metrics-token
exec /bin/prometheus "$@"
