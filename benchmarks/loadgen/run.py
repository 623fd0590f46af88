#!/usr/bin/env python
"""Benchmark: the load generator of `runloadtest` beside Locust and wrk, in one run.

    .venv/bin/python benchmarks/loadgen/run.py [--duration 10] [--vus 64] [--rounds 2]
                                               [--health-connections 50]

(a) Our generator's maximum request rate on ONE core (taskset -c 0) against a static target:
    Debian's nginx (installed with apt-get when missing) on another core, one worker, serving a
    small JSON file from a temporary directory; a minimal asyncio server if nginx cannot run.
    Goal: ≥ 30,000 req/s.
(b) Locust's FastHttpUser against the same target, on the same core, for the same time, with
    the same number of users, interleaved with (a). Locust is installed from
    benchmarks/loadgen/requirements.txt into its own venv (/tmp/dharma-locust-venv), never into
    the project's. Goal: ours ≥ 2× Locust.
(d) In each static round, ours and `wrk -t1` (both on core 0) against the same nginx on a path
    it answers with Connection: close: a new connection per request. Reported, no goal: it
    shows the generators' cost per connection, which (c) with --health-placement shared mixes
    into the server's throughput.
(c) Dharma's /health/live under gunicorn (dharma/gunicorn.conf.py, a scratch PostgreSQL database
    `dharma_loadgen_bench`, Redis DB 12): ours against wrk at the same concurrency, req/s, p50 and
    p95. Goal: within 10 % of wrk on each. `--health-placement split` (the default) keeps the
    generator and the system under test apart, as on separate machines: gunicorn pinned to core
    1, ours and `wrk -t1` pinned to core 0. `shared` lets everything share both cores (ours in one
    process, wrk with two threads): then each generator's own CPU use is taken from the server's,
    so the comparison measures the generators' costs per connection as much as the server.

It reports and never asserts. The table is printed and written, with the raw runs, to
benchmarks/results/loadgen-<UTC timestamp>.md and .json. Every server it starts is stopped and
the database dropped on exit, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.health_wrk import (  # noqa: E402 - needs the project root on sys.path
    ensure_wrk,
    free_port,
    gunicorn,
    server_environment,
    wait_for_project_check,
    wait_until_answers,
    worker_pids,
)

RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
LOCUST_VENV = Path(tempfile.gettempdir()) / "dharma-locust-venv"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
DATABASE = "dharma_loadgen_bench"
SERVER_DSN = f"postgresql://postgres@{HOST}:5432/postgres"
REDIS_URL = f"redis://{HOST}:6379/12"
CLOSE_PATH = "/close.json"  # nginx answers it with Connection: close (keepalive_timeout 0)
STATIC_BODY = b'{"status":"ok","service":"static"}\n'
GOAL_RATE = 30_000
GOAL_LOCUST_FACTOR = 2.0
GOAL_WRK_TOLERANCE = 0.10
GENERATOR_CORE = 0
TARGET_CORE = 1
WRK_THREADS = 2
WARMUP_SECONDS = 3
WRK_LUA = textwrap.dedent(
    """
    done = function(summary, latency, requests)
      io.write(string.format("DHARMA p50=%d p95=%d p99=%d\\n",
        latency:percentile(50), latency:percentile(95), latency:percentile(99)))
    end
    """
)


@dataclass
class Measure:
    tool: str
    target: str
    round: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: int
    # (c): voluntary context switches of gunicorn's workers per request (None elsewhere)
    server_waits: float | None = None


def cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pinned(core: int, command: list[str]) -> list[str]:
    """`taskset -c CORE command` when the core exists, else the command as is."""
    if core in cores() and shutil.which("taskset"):
        return ["taskset", "-c", str(core), *command]
    return command


# --- the static target --------------------------------------------------------------------------


def ensure_nginx() -> str | None:
    if nginx := shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx"):
        return str(nginx)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "nginx-light"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        if subprocess.run(install, env=env, check=False, timeout=600).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=False, timeout=600)
            subprocess.run(install, env=env, check=False, timeout=600)
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    return str(found) if found else None


@contextlib.contextmanager
def static_target(scratch: Path) -> Iterator[tuple[str, str, bool]]:
    """(URL, description, whether CLOSE_PATH answers with Connection: close) of nginx, or of a
    minimal asyncio server (keep-alive only) when nginx cannot run."""
    port = free_port()
    (scratch / "health.json").write_bytes(STATIC_BODY)
    nginx = ensure_nginx()
    if nginx is not None:
        conf = scratch / "nginx.conf"
        conf.write_text(
            textwrap.dedent(
                f"""
                worker_processes 1;
                daemon off;
                pid {scratch}/nginx.pid;
                error_log {scratch}/nginx-error.log;
                events {{ worker_connections 4096; }}
                http {{
                  access_log off;
                  client_body_temp_path {scratch}; proxy_temp_path {scratch};
                  fastcgi_temp_path {scratch}; uwsgi_temp_path {scratch};
                  scgi_temp_path {scratch};
                  keepalive_requests 10000000;
                  server {{
                    listen {HOST}:{port};
                    location / {{ root {scratch}; default_type application/json;
                                 try_files /health.json =404; }}
                    location = {CLOSE_PATH} {{ keepalive_timeout 0; root {scratch};
                                 default_type application/json; try_files /health.json =404; }}
                  }}
                }}
                """
            )
        )
        command = pinned(TARGET_CORE, [nginx, "-c", str(conf), "-p", str(scratch)])
        version = first_line([nginx, "-v"])
        description = f"{version}, 1 worker, core {TARGET_CORE}"
        closes = True
    else:
        server = scratch / "static_server.py"
        server.write_text(ASYNCIO_SERVER.format(host=HOST, port=port, body=STATIC_BODY))
        command = pinned(TARGET_CORE, [PYTHON, str(server)])
        description = f"asyncio static server (nginx unavailable), core {TARGET_CORE}"
        closes = False
    process = subprocess.Popen(command, start_new_session=True)
    try:
        url = f"http://{HOST}:{port}"
        wait_for(f"{url}/health.json", process)
        yield url, description, closes
    finally:
        stop(process)


ASYNCIO_SERVER = """
import asyncio
BODY = {body!r}
HEAD = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n"
RESPONSE = HEAD % len(BODY) + BODY
class P(asyncio.Protocol):
    def connection_made(self, t): self.t = t
    def data_received(self, d): self.t.write(RESPONSE * d.count(b"\\r\\n\\r\\n"))
