#!/usr/bin/env python
"""Benchmark: the Redis response cache of the blueprints API, with wrk.

    .venv/bin/python benchmarks/blueprint_cache_wrk.py [--duration 10] [--rounds 3]

In one run, on gunicorn (dharma/gunicorn.conf.py, DEBUG off) over PostgreSQL and Redis:
1. cached version detail (`GET /api/v1/blueprints/{id}/versions/1/`) against a bare DRF APIView
   returning a cached dict of the same size via django-redis (benchmarks/bare_views.py), same
   server, same authentication, interleaved rounds; goal ours/bare ≥ 0.8;
2. the hit rate of a read-heavy mix — 90 % reads (45 % version detail, 35 % blueprint detail,
   10 % list page), 10 % writes (PATCH of a blueprint), over 50 blueprints chosen uniformly with
   a fixed seed — read from Dharma's own /metrics counters; goal ≥ 90 %;
3. creating a version of a 1,000-component graph: service time and query count (in-process),
   and the HTTP POST time.
Reported, never asserted. Results go to benchmarks/results/blueprint_cache_wrk-<UTC time>.{md,json}.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.health_wrk import (
    HOST,
    PYTHON,
    RESULTS,
    ROOT,
    WRK_THREADS,
    create_database,
    drop_database,
    ensure_wrk,
    free_port,
    gunicorn,
    run_wrk,
    server_environment,
    wait_until_serving,
)

BLUEPRINTS = 50
COMPONENTS_PER_BLUEPRINT = 20
BIG_GRAPH = 1000
PASSWORD = "bench-password-123"

SEED = r"""
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.core.management import call_command
from apps.accounts.models import Project, ProjectMember, Role, Tenant, User, UserRole
from apps.blueprints import services

def graph(prefix, n):
    tags = {"environment": "prod", "owner": "platform", "project": "bench"}
    components = [{"name": f"{prefix}-{i}", "type": "ec2", "provider": "aws", "region": "us-east-1",
                   "properties": {"instance_type": "t3.small", "index": i}, "tags": tags,
                   "depends_on": [f"{prefix}-{i - 1}"] if i else []} for i in range(n)]
    return {"components": components, "relations": []}

call_command("seed_demo", password="%(password)s", verbosity=0)
tenant = Tenant.objects.get(slug="demo")
user = User.objects.create_user("sa@bench.local", "%(password)s", tenant=tenant)
UserRole.objects.create(user=user, role=Role.objects.get(tenant=None, code="SA"))
project = Project.objects.get(tenant=tenant, code="DEMO")
ProjectMember.objects.create(project=project, user=user)  # SA reads project-wide
ids = []
for b in range(%(blueprints)d):
    blueprint = services.blueprint_create(user=user, project=project, name=f"service-{b:03d}")
    services.blueprint_version_create(
        user=user, blueprint=blueprint, graph=graph(f"s{b}", %(components)d)
    )
    ids.append(str(blueprint.pk))
big = []
for run in range(3):
    blueprint = services.blueprint_create(user=user, project=project, name=f"big-{run}")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        services.blueprint_version_create(
            user=user, blueprint=blueprint, graph=graph(f"big{run}", %(big)d)
        )
        elapsed = time.perf_counter() - started
    big.append({"seconds": elapsed, "queries": len(queries)})
http_target = services.blueprint_create(user=user, project=project, name="big-http")
print("SEED" + json.dumps({"ids": ids, "big": big, "http_target": str(http_target.pk)}))
"""

MIX = r"""
math.randomseed(20261126)
local ids = {%(ids)s}
local auth = "Bearer %(token)s"
local json = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
local get = {["Authorization"] = auth}
local counter = 0
request = function()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local r = math.random(100)
  if r <= 10 then
    return wrk.format("PATCH", "/api/v1/blueprints/" .. id .. "/", json,
                      '{"description": "edit ' .. counter .. '"}')
  elseif r <= 55 then
    return wrk.format("GET", "/api/v1/blueprints/" .. id .. "/versions/1/", get)
  elseif r <= 90 then
    return wrk.format("GET", "/api/v1/blueprints/" .. id .. "/", get)
  else
    return wrk.format("GET", "/api/v1/blueprints/?page=" .. math.random(3), get)
  end
