#!/usr/bin/env python
"""Benchmark: what the Redis response cache saves on one cached endpoint, measured.

    .venv/bin/python benchmarks/cache_benefit.py [--requests 200] [--components 200] [--record]

On gunicorn (dharma/gunicorn.conf.py, DEBUG off) over PostgreSQL and Redis, with a scratch
database of its own: one blueprint version of `--components` components, read as its owner
through `GET /api/v1/blueprints/{id}/versions/1/`:

- cold: the cached response is deleted from Redis just before the request (outside the timed
  part), so the view reads the version from PostgreSQL, serialises it and stores it again;
- warm: the same request with the response in Redis.

`--requests` of each, interleaved one by one (the order of the pair alternates), one at a time,
after 10 pairs of warm-up. Each response's `X-Cache` header is checked: a cold request that was
not a MISS, or a warm one that was not a HIT, is reported (and counted), never hidden. Latency is
the client's: connect, send, the whole body received. Reported: p50, p95 (linear interpolation
between closest ranks), mean, for each, and cold ÷ warm. Results go to
benchmarks/results/cache_benefit-<UTC time>.{md,json}; with `--record`, also to the database of
DATABASE_URL as a `cache-benefit` measurement for the validation report. Takes about a minute.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.loadtests.engine.metrics import percentile_exact
from benchmarks import record
from benchmarks.health_wrk import (
    HOST,
    PYTHON,
    RESULTS,
    ROOT,
    free_port,
    gunicorn,
    server_environment,
    wait_until_serving,
)

DATABASE = "dharma_cache_benefit"
SERVER_DSN = f"postgresql://postgres@{HOST}:5432/postgres"
REDIS_URL = f"redis://{HOST}:6379/14"
KEY_PREFIX = "dharma-cache-benefit"
PASSWORD = "bench-password-123"
WARMUP_PAIRS = 10

SEED = r"""
import json
from django.core.management import call_command
from apps.accounts.models import Project, ProjectMember, Role, Tenant, User, UserRole
from apps.blueprints import services

call_command("seed_demo", password="%(password)s", verbosity=0)
tenant = Tenant.objects.get(slug="demo")
user = User.objects.create_user("sa@cache-benefit.local", "%(password)s", tenant=tenant)
UserRole.objects.create(user=user, role=Role.objects.get(tenant=None, code="SA"))
project = Project.objects.get(tenant=tenant, code="DEMO")
ProjectMember.objects.create(project=project, user=user)
tags = {"environment": "prod", "owner": "platform", "project": "bench"}
graph = {"components": [
    {"name": f"svc-{i}", "type": "ec2", "provider": "aws", "region": "us-east-1",
     "properties": {"instance_type": "t3.small", "index": i}, "tags": tags,
     "depends_on": [f"svc-{i - 1}"] if i else []}
    for i in range(%(components)d)], "relations": []}