async def main():
    server = await asyncio.get_running_loop().create_server(P, {host!r}, {port})
    await server.serve_forever()
asyncio.run(main())
"""


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    wait_until_answers(url, process, timeout)


def stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
            return


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return ((done.stdout or done.stderr).strip().splitlines() or ["unknown"])[0]


# --- the generators -----------------------------------------------------------------------------


def run_ours(
    url: str, path: str, *, vus: int, duration: int, core: int | None, scratch: Path
) -> dict[str, float]:
    export = scratch / "ours-summary.json"
    command = [
        PYTHON, "manage.py", "runloadtest", "--url", url, "--path", path,
        "--vus", str(vus), "--duration", f"{duration}s", "--no-progress",
        "--summary-trend-stats", "avg,med,p(95),p(99)", "--summary-export", str(export),
    ]  # fmt: skip
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dharma.settings.base"}
    for name in ("DHARMA_LOADTEST_ALLOWED_HOSTS", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    # Every run is stored after it ends: a scratch SQLite file, migrated once.
    database = scratch / "runs.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{database}"
    if not database.exists():
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT, env=env, check=True, timeout=300,
        )  # fmt: skip
    subprocess.run(
        pinned(core, command) if core is not None else command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=duration + 120,
    )
    metrics = json.loads(export.read_text())["metrics"]
    duration_values = metrics["http_req_duration"]["values"]
    return {
        "requests_per_s": metrics["http_reqs"]["values"]["rate"],
        "requests": metrics["http_reqs"]["values"]["count"],
        "errors": metrics["http_req_failed"]["values"]["passes"],
        "p50_ms": duration_values["med"],
        "p95_ms": duration_values["p(95)"],
    }


def ensure_locust() -> Path:
    locust = LOCUST_VENV / "bin" / "locust"
    if not locust.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True, timeout=300)
        subprocess.run(
            [str(LOCUST_VENV / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)],
            check=True,
            timeout=900,
        )
    return locust


LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Static(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get({path!r})
"""


