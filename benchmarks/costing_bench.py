#!/usr/bin/env python
"""Benchmark: pricing a 10,000-component blueprint version with `estimate_components`.

    .venv/bin/python benchmarks/costing_bench.py [--components 10000] [--runs 7]

Creates a scratch PostgreSQL database (dharma_costing_bench, dropped at the end, also on
errors), migrates it (which loads the shipped price snapshot), stores one blueprint version of
N mixed AWS/Azure/GCP compute, storage and database components through the blueprint service,
and then, in a `manage.py shell` subprocess on that database, measures over several runs:

1. `estimate_components(components)`: wall time (median) and SQL queries (the price catalog is
   read in one query);
2. the pure calculator alone, with the prices already in a PriceIndex (what is left is
   Decimal arithmetic and dictionary lookups);
3. the baseline: one `json.loads(json.dumps(components))` round trip over the same components,
   i.e. the least any code that touches each component once must spend.

It prints a Markdown table with the ratio estimate ÷ baseline and writes it, with the raw
timings, to benchmarks/results/costing_bench-<UTC time>.{md,json} (ignored by git). Reported,
never asserted: the goal (well under 1 s for 10,000 components) is stated beside the figure.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.health_wrk import HOST, PYTHON, RESULTS, ROOT, SCRUBBED_PREFIXES, SERVER_DSN

DATABASE = "dharma_costing_bench"
DATABASE_URL = f"postgres://postgres@{HOST}:5432/{DATABASE}"
GOAL_SECONDS = 1.0

MEASURE = r"""
import json, statistics, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from apps.accounts.models import Project, Tenant, User
from apps.blueprints import services as blueprints
from apps.costing import selectors
from apps.costing.calculator import PriceIndex, calculate
from apps.costing.products import plan_components
from apps.costing.services import estimate_components

TAGS = {"environment": "prod", "owner": "platform", "project": "bench"}
KINDS = [
    ("aws", "us-east-1", "ec2", {"instance_type": "m5.large", "count": 2}),
    ("aws", "us-east-2", "rds", {"engine": "postgres", "instance_class": "db.r5.large",
                                 "allocated_storage": 200}),
    ("aws", "us-west-2", "s3", {"storage_gb": 5000, "monthly_requests_millions": 4}),
    ("azure", "eastus", "vm", {"vm_size": "Standard_D4s_v3"}),
    ("azure", "eastus", "sql-database", {"sku": "S2"}),
    ("azure", "eastus", "storage-account", {"sku": "Standard_LRS", "storage_gb": 800}),
    ("gcp", "us-central1", "compute-instance", {"machine_type": "n2-standard-4"}),
    ("gcp", "us-east1", "cloud-sql", {"tier": "db-custom-2-7680", "disk_size": 100}),
    ("gcp", "us-west1", "storage-bucket", {"storage_gb": 1200, "storage_class": "nearline"}),
    ("aws", "us-east-1", "vpc", {}),
]
components = [
    {"name": f"c{i}", "type": kind, "provider": provider, "region": region,
     "properties": dict(props), "tags": TAGS}
    for i in range(%(components)d)
    for provider, region, kind, props in [KINDS[i %% len(KINDS)]]
]
tenant = Tenant.objects.create(name="Bench", slug="bench")
user = User.objects.create_user("bench@bench.local", "bench-password-123", tenant=tenant)
project = Project.objects.create(tenant=tenant, name="Bench", code="BENCH")
blueprint = blueprints.blueprint_create(user=user, project=project, name="big")
version, _ = blueprints.blueprint_version_create(
    user=user, blueprint=blueprint, graph={"components": components, "relations": []}
)
stored = type(version).objects.get(pk=version.pk).graph_json["components"]

def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result

estimate_components(stored)  # warm-up: imports, connection, plans
runs = []
for _ in range(%(runs)d):
    with CaptureQueriesContext(connection) as queries:
        seconds, estimate = timed(lambda: estimate_components(stored))
    runs.append({"seconds": seconds, "queries": len(queries)})
today = timezone.localdate()
index = PriceIndex(selectors.price_rows(keys=plan_components(stored).price_keys(), as_of=today),
                   as_of=today)
pure = [timed(lambda: calculate(stored, index))[0] for _ in range(%(runs)d)]
baseline = [timed(lambda: json.loads(json.dumps(stored)))[0] for _ in range(%(runs)d)]
print("RESULT" + json.dumps({
    "components": len(stored),
    "lines": len(estimate.lines),
    "unpriced": len(estimate.unpriced),
    "monthly_total": str(estimate.monthly_total),
    "catalog_rows_read": len(index),
    "estimate": runs,
    "pure": pure,
    "baseline": baseline,
}))
"""


def _admin_sql(*statements: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(SERVER_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET lock_timeout = '10s'")
        for statement in statements:
            conn.execute(sql.SQL(statement).format(db=sql.Identifier(DATABASE)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not (10 <= args.components <= 100_000 and 1 <= args.runs <= 50):
        parser.error("--components must be 10..100000 and --runs 1..50")

    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": DATABASE_URL,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret-" + "x" * 40,
        }
    )
    _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)", "CREATE DATABASE {db}")
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        script = MEASURE % {"components": args.components, "runs": args.runs}
        output = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    result = json.loads(next(line[6:] for line in output.splitlines() if line.startswith("RESULT")))

    estimate_s = statistics.median(run["seconds"] for run in result["estimate"])
    queries = sorted({run["queries"] for run in result["estimate"]})
    pure_s = statistics.median(result["pure"])
    baseline_s = statistics.median(result["baseline"])
    n = result["components"]
    lines = [
        f"Costing — pricing one {n:,}-component blueprint version "
        f"(mixed AWS/Azure/GCP); median of {args.runs} runs",
        "",
        "| measurement | time | queries | ÷ baseline | goal |",
        "|---|--:|--:|--:|---|",
        f"| `estimate_components` (catalog query + calculator) | {estimate_s * 1000:.0f} ms "
        f"| {', '.join(map(str, queries))} | **{estimate_s / baseline_s:.1f}×** "
        f"| < {GOAL_SECONDS:.0f} s: {'PASS' if estimate_s < GOAL_SECONDS else 'ABOVE'} |",
        f"| calculator alone (prices already indexed) | {pure_s * 1000:.0f} ms | 0 "
        f"| {pure_s / baseline_s:.1f}× | |",
        f"| baseline: `json.loads(json.dumps(components))` | {baseline_s * 1000:.0f} ms | 0 "
        "| 1.0× | |",
        "",
        f"{result['lines']:,} lines, {result['unpriced']} unpriced, monthly total "
        f"{result['monthly_total']} USD; {result['catalog_rows_read']} catalog rows read; "
        f"load average at end {os.getloadavg()[0]:.2f}.",
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"costing_bench-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"costing_bench-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
