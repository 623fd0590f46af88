#!/usr/bin/env bash
# Static checks of docker/ that need no Docker engine: every YAML and JSON file parses, the shell
# scripts parse, the compose file resolves (with `docker compose` when the plugin exists, else with
# Debian's docker-compose 1.29), prometheus.yml passes promtool when it is installed, and every
# metric the Grafana dashboard queries is one that django-prometheus defines.
#
#   bash docker/validate.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
status=0

echo "== YAML / JSON"
"$PY" - <<'EOF' || status=1
import json, pathlib, sys
import yaml

bad = 0
for path in sorted(pathlib.Path("docker").rglob("*")):
    if path.suffix in {".yml", ".yaml"}:
        load = yaml.safe_load
    elif path.suffix == ".json":
        load = json.loads
    else:
        continue
    try:
        load(path.read_text())
        print(f"ok   {path}")
    except Exception as exc:
        bad += 1
        print(f"FAIL {path}: {exc}")
sys.exit(1 if bad else 0)
EOF

echo "== shell scripts"
for script in docker/pgbouncer/*.sh docker/prometheus/*.sh; do
    if sh -n "$script"; then echo "ok   $script"; else echo "FAIL $script"; status=1; fi
done
bash -n docker/validate.sh && echo "ok   docker/validate.sh"
"$PY" -c "import ast, sys; ast.parse(open(sys.argv[1]).read())" docker/healthcheck.py \
    && echo "ok   docker/healthcheck.py"

echo "== compose"
if docker compose version >/dev/null 2>&1; then
    docker compose -f docker/docker-compose.yml --env-file docker/compose.env.example config --quiet \
        && echo "ok   docker compose config" || status=1
elif command -v docker-compose >/dev/null 2>&1; then
    # Compose v1 predates the top-level `name:` of the Compose Specification: check a copy without it.
    tmp="docker/.compose-v1-check.yml"
    trap 'rm -f "$tmp"' EXIT
    sed '/^name: /d' docker/docker-compose.yml > "$tmp"
    docker-compose -f "$tmp" --env-file docker/compose.env.example config --quiet \
        && echo "ok   docker-compose $(docker-compose version --short) config (top-level name: not checked)" \
        || status=1
    rm -f "$tmp"
else
    echo "skip neither the docker compose plugin nor docker-compose is installed"
fi

echo "== prometheus"
if command -v promtool >/dev/null 2>&1; then
    # The credentials file is written by the container's entrypoint: point it at an empty one.
    tmp=$(mktemp -d)
    : > "$tmp/metrics-token"
    sed "s|/prometheus/metrics-token|$tmp/metrics-token|" docker/prometheus/prometheus.yml \
        > "$tmp/prometheus.yml"
    promtool check config "$tmp/prometheus.yml" || status=1
    rm -rf "$tmp"
else
    echo "skip promtool is not installed (apt-get install prometheus)"
fi

echo "== dashboard metric names"
"$PY" - <<'EOF' || status=1
import importlib.util, json, pathlib, re, sys

spec = importlib.util.find_spec("django_prometheus")
if spec is None:
    print("skip django_prometheus is not importable")
    sys.exit(0)
source = "\n".join(p.read_text() for p in pathlib.Path(spec.origin).parent.rglob("*.py"))
dashboard = json.loads(pathlib.Path("docker/grafana/provisioning/dashboards/dharma-overview.json").read_text())
names = set()
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        names.update(re.findall(r"\bdjango_[a-z_]+", target["expr"]))
bad = 0
for name in sorted(names):
    # prometheus_client adds _bucket/_count/_sum to histograms and _total to counters.
    base = re.sub(r"_(bucket|count|sum)$", "", name)
    base = re.sub(r"_total$", "", base)
    if f'"{base}' in source:
        print(f"ok   {name}")
    else:
        bad += 1
        print(f"FAIL {name}: not defined by django_prometheus")
sys.exit(1 if bad else 0)
EOF

exit "$status"