def run_locust(
    locust: Path, url: str, path: str, *, users: int, duration: int, scratch: Path
) -> dict[str, float]:
    locustfile = scratch / "locustfile.py"
    locustfile.write_text(LOCUSTFILE.format(path=path))
    prefix = scratch / "locust"
    command = [
        str(locust), "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users * 100),
        "-t", f"{duration}s", "-H", url, "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "5",
    ]  # fmt: skip
    subprocess.run(
        pinned(GENERATOR_CORE, command),
        cwd=scratch,
        capture_output=True,
        check=False,
        timeout=duration + 120,
    )
    with (scratch / "locust_stats.csv").open() as stream:
        row = next(r for r in csv.DictReader(stream) if r["Name"] == "Aggregated")
    return {
        "requests_per_s": float(row["Requests/s"]),
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
    }


def run_wrk_lua(
    wrk: str,
    url: str,
    *,
    connections: int,
    duration: int,
    scratch: Path,
    threads: int = WRK_THREADS,
    core: int | None = None,
) -> dict:
    script = scratch / "percentiles.lua"
    script.write_text(WRK_LUA)
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(script), url]
    done = subprocess.run(
        pinned(core, command) if core is not None else command,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    )
    lines = done.stdout.splitlines()
    marked = next(line for line in lines if line.startswith("DHARMA"))
    values = dict(part.split("=") for part in marked.split()[1:])
    requests = int(next(line for line in lines if "requests in" in line).split()[0])
    rate = float(next(line for line in lines if line.startswith("Requests/sec")).split()[1])
    errors = 0
    for line in lines:
        if "Non-2xx" in line:
            errors += int(line.split()[-1])
        if "Socket errors" in line:
            errors += sum(int(p.strip(",")) for p in line.split()[3::2])
    return {
        "requests_per_s": rate,
        "requests": requests,
        "errors": errors,
        "p50_ms": int(values["p50"]) / 1000,
        "p95_ms": int(values["p95"]) / 1000,
    }


# --- the gunicorn target ------------------------------------------------------------------------


def time_wait_to(port: int) -> int:
    """TIME_WAIT sockets of connections to `port`, on the client's side or the server's (from
    /proc/net/tcp: state 06)."""
    count = 0
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[3] == "06" and port in (
                int(fields[1].rsplit(":", 1)[1], 16),
                int(fields[2].rsplit(":", 1)[1], 16),
            ):
                count += 1
    return count


def settle_time_wait(port: int, *, below: int = 1_000, limit: float = 75.0) -> float:
    """Wait (at most `limit` s) until fewer than `below` TIME_WAIT sockets point at the target."""
    started = time.monotonic()
    while time_wait_to(port) >= below and time.monotonic() - started < limit:
        time.sleep(1)
    return time.monotonic() - started


def drain_time_wait(url: str) -> None:
    """Before each run of (c) or (d). Both targets close every connection, and a 10 s run leaves
    tens of thousands of TIME_WAIT sockets (on either side) for 60 s: a run started among them
    would pay for the run before it."""
    waited = settle_time_wait(int(url.rsplit(":", 1)[1]))
    print(f"(TIME_WAIT drained after {waited:.0f} s)", flush=True)


def run_against_wrk(
    tool: str,
    wrk: str,
    url: str,
    path: str,
    *,
    connections: int,
    duration: int,
    core: int | None,
    threads: int,
    scratch: Path,
) -> dict[str, float]:
    """One run of (c) or (d), by ours or wrk."""
    if tool == "ours":
        return run_ours(url, path, vus=connections, duration=duration, core=core, scratch=scratch)
    return run_wrk_lua(
        wrk, f"{url}{path}", connections=connections, duration=duration, scratch=scratch,
        threads=threads, core=core,
    )  # fmt: skip


