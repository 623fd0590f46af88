#!/usr/bin/env python
"""Benchmark: evaluating a 10,000-component blueprint version with the whole policy pack.

    .venv/bin/python benchmarks/guardrails_bench.py [--components 10000] [--runs 3]

On a throwaway PostgreSQL database (migrated, so the built-in pack is installed), in one run:
1. baseline: the blueprint validator (apps.blueprints.validation) over the same graph — the other
   pure pass every version already pays;
2. the pure engine: `evaluate(components, rules)` with every policy in force;
3. the whole service, `evaluation_create`: policies loaded, the cost ceiling priced by the cost
   calculator, findings upserted into policy_violations, the evaluation stored — time and
   query count, first run (findings created) and later runs (findings updated).
Medians of --runs; reported, never asserted. Results go to benchmarks/results/.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "benchmarks" / "results"
SERVER_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "dharma_bench_guardrails"

SCRIPT = r"""
import json, statistics, time
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.core.management import call_command
from apps.accounts.models import Project, ProjectMember, Role, Tenant, User, UserRole
from apps.blueprints import services as blueprints
from apps.blueprints.validation import validate_graph
from apps.guardrails import selectors, services
from apps.guardrails.engine import evaluate

N, RUNS = %(components)d, %(runs)d
COMMON = {"monitoring_enabled": True, "audit_logging": True}
DATA = {"encryption_enabled": True, "backup_policy": {"days": 30}, "dr_enabled": True}
SERVER = {"subnet_type": "private", "availability_zones": 2}
# Per type: (provider, region, type, properties of the worst case, properties that comply)
TYPES = [
    ("aws", "us-east-1", "ec2", {"instance_type": "m5.large", "monitoring": True},
     {"instance_type": "m5.large", "monitoring": True, **COMMON, **SERVER,
      "metadata_options": {"http_tokens": "required"}, "root_block_device": {"encrypted": True}}),
    ("aws", "us-east-1", "s3",
     {"server_side_encryption": "AES256", "versioning": {"enabled": True}},
     {"server_side_encryption": "AES256", "versioning": {"enabled": True}, **COMMON, **DATA,
      "logging": {"target_bucket": "logs"}, "block_public_acls": True,
      "block_public_policy": True}),
    ("aws", "us-east-1", "rds",
     {"instance_class": "db.m5.large", "storage_encrypted": True, "allocated_storage": 100},
     {"instance_class": "db.m5.large", "allocated_storage": 100, **COMMON, **DATA, **SERVER,
      "storage_encrypted": True, "multi_az": True, "backup_retention_period": 7,
      "deletion_protection": True, "iam_database_authentication_enabled": True}),
    ("aws", "us-east-1", "security-group",
     {"ingress": [{"from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]},
     {"ingress": [{"from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]}),
    ("azure", "eastus", "vm", {"size": "Standard_D2s_v3"},
     {"size": "Standard_D2s_v3", **COMMON, **SERVER, "disable_password_authentication": True}),
    ("azure", "eastus", "storage-account", {"enable_https_traffic_only": True},
     {"enable_https_traffic_only": True, **COMMON, **DATA, "min_tls_version": "TLS1_2",
      "network_rules": {"default_action": "Deny"}}),
    ("gcp", "us-central1", "compute-instance", {"machine_type": "e2-standard-2"},
     {"machine_type": "e2-standard-2", **COMMON, **SERVER,
      "shielded_instance_config": {"enable_vtpm": True},
      "metadata": {"block-project-ssh-keys": True}}),
    ("gcp", "us-central1", "storage-bucket", {"uniform_bucket_level_access": True},
     {"uniform_bucket_level_access": True, **COMMON, **DATA, "versioning": {"enabled": True}}),
]
tags = {"environment": "prod", "owner": "platform", "project": "bench", "CostCenter": "42"}

def graph(compliant):
    # Worst case: every component breaks several rules. Compliant: one in 20 does.
    components = []
    for i in range(N):
        provider, region, kind, worst, good = TYPES[i %% len(TYPES)]
        properties = good if compliant and i %% 20 else worst
        components.append({"name": f"prod-bench-c{i}-x", "type": kind, "provider": provider,
                           "region": region, "properties": properties, "tags": tags,
                           "depends_on": []})
    return {"components": components, "relations": []}

call_command("seed_demo", password="bench-password-123", verbosity=0)
tenant = Tenant.objects.get(slug="demo")
user = User.objects.get(tenant=tenant, email__startswith="admin")
project = Project.objects.get(tenant=tenant, code="DEMO")

def median(fn):
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result

policies = selectors.policies_in_force(tenant_id=tenant.pk)
rules = selectors.rules_of(policies)
scenarios = {}
for label, compliant in (("worst case", False), ("mostly compliant", True)):
    whole = graph(compliant)
    blueprint = blueprints.blueprint_create(user=user, project=project, name=f"bench-{compliant}")
    started = time.perf_counter()
    version, _ = blueprints.blueprint_version_create(user=user, blueprint=blueprint, graph=whole)
    create_seconds = time.perf_counter() - started
    stored = version.graph_json["components"]
    baseline, baseline_runs, _ = median(lambda: validate_graph(whole, blueprint_name="bench"))
    engine, engine_runs, result = median(lambda: evaluate(stored, rules))
    service_runs = []
    for run in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            evaluation = services.evaluation_create(user=user, version=version)
            seconds = time.perf_counter() - started
        service_runs.append({"seconds": seconds, "queries": len(queries),
                             "findings": evaluation.summary["total"],
                             "score": evaluation.score, "blocked": evaluation.blocked,
                             "monthly_cost": str(evaluation.monthly_cost)})
    scenarios[label] = {
        "checks": result.checks, "findings": len(result.findings),
        "skipped": len(result.skipped), "baseline": baseline, "baseline_runs": baseline_runs,
        "engine": engine, "engine_runs": engine_runs, "service_runs": service_runs,
        "version_create_seconds": create_seconds,
    }
if %(profile)s:
    import cProfile, pstats, sys
    profiler = cProfile.Profile()
    profiler.enable()
    services.evaluation_create(user=user, version=version)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
print("RESULT" + json.dumps({"components": N, "policies": len(rules), "scenarios": scenarios}))
"""


def admin_sql(statement: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(SERVER_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(DATABASE)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of one more evaluation"
    )
    args = parser.parse_args()
    if not (1 <= args.components <= 50_000 and 1 <= args.runs <= 10):
        parser.error("--components must be 1..50000 and --runs 1..10")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dharma.settings.base",
        "DATABASE_URL": SERVER_DSN.rsplit("/", 1)[0] + f"/{DATABASE}",
        "DHARMA_MAX_COMPONENTS": str(max(args.components, 5000)),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret-" + "x" * 40,
    }
    env.pop("REDIS_URL", None)
    admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    admin_sql("CREATE DATABASE {db}")
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        script = SCRIPT % {
            "components": args.components,
            "runs": args.runs,
            "profile": args.profile,
        }
        output = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    finally:
        admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    result = json.loads(line.removeprefix("RESULT"))
    rows = [
        "| graph | measurement | time | queries | note |",
        "|---|---|--:|--:|---|",
    ]
    for label, scenario in result["scenarios"].items():
        first, *later = scenario["service_runs"]
        ratio = scenario["engine"] / scenario["baseline"]
        rows += [
            f"| {label} | baseline: blueprint validator, same graph | "
            f"{scenario['baseline'] * 1000:.0f} ms | 0 | median of {args.runs} |",
            f"| {label} | engine: `evaluate`, whole pack | {scenario['engine'] * 1000:.0f} ms | "
            f"0 | {scenario['checks']:,} checks, {scenario['findings']:,} findings, "
            f"{scenario['skipped']:,} skipped; **{ratio:.2f}×** the baseline |",
            f"| {label} | service, first evaluation (findings created) | "
            f"{first['seconds'] * 1000:.0f} ms | {first['queries']} | score {first['score']}, "
            f"blocked {first['blocked']}, priced {first['monthly_cost']} USD/month |",
        ]
        if later:
            median = statistics.median(run["seconds"] for run in later)
            rows.append(
                f"| {label} | service, re-evaluation (findings unchanged) | "
                f"{median * 1000:.0f} ms | {later[0]['queries']} | median of {len(later)} |"
            )
    header = (
        f"Guardrails — {result['components']:,} components, {result['policies']} policies, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    table = "\n".join([header, "", *rows])
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"guardrails_bench-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"guardrails_bench-{stamp}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
