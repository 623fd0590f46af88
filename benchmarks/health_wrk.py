#!/usr/bin/env python
"""Benchmark: Dharma's /health/live and /health beside bare Django views, with wrk.

    .venv/bin/python benchmarks/health_wrk.py [--duration 10] [--connections 100] [--rounds 3]

Serves the project with gunicorn (dharma/gunicorn.conf.py, DEBUG off) on PostgreSQL and Redis,
and measures each endpoint and its baseline (benchmarks/bare_views.py, same server, same
middleware) in interleaved rounds. The machine is shared and noisy: read the ratio ours/bare, not
the absolute figures. The goal is a ratio of at least 0.9; it is reported, never asserted.
Results are printed as a Markdown table and written to benchmarks/results/.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PAIRS = [("/health/live", "/bench/bare-live"), ("/health", "/bench/bare-health")]
GOAL = 0.9


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("wrk is missing: installing Debian's package", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(server_dsn: str, name: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def parse_wrk(output: str) -> dict:
    def duration_ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    result = {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": 0,
        "socket_errors": 0,
    }
    for percentile in ("50", "90", "99"):
        match = re.search(rf"^\s+{percentile}%\s+(\S+)", output, re.M)
        result[f"p{percentile}_ms"] = duration_ms(match.group(1)) if match else None
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx"] = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result["socket_errors"] = sum(int(n) for n in match.groups())
    return result


def run_wrk(wrk: str, url: str, *, duration: int, connections: int, threads: int) -> dict:
    output = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=duration + 60,
    ).stdout
    return parse_wrk(output)


def wait_until_serving(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready in time")


def check_endpoints(base: str) -> None:
    for ours, bare in PAIRS:
        for path in (ours, bare):
            with urllib.request.urlopen(f"{base}{path}", timeout=5) as response:
                body = json.loads(response.read())
                if response.status != 200 or body.get("status") not in {"ok", "healthy"}:
                    raise RuntimeError(f"{path} answered {response.status} {body}")


def version_of(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2)
    parser.add_argument("--server-dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if not (1 <= args.duration <= 120 and 1 <= args.rounds <= 10):
        parser.error("--duration must be 1..120 s and --rounds 1..10")

    wrk = ensure_wrk()
    database = "dharma_bench"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    metrics_dir = tempfile.mkdtemp(prefix="dharma-bench-prometheus-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": args.server_dsn.rsplit("/", 1)[0] + f"/{database}",
        "REDIS_URL": args.redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_LOG_LEVEL": "warning",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }
    recreate_database(args.server_dsn, database)
    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "dharma/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        wait_until_serving(base, server)
        check_endpoints(base)
        for ours, bare in PAIRS:  # warm-up: imports, connections, caches
            for path in (ours, bare):
                run_wrk(
                    wrk,
                    f"{base}{path}",
                    duration=2,
                    connections=args.connections,
                    threads=args.threads,
                )

        samples: dict[str, list[dict]] = {path: [] for pair in PAIRS for path in pair}
        for round_number in range(args.rounds):
            for ours, bare in PAIRS:
                order = (ours, bare) if round_number % 2 == 0 else (bare, ours)
                for path in order:
                    result = run_wrk(
                        wrk,
                        f"{base}{path}",
                        duration=args.duration,
                        connections=args.connections,
                        threads=args.threads,
                    )
                    samples[path].append(result)
                    print(
                        f"round {round_number + 1} {path:20s} "
                        f"{result['requests_per_s']:9.1f} req/s "
                        f"p50 {result['p50_ms']} ms p99 {result['p99_ms']} ms",
                        flush=True,
                    )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        recreate_database(args.server_dsn, database, drop_only=True)
        shutil.rmtree(metrics_dir, ignore_errors=True)

    def median(path: str, key: str) -> float:
        return statistics.median(sample[key] for sample in samples[path])

    rows = []
    for ours, bare in PAIRS:
        ratio = median(ours, "requests_per_s") / median(bare, "requests_per_s")
        round_ratios = [
            o["requests_per_s"] / b["requests_per_s"]
            for o, b in zip(samples[ours], samples[bare], strict=True)
        ]
        rows.append(
            {
                "endpoint": ours,
                "baseline": bare,
                "ours_rps": median(ours, "requests_per_s"),
                "bare_rps": median(bare, "requests_per_s"),
                "ours_p50_ms": median(ours, "p50_ms"),
                "bare_p50_ms": median(bare, "p50_ms"),
                "ours_p99_ms": median(ours, "p99_ms"),
                "bare_p99_ms": median(bare, "p99_ms"),
                "errors": sum(
                    s["non_2xx"] + s["socket_errors"] for p in (ours, bare) for s in samples[p]
                ),
                "ratio": ratio,
                "round_ratios": round_ratios,
                "verdict": "PASS" if ratio >= GOAL else "BELOW",
            }
        )
    machine = {
        "cores": os.cpu_count(),
        "gunicorn_workers": args.workers,
        "wrk": version_of([wrk, "--version"]),
        "python": platform.python_version(),
        "django": version_of([sys.executable, "-c", "import django; print(django.get_version())"]),
        "postgresql": version_of(["psql", "--version"]),
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
    }
    lines = [
        f"Health endpoints vs bare Django views — wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s, {args.rounds} interleaved rounds, medians; goal ours/bare ≥ {GOAL}",
        "",
        "| endpoint | baseline | ours req/s | bare req/s | ours p50 / p99 ms | bare p50 / p99 ms "
        "| errors | ratio (per round) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        per_round = ", ".join(f"{r:.2f}" for r in row["round_ratios"])
        lines.append(
            f"| `{row['endpoint']}` | `{row['baseline']}` "
            f"| {row['ours_rps']:.0f} | {row['bare_rps']:.0f} "
            f"| {row['ours_p50_ms']:.2f} / {row['ours_p99_ms']:.2f} "
            f"| {row['bare_p50_ms']:.2f} / {row['bare_p99_ms']:.2f} | {row['errors']} "
            f"| **{row['ratio']:.2f}** ({per_round}) | {row['verdict']} |"
        )
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items())]
    table = "\n".join(lines)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"health_wrk-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"health_wrk-{stamp}.json").write_text(
        json.dumps({"machine": machine, "rows": rows, "samples": samples}, indent=2) + "\n"
    )
    print(f"\nwritten: benchmarks/results/health_wrk-{stamp}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