end
"""


def http(method: str, url: str, body=None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def cache_counts(base: str) -> dict[tuple[str, str], float]:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    counts: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "dharma_api_cache_requests_total":
                key = (sample.labels["view"], sample.labels["result"])
                counts[key] = counts.get(key, 0.0) + sample.value
    return counts


def hit_rates(before: dict, after: dict) -> tuple[dict[str, float], dict[str, str]]:
    """Totals by result, and the hit rate of each view."""
    delta = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
    totals = {
        result: sum(v for (_, r), v in delta.items() if r == result)
        for result in ("hit", "miss", "error")
    }
    by_view = {}
    for view in sorted({view for view, _ in delta}):
        hits = delta.get((view, "hit"), 0.0)
        lookups = hits + delta.get((view, "miss"), 0.0) + delta.get((view, "error"), 0.0)
        by_view[view] = f"{hits / lookups:.1%} of {lookups:.0f}" if lookups else "-"
    return totals, by_view


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    if not (1 <= args.duration <= 120 and 1 <= args.rounds <= 10):
        parser.error("--duration must be 1..120 s and --rounds 1..10")

    binary = ensure_wrk()
    port = free_port()
    base = f"http://{HOST}:{port}"
    metrics_dir = tempfile.mkdtemp(prefix="dharma-bench-prometheus-")
    env = server_environment(port, args.workers, metrics_dir)
    env.update({"DHARMA_ACCESS_TOKEN_MINUTES": "120", "DHARMA_LOGIN_THROTTLE": "1000/min"})
    seed_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    create_database()
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=seed_env,
            check=True,
        )
        script = SEED % {
            "password": PASSWORD,
            "blueprints": BLUEPRINTS,
            "components": COMPONENTS_PER_BLUEPRINT,
            "big": BIG_GRAPH,
        }
        output = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=seed_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seeded = json.loads(
            next(line[4:] for line in output.splitlines() if line.startswith("SEED"))
        )
        with gunicorn(env, Path(metrics_dir) / "gunicorn.log") as server:
            wait_until_serving(base, server, timeout=60)
            status, tokens = http(
                "POST",
                f"{base}/api/v1/auth/token/",
                {"email": "sa@bench.local", "password": PASSWORD},
            )
            if status != 200:
                raise RuntimeError(f"login failed: {status} {tokens}")
            token = tokens["access"]
            header = ["-H", f"Authorization: Bearer {token}"]
            first = seeded["ids"][0]
            ours = f"{base}/api/v1/blueprints/{first}/versions/1/"
            bare = f"{base}/bench/bare-version/{first}/1/"
            assert (
                http("GET", ours, token=token)[0] == 200
                and http("GET", bare, token=token)[0] == 200
            )
            for url in (ours, bare):  # warm-up
                run_wrk(binary, url, duration=2, connections=args.connections, extra=header)
            samples: dict[str, list] = {"ours": [], "bare": []}
            for round_number in range(args.rounds):
                order = [("ours", ours), ("bare", bare)]
                if round_number % 2:
                    order.reverse()
                for name, url in order:
                    result = run_wrk(
                        binary,
                        url,
                        duration=args.duration,
                        connections=args.connections,
                        extra=header,
                    )
                    samples[name].append(result)
                    print(
                        f"round {round_number + 1} {name:5s} {result.requests_per_s:8.1f} req/s "
                        f"p50 {result.p50_ms:.2f} ms p99 {result.p99_ms:.2f} ms "
                        f"errors {result.errors}",
                        flush=True,
                    )
            ratios = [
                o.requests_per_s / b.requests_per_s
                for o, b in zip(samples["ours"], samples["bare"], strict=True)
            ]

            mix_script = Path(metrics_dir) / "mix.lua"
            mix_script.write_text(
                MIX % {"ids": ", ".join(f'"{i}"' for i in seeded["ids"]), "token": token}
            )
            before = cache_counts(base)
            mix = run_wrk(
                binary,
                f"{base}/",
                duration=args.duration * 2,
                connections=args.connections,
                extra=["-s", str(mix_script)],
            )
            after = cache_counts(base)
            delta, by_view = hit_rates(before, after)
            lookups = delta["hit"] + delta["miss"] + delta["error"]
            hit_rate = delta["hit"] / lookups if lookups else 0.0
            print(
                f"mix {mix.requests_per_s:.1f} req/s, non-2xx {mix.non_2xx}, cache {delta}",
                flush=True,
            )

            big_graph = {"components": [
                {"name": f"h-{i}", "type": "ec2", "provider": "aws", "region": "us-east-1",
                 "properties": {"instance_type": "t3.small", "index": i},
                 "tags": {"environment": "prod", "owner": "platform", "project": "bench"},
                 "depends_on": [f"h-{i - 1}"] if i else []} for i in range(BIG_GRAPH)]}  # fmt: skip
            http_times = []
            for run in range(3):
                for component in big_graph["components"]:
                    component["properties"]["run"] = run
                started = time.perf_counter()
                status, _ = http(
                    "POST",
                    f"{base}/api/v1/blueprints/{seeded['http_target']}/versions/",
                    {"graph": big_graph},
                    token=token,
                )
                http_times.append(time.perf_counter() - started)
                if status != 201:
                    raise RuntimeError(f"1,000-component version answered {status}")
    finally:
        drop_database()

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(sample, field) for sample in samples[name])

    ratio = statistics.median(ratios)
    big = seeded["big"]
    per_round = ", ".join(f"{r:.2f}" for r in ratios)
    lines = [
        f"Blueprint API cache — wrk -t{WRK_THREADS} -c{args.connections}, {args.rounds} "
        f"interleaved round(s) of {args.duration} s; medians",
        "",
        "| measurement | ours | baseline | ratio (rounds) | goal | verdict |",
        "|---|--:|--:|--:|---|---|",
        f"| cached version detail, req/s | {median('ours', 'requests_per_s'):.0f} "
        f"| {median('bare', 'requests_per_s'):.0f} (bare DRF APIView + django-redis) "
        f"| **{ratio:.2f}×** ({per_round}) | ≥ 0.8× | {'PASS' if ratio >= 0.8 else 'BELOW'} |",
        f"| cached version detail, p50 / p99 ms "
        f"| {median('ours', 'p50_ms'):.2f} / {median('ours', 'p99_ms'):.2f} "
        f"| {median('bare', 'p50_ms'):.2f} / {median('bare', 'p99_ms'):.2f} | | | |",
        f"| read-heavy mix (90 % reads), hit rate | **{hit_rate:.1%}** ({delta['hit']:.0f} hits, "
        f"{delta['miss']:.0f} misses, {delta['error']:.0f} errors) | | | ≥ 90 % "
        f"| {'PASS' if hit_rate >= 0.9 else 'BELOW'} |",
        f"| read-heavy mix, req/s (non-2xx) | {mix.requests_per_s:.0f} ({mix.non_2xx}) | | | | |",
        "| read-heavy mix, hit rate by view | "
        + "; ".join(f"{view} {rate}" for view, rate in by_view.items())
        + " | | | | |",
        f"| 1,000-component version, service "
        f"| {statistics.median(b['seconds'] for b in big) * 1000:.0f} ms, "
        f"{big[0]['queries']} queries | | | | |",
        f"| 1,000-component version, HTTP POST "
        f"| {statistics.median(http_times) * 1000:.0f} ms (median of 3) | | | | |",
        "",
        f"Seeded: {BLUEPRINTS} blueprints × {COMPONENTS_PER_BLUEPRINT} components; "
        f"load average at end {os.getloadavg()[0]:.2f}.",
    ]
    table = "\n".join(lines)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"blueprint_cache_wrk-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"blueprint_cache_wrk-{stamp}.json").write_text(
        json.dumps(
            {
                "ours": [s.__dict__ for s in samples["ours"]],
                "bare": [s.__dict__ for s in samples["bare"]],
                "ratios": ratios,
                "mix": mix.__dict__,
                "cache_delta": delta,
                "hit_rate_by_view": by_view,
                "hit_rate": hit_rate,
                "big_service": big,
                "big_http_seconds": http_times,
            },
            indent=2,
            default=str,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
