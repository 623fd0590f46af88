#!/usr/bin/env bash
# Debian's Prometheus binary, which the Prometheus check's tests start themselves (a real
# Prometheus scraping a target that is up and one that is down). Installs it when missing;
# starts nothing.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
    prometheus --version 2>&1 | head -n 1
    exit 0
fi
echo "installing Prometheus (Debian package)"
(apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1) \
    || (apt-get update -qq && apt-get install -y --no-install-recommends prometheus >/dev/null)
# The package's own service is not used (the tests start their own Prometheus); where an init
# system started it on install, stop it again.
if command -v service >/dev/null 2>&1; then
    service prometheus stop >/dev/null 2>&1 || true
fi
prometheus --version 2>&1 | head -n 1