def voluntary_switches(master: int) -> int:
    """How often gunicorn's workers have blocked so far (voluntary context switches). A sync
    worker blocks when it waits for the client: for a request, or, after its answer, for the
    client's FIN (gunicorn's lingering close)."""
    total = 0
    for pid in worker_pids(master):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


def _admin_sql(statement: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(SERVER_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(DATABASE)))


@contextlib.contextmanager
def project_server(scratch: Path, core: int | None) -> Iterator[tuple[str, int]]:
    """(base URL, gunicorn master's pid)."""
    port = free_port()
    metrics_dir = scratch / "prometheus"
    metrics_dir.mkdir()
    env = server_environment(port, None, str(metrics_dir))
    env["DATABASE_URL"] = f"postgres://postgres@{HOST}:5432/{DATABASE}"
    env["REDIS_URL"] = REDIS_URL
    env["CACHE_KEY_PREFIX"] = "dharma-loadgen-bench"
    wait_for_project_check(env, timeout=600)
    _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    _admin_sql("CREATE DATABASE {db}")
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        prefix = pinned(core, []) if core is not None else []
        with gunicorn(env, scratch / "gunicorn.log", prefix) as process:
            base = f"http://{HOST}:{port}"
            wait_for(f"{base}/health/live", process)
            yield base, process.pid
    finally:
        _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")


# --- report -------------------------------------------------------------------------------------