blueprint = services.blueprint_create(user=user, project=project, name="cache-benefit")
services.blueprint_version_create(user=user, blueprint=blueprint, graph=graph)
print("SEED" + json.dumps({"blueprint": str(blueprint.pk)}))
"""


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


Answer = tuple[int, dict[str, str], bytes, float]


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> Answer:
    """One request on a new connection; (status, headers, body, milliseconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data, elapsed


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)  # percentiles by k6's method, as runloadtest reports them
    return {
        "requests": len(values),
        "p50_ms": round(percentile_exact(ordered, 0.50), 3),
        "p95_ms": round(percentile_exact(ordered, 0.95), 3),
        "mean_ms": round(statistics.fmean(values), 3),
        "min_ms": round(min(values), 3),
        "max_ms": round(max(values), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="of each kind (10..2000)")
    parser.add_argument("--components", type=int, default=200, help="in the version (1..2000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--record",
        action="store_true",
        help="store the figures for the validation report (database of DATABASE_URL)",
    )
    args = parser.parse_args()
    if not (10 <= args.requests <= 2000 and 1 <= args.components <= 2000):
        parser.error("--requests 10..2000, --components 1..2000")
    recorded_in = record.prepare() if args.record else ""

    import redis

    cache = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    cache.ping()
    port = free_port()
    metrics_dir = tempfile.mkdtemp(prefix="dharma-cache-benefit-")
    env = server_environment(port, args.workers, metrics_dir)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{DATABASE}",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": KEY_PREFIX,
            "DHARMA_LOGIN_THROTTLE": "1000/min",
        }
    )
    seed_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    admin_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{DATABASE}"')
    for key in cache.scan_iter(f"{KEY_PREFIX}:*", count=1000):  # leftovers of an earlier run
        cache.delete(key)
    cold: list[float] = []
    warm: list[float] = []
    wrong: list[str] = []
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT, env=seed_env, check=True,
        )  # fmt: skip
        output = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c",
             SEED % {"password": PASSWORD, "components": args.components}],
            cwd=ROOT, env=seed_env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        blueprint = json.loads(
            next(line[4:] for line in output.splitlines() if line.startswith("SEED"))
        )["blueprint"]
        print(f"seeded in {time.monotonic() - clock:.0f} s", flush=True)
        with gunicorn(env, Path(metrics_dir) / "gunicorn.log") as server:
            wait_until_serving(f"http://{HOST}:{port}", server, timeout=60)
            status, _, body, _ = request(
                port, "POST", "/api/v1/auth/token/",
                json.dumps({"email": "sa@cache-benefit.local", "password": PASSWORD}).encode(),
                {"Content-Type": "application/json"},
            )  # fmt: skip
            if status != 200:
                raise RuntimeError(f"login failed: {status} {body[:200]!r}")
            headers = {"Authorization": f"Bearer {json.loads(body)['access']}"}
            path = f"/api/v1/blueprints/{blueprint}/versions/1/"
            status, _, body, _ = request(port, "GET", path, headers=headers)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")
            size = len(body)
            keys = list(cache.scan_iter(f"{KEY_PREFIX}:responses:*{blueprint}:v:1", count=1000))
            if len(keys) != 1:
                raise RuntimeError(f"expected one cached response for {path} in Redis: {keys}")
            response_key = keys[0]

            def timed(mode: str, measured: list[float] | None) -> None:
                if mode == "cold":
                    cache.delete(response_key)
                status, answer, _, elapsed = request(port, "GET", path, headers=headers)
                expected = "MISS" if mode == "cold" else "HIT"
                if status != 200 or answer.get("x-cache") != expected:
                    wrong.append(f"{mode}: HTTP {status}, X-Cache {answer.get('x-cache')}")
                if measured is not None:
                    measured.append(elapsed)

            for pair in range(WARMUP_PAIRS + args.requests):
                measuring = pair >= WARMUP_PAIRS
                order = [("cold", cold), ("warm", warm)]
                if pair % 2:
                    order.reverse()
                for mode, measured in order:
                    timed(mode, measured if measuring else None)
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        for key in cache.scan_iter(f"{KEY_PREFIX}:*", count=1000):
            cache.delete(key)
        cache.close()
    finished_at = datetime.now(UTC)
    figures = {
        "endpoint": "GET /api/v1/blueprints/{id}/versions/1/",
        "components": args.components,
        "response_bytes": size,
        "requests_per_mode": args.requests,
        "gunicorn_workers": args.workers,
        "cold": summary(cold),
        "warm": summary(warm),
        "unexpected_cache_results": len(wrong),
        "first_unexpected": wrong[0] if wrong else "",
        "percentiles": "linear interpolation between closest ranks",
        "load_average": round(os.getloadavg()[0], 2),
    }
    rows = [
        f"Cache benefit — {figures['endpoint']} ({args.components} components, {size:,} bytes), "
        f"{args.requests} cold and {args.requests} warm requests, interleaved, one at a time",
        "",
        "| latency | cold cache | warm cache | cold ÷ warm |",
        "|---|--:|--:|--:|",
    ]
    for stat in ("p50_ms", "p95_ms", "mean_ms"):
        ratio = figures["cold"][stat] / figures["warm"][stat]
        rows.append(
            f"| {stat[:-3]} | {figures['cold'][stat]:.2f} ms | {figures['warm'][stat]:.2f} ms "
            f"| {ratio:.2f}× |"
        )
    rows += [
        "",
        f"Unexpected cache results: {len(wrong)}"
        + (f" (first: {wrong[0]})" if wrong else "")
        + f"; load average at end {figures['load_average']:.2f}; "
        f"{time.monotonic() - clock:.0f} s in all.",
    ]
    table = "\n".join(rows)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = finished_at.strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"cache_benefit-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"cache_benefit-{stamp}.json").write_text(
        json.dumps({**figures, "cold_ms": cold, "warm_ms": warm}, indent=2) + "\n"
    )
    if args.record:
        measurement = record.store(
            kind="cache-benefit",
            figures=figures,
            started_at=started_at,
            finished_at=finished_at,
            notes=f"cold: the cached response deleted from Redis before each request; "
            f"{len(wrong)} unexpected cache results",
        )
        print(f"recorded as measurement {measurement} in the {recorded_in}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