def median_of(measures: list[Measure], tool: str, target: str) -> dict[str, float]:
    chosen = [m for m in measures if m.tool == tool and m.target == target]
    return {
        key: statistics.median(getattr(m, key) for m in chosen)
        for key in ("requests_per_s", "p50_ms", "p95_ms", "requests", "errors")
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW"


def static_rows(measures: list[Measure], args: argparse.Namespace) -> list[str]:
    ours = median_of(measures, "ours", "static")
    locust = median_of(measures, "locust", "static")
    factor = ours["requests_per_s"] / locust["requests_per_s"]
    return [
        f"| a | max req/s, 1 core, {args.vus} VUs, static target | "
        f"{ours['requests_per_s']:,.0f} | — | ≥ {GOAL_RATE:,} | "
        f"{verdict(ours['requests_per_s'] >= GOAL_RATE)} |",
        f"| b | req/s vs Locust FastHttpUser (1 core, {args.vus} users) | "
        f"{ours['requests_per_s']:,.0f} | {locust['requests_per_s']:,.0f} | "
        f"≥ {GOAL_LOCUST_FACTOR:g}× | **{factor:.1f}×** {verdict(factor >= GOAL_LOCUST_FACTOR)} |",
    ]


def close_rows(measures: list[Measure], args: argparse.Namespace) -> list[str]:
    ours = median_of(measures, "ours", "close")
    wrk = median_of(measures, "wrk", "close")
    factor = ours["requests_per_s"] / wrk["requests_per_s"]
    return [
        f"| d | max req/s, 1 core, {args.vus} VUs, a new connection per request (nginx "
        f"`keepalive_timeout 0`) vs wrk -t1 | {ours['requests_per_s']:,.0f} | "
        f"{wrk['requests_per_s']:,.0f} | — (reported) | {factor:.2f}× |"
    ]


def round_deltas(measures: list[Measure], key: str) -> list[float]:
    """(ours − wrk) / wrk of `key` for each round of (c): the two runs of a round are back to
    back, so their ratio holds when the shared machine drifts between rounds."""
    by_round: dict[int, dict[str, float]] = {}
    for m in measures:
        if m.target == "health":
            by_round.setdefault(m.round, {})[m.tool] = getattr(m, key)
    return [
        (pair["ours"] - pair["wrk"]) / pair["wrk"]
        for _round, pair in sorted(by_round.items())
        if "ours" in pair and "wrk" in pair
    ]


def health_rows(measures: list[Measure], args: argparse.Namespace) -> list[str]:
    """The tools' medians over rounds, and the verdict on the median of the per-round deltas."""
    ours = median_of(measures, "ours", "health")
    wrk = median_of(measures, "wrk", "health")
    rows = []
    for key, label, fmt in (
        ("requests_per_s", f"/health/live req/s vs wrk ({args.health_connections} conns)", ",.0f"),
        ("p50_ms", "/health/live p50 ms vs wrk", ".2f"),
        ("p95_ms", "/health/live p95 ms vs wrk", ".2f"),
    ):
        deltas = round_deltas(measures, key)
        delta = statistics.median(deltas)
        each = ", ".join(f"{d:+.1%}" for d in deltas)
        rows.append(
            f"| c | {label} | {ours[key]:{fmt}} | {wrk[key]:{fmt}} | "
            f"within {GOAL_WRK_TOLERANCE:.0%} | {delta:+.1%} "
            f"{verdict(abs(delta) <= GOAL_WRK_TOLERANCE)} (rounds: {each}) |"
        )
    return rows


def render(measures: list[Measure], args: argparse.Namespace, facts: dict) -> str:
    rows = [
        "| # | measure | ours | baseline | goal | result |",
        "|---|---|--:|--:|---|---|",
    ]
    if any(m.target == "static" for m in measures):
        rows += static_rows(measures, args)
    if any(m.target == "close" for m in measures):
        rows += close_rows(measures, args)
    if any(m.target == "health" for m in measures):
        rows += health_rows(measures, args)
    if args.health_placement == "split":
        placement = (
            f"In (c) gunicorn (as dharma/gunicorn.conf.py configures it) is pinned to core "
            f"{TARGET_CORE}, ours and wrk (one thread) to core {GENERATOR_CORE}."
        )
    else:
        placement = (
            f"In (c) everything shares all cores: ours unpinned in one process, wrk with "
            f"{WRK_THREADS} threads, gunicorn as dharma/gunicorn.conf.py configures it."
        )
    header = (
        f"{args.rounds} interleaved round(s) of {args.duration} s each; medians over rounds. "
        f"(c)'s result is the median of the per-round differences (a round's two runs are back "
        f"to back). "
        f"Static target: {facts['static_target']}. Generators (ours, Locust) pinned to core "
        f"{GENERATOR_CORE}. {placement}"
    )
    return header + "\n\n" + "\n".join(rows)


def render_runs(measures: list[Measure]) -> str:
    lines = [
        "| round | tool | target | req/s | p50 ms | p95 ms | requests | errors "
        "| server waits per request |",
        "|--:|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {m.round} | {m.tool} | {m.target} | {m.requests_per_s:,.0f} | {m.p50_ms:.3f} "
        f"| {m.p95_ms:.3f} | {m.requests} | {m.errors} "
        f"| {'—' if m.server_waits is None else f'{m.server_waits:.2f}'} |"
        for m in measures
    ]
    return "\n".join(lines)


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--vus", type=int, default=64, help="VUs / Locust users in (a), (b)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (2)")
    parser.add_argument(
        "--health-connections", type=int, default=50, help="concurrency in (c) (50)"
    )
    parser.add_argument(
        "--health-placement",
        choices=("split", "shared"),
        default="split",
        help="(c): gunicorn and the generators on separate cores (split, default) or sharing all",
    )
    parser.add_argument(
        "--only", choices=("static", "health"), help="run only (a), (b), (d) or only (c)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    wrk = ensure_wrk()
    locust = ensure_locust() if args.only != "health" else None
    measures: list[Measure] = []

    def note(tool: str, target: str, round_number: int, figures: dict[str, float]) -> None:
        measure = Measure(
            tool=tool,
            target=target,
            round=round_number,
            requests_per_s=figures["requests_per_s"],
            p50_ms=figures["p50_ms"],
            p95_ms=figures["p95_ms"],
            requests=int(figures["requests"]),
            errors=int(figures["errors"]),
            server_waits=figures.get("server_waits"),
        )
        measures.append(measure)
        print(
            f"round {round_number}  {tool:<7} {target:<7} {measure.requests_per_s:>10,.0f} req/s"
            f"  p50 {measure.p50_ms:7.3f} ms  p95 {measure.p95_ms:7.3f} ms  "
            f"errors {measure.errors}"
            + (
                ""
                if measure.server_waits is None
                else f"  server waits/req {measure.server_waits:.2f}"
            ),
            flush=True,
        )

    facts: dict = {
        "cores": cores(),
        "python": platform.python_version(),
        "locust": first_line([str(locust), "--version"]) if locust else "not run",
        "wrk": first_line([wrk, "--version"]).split(" Copyright")[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="dharma-loadgen-") as directory:
        scratch = Path(directory)
        with contextlib.ExitStack() as static:
            if args.only == "health":
                facts["static_target"] = "not run (--only health)"
                static_rounds = 0
            else:
                url, description, closes = static.enter_context(static_target(scratch))
                facts["static_target"] = description
                static_rounds = args.rounds
            for round_number in range(1, static_rounds + 1):
                order = ("ours", "locust") if round_number % 2 else ("locust", "ours")
                for tool in order:
                    if tool == "ours":
                        figures = run_ours(
                            url, "/health.json", vus=args.vus, duration=args.duration,
                            core=GENERATOR_CORE, scratch=scratch,
                        )  # fmt: skip
                    else:
                        assert locust is not None
                        figures = run_locust(
                            locust, url, "/health.json", users=args.vus,
                            duration=args.duration, scratch=scratch,
                        )  # fmt: skip
                    note(tool, "static", round_number, figures)
                if not closes:
                    continue
                # (d) a new connection per request, ours vs wrk, each on one core
                for tool in ("ours", "wrk") if round_number % 2 else ("wrk", "ours"):
                    drain_time_wait(url)
                    figures = run_against_wrk(
                        tool, wrk, url, CLOSE_PATH, connections=args.vus,
                        duration=args.duration, core=GENERATOR_CORE, threads=1, scratch=scratch,
                    )  # fmt: skip
                    note(tool, "close", round_number, figures)
        split = args.health_placement == "split"
        generator_core = GENERATOR_CORE if split else None
        wrk_threads = 1 if split else WRK_THREADS
        health_rounds = 0 if args.only == "static" else args.rounds
        with contextlib.ExitStack() as health:
            if health_rounds:
                base, master = health.enter_context(
                    project_server(scratch, TARGET_CORE if split else None)
                )
                # gunicorn's workers import lazily and warm their caches on the first requests:
                # neither generator should pay for that.
                run_wrk_lua(
                    wrk, f"{base}/health/live", connections=args.health_connections,
                    duration=WARMUP_SECONDS, scratch=scratch, threads=wrk_threads,
                    core=generator_core,
                )  # fmt: skip
            for round_number in range(1, health_rounds + 1):
                order = ("ours", "wrk") if round_number % 2 else ("wrk", "ours")
                for tool in order:
                    drain_time_wait(base)
                    switches = voluntary_switches(master)
                    figures = run_against_wrk(
                        tool, wrk, base, "/health/live", connections=args.health_connections,
                        duration=args.duration, core=generator_core, threads=wrk_threads,
                        scratch=scratch,
                    )  # fmt: skip
                    waits = voluntary_switches(master) - switches
                    figures["server_waits"] = waits / max(figures["requests"], 1)
                    note(tool, "health", round_number, figures)
    facts["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    table = render(measures, args, facts)
    runs = render_runs(measures)
    machine = "; ".join(f"{key} {value}" for key, value in facts.items())
    print(f"\n{table}\n\nMachine: {machine}\n\n{runs}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    markdown = RESULTS / f"loadgen-{stamp}.md"
    markdown.write_text(
        f"# Load generator benchmark ({stamp})\n\n{table}\n\nMachine: {machine}\n\n"
        f"## Every run\n\n{runs}\n"
    )
    markdown.with_suffix(".json").write_text(
        json.dumps(
            {
                "timestamp": stamp,
                "settings": vars(args),
                "facts": facts,
                "table_markdown": table,
                "runs": [asdict(m) for m in measures],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten: {markdown.relative_to(ROOT)} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
