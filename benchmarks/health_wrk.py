#!/usr/bin/env python
"""Benchmark: Dharma's /health/live and /health beside bare Django views, with wrk.

    .venv/bin/python benchmarks/health_wrk.py [--duration 10] [--connections 100] [--rounds 3]
                                              [--workers N]

Creates a scratch PostgreSQL database (dharma_bench), migrates it, serves the project with
gunicorn (-c dharma/gunicorn.conf.py, DEBUG off, Redis DB 14 as the cache) on a free port of
127.0.0.1, and measures each endpoint beside its baseline (benchmarks/bare_views.py: same server,
same middleware, same workers) in interleaved rounds. The machine is shared and noisy: read the
ratio ours/bare, not the absolute figures. The goal is ours ≥ 0.9× bare; it is reported, never
asserted. The table is printed and written, with the raw numbers, to benchmarks/results/.
gunicorn is always stopped and the database always dropped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
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
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable

HOST = "127.0.0.1"
DATABASE = "dharma_bench"
SERVER_DSN = f"postgresql://postgres@{HOST}:5432/postgres"
DATABASE_URL = f"postgres://postgres@{HOST}:5432/{DATABASE}"
REDIS_URL = f"redis://{HOST}:6379/14"
LOCK_FILE = Path(tempfile.gettempdir()) / "dharma-health-wrk.lock"

# (ours, bare): each of Dharma's endpoints and the baseline it is compared with.
PAIRS: list[tuple[str, str]] = [
    ("/health/live", "/bench/bare-live"),
    ("/health", "/bench/bare-health"),
]
GOAL = 0.9
WRK_THREADS = 2
WARMUP_SECONDS = 2
STOP_TIMEOUT = 15.0

# Inherited variables that would change what is measured (a PgBouncer flag, another settings
# module, another bind address...). The benchmark sets the ones it needs itself.
SCRUBBED_PREFIXES = ("DJANGO_", "DATABASE_", "GUNICORN_", "CELERY_", "REDIS_", "CACHE_", "DHARMA_")


# --- wrk ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    requests: int
    latency_avg_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


@dataclass(frozen=True)
class Run:
    round: int
    path: str
    position: int  # 0 = first of its pair in this round, 1 = second
    result: WrkResult


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def _search(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise ValueError(f"wrk output lacks /{pattern}/:\n{output}")
    return match


def parse_wrk(output: str) -> WrkResult:
    """Read the figures of `wrk --latency` output."""
    latency = _search(r"^\s+Latency\s+(\S+)\s+\S+\s+\S+", output)
    percentiles = {
        p: _duration_ms(_search(rf"^\s+{p}%\s+(\S+)", output).group(1)) for p in (50, 90, 99)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_s=float(_search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(_search(r"(\d+) requests in", output).group(1)),
        latency_avg_ms=_duration_ms(latency.group(1)),
        p50_ms=percentiles[50],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(
            zip(
                ("connect", "read", "write", "timeout"),
                (int(n) for n in socket_errors.groups()) if socket_errors else (0, 0, 0, 0),
                strict=True,
            )
        ),
    )


def run_wrk(
    wrk: str, url: str, *, duration: int, connections: int, extra: Sequence[str] = ()
) -> WrkResult:
    """`extra`: more wrk arguments (headers with -H, a Lua script with -s)."""
    done = subprocess.run(
        [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}) on {url}:\n{done.stderr}")
    return parse_wrk(done.stdout)


def ensure_wrk() -> str:
    """Debian's wrk, installed when missing (apt-get update only when the install needs it)."""
    if wrk := shutil.which("wrk"):
        return wrk
    print("wrk is missing: installing Debian's package", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=apt_env, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=apt_env, check=True, timeout=600)
        subprocess.run(install, env=apt_env, check=True, timeout=600)
    if wrk := shutil.which("wrk"):
        return wrk
    raise RuntimeError("wrk is still missing after apt-get install")


# --- the services -------------------------------------------------------------------------------


def _admin_sql(*statements: str) -> None:
    """Run statements on the server's maintenance database; `{db}` is the benchmark's."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(SERVER_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute("SET statement_timeout = '60s'")
        for statement in statements:
            conn.execute(sql.SQL(statement).format(db=sql.Identifier(DATABASE)))


def create_database() -> None:
    _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)", "CREATE DATABASE {db}")


def drop_database() -> None:
    _admin_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return str(client.info("server")["redis_version"])
    finally:
        client.close()


def server_environment(port: int, workers: int | None, metrics_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": "dharma-bench",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "GUNICORN_BIND": f"{HOST}:{port}",
            "GUNICORN_LOG_LEVEL": "warning",
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    return env


def wait_for_project_check(env: dict[str, str], timeout: float) -> None:
    """`manage.py check` until it passes: other people may be mid-way through editing models."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(
            [PYTHON, "manage.py", "check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 0:
            return
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        if time.monotonic() > deadline:
            raise RuntimeError(f"manage.py check still fails: {last[0]}")
        print(f"manage.py check fails ({last[0]}); retrying in 10 s", flush=True)
        time.sleep(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], log_path: Path, prefix: Sequence[str] = ()
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn in its own process group; stopped (SIGTERM, then SIGKILL) in bounded time.
    `prefix` wraps the command (e.g. `taskset -c 1`; the workers inherit the master's affinity)."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*prefix, PYTHON, "-m", "gunicorn", "-c", "dharma/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            print(f"gunicorn ignored {sig.name} for {wait:.0f} s", flush=True)
            continue
        if sig is signal.SIGTERM:
            # The master has gone; make sure no orphaned worker keeps the port or a connection.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        return


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # Field 4 (ppid) follows the command name, which sits in parentheses.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(stat.parent.name))
    return sorted(children)


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def wait_until_answers(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until `url` answers 200, or the server process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited ({process.returncode}) before serving")
        with contextlib.suppress(OSError):
            if get(url, timeout=2)[0] == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def wait_until_serving(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until a baseline view answers 200: it needs nothing of the code being measured."""
    wait_until_answers(f"{base}/bench/bare-live", process, timeout)


def check_endpoints(base: str) -> list[str]:
    """One request to each URL; what does not answer a healthy 200 is returned as a problem."""
    problems = []
    for path in (path for pair in PAIRS for path in pair):
        status, text = get(f"{base}{path}")
        try:
            body_status = json.loads(text).get("status")
        except (ValueError, AttributeError):
            body_status = None
        if status != 200 or body_status not in {"ok", "healthy"}:
            problems.append(f"{path} answered HTTP {status}: {text[:300]}")
    return problems


def log_problems(log_path: Path) -> list[str]:
    """Errors the server logged while measured (its level is `warning`, so little else)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    markers = ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "Exception")
    flagged = [line for line in lines if any(marker in line for marker in markers)]
    if not flagged:
        return []
    return [f"gunicorn log: {len(flagged)} error line(s); first: {flagged[0][:300]}"]


# --- facts and report ---------------------------------------------------------------------------


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def postgres_version() -> str:
    import psycopg

    with psycopg.connect(SERVER_DSN, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def git_state() -> dict[str, Any]:
    """The commit, and which files under apps/ and dharma/ differ from it (others edit them)."""

    def git(*command: str) -> list[str]:
        try:
            done = subprocess.run(
                ["git", "-C", str(ROOT), *command],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return ["unknown"]
        return done.stdout.splitlines()

    return {
        "git_commit": (git("rev-parse", "--short", "HEAD") or ["unknown"])[0],
        "git_uncommitted": [line[3:] for line in git("status", "--porcelain", "apps", "dharma")],
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine_facts(wrk: str, workers: list[int], redis_version: str) -> dict[str, Any]:
    import django
    import gunicorn as gunicorn_package

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "gunicorn_workers": len(workers),
        "gunicorn": gunicorn_package.__version__,
        "wrk": first_line([wrk, "--version"]).split(" Copyright")[0],
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres_version(),
        "redis": redis_version,
        "kernel": platform.release(),
        **git_state(),
    }


@dataclass
class Row:
    endpoint: str
    baseline: str
    ours: dict[str, float]
    bare: dict[str, float]
    ours_errors: int
    bare_errors: int
    round_ratios: list[float]
    ratio_of_medians: float
    # The headline: the median of the per-round ratios. Each round measures ours and bare back
    # to back, so a round's ratio cancels the machine's drift; a ratio of medians does not.
    ratio: float = field(init=False)
    verdict: str = field(init=False)

    def __post_init__(self) -> None:
        self.ratio = statistics.median(self.round_ratios)
        self.verdict = "PASS" if self.ratio >= GOAL else "BELOW"


def summarise(runs: list[Run]) -> list[Row]:
    def medians(path: str) -> dict[str, float]:
        results = [run.result for run in runs if run.path == path]
        keys = ("requests_per_s", "latency_avg_ms", "p50_ms", "p90_ms", "p99_ms")
        return {key: statistics.median(getattr(r, key) for r in results) for key in keys}

    def rps(path: str, round_number: int) -> float:
        return next(
            r.result.requests_per_s for r in runs if r.path == path and r.round == round_number
        )

    def errors(path: str) -> int:
        return sum(run.result.errors for run in runs if run.path == path)

    rounds = sorted({run.round for run in runs})
    rows = []
    for ours, bare in PAIRS:
        ours_medians, bare_medians = medians(ours), medians(bare)
        rows.append(
            Row(
                endpoint=ours,
                baseline=bare,
                ours=ours_medians,
                bare=bare_medians,
                ours_errors=errors(ours),
                bare_errors=errors(bare),
                round_ratios=[rps(ours, n) / rps(bare, n) for n in rounds],
                ratio_of_medians=ours_medians["requests_per_s"] / bare_medians["requests_per_s"],
            )
        )
    return rows


def render_table(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [
        f"wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s --latency, "
        f"{args.rounds} interleaved round(s); figures are medians over rounds, the ratio is the "
        "median of the per-round ratios. "
        f"Goal: ours ≥ {GOAL}× bare req/s (reported, not asserted).",
        "",
        "| endpoint | baseline | req/s ours | req/s bare | p50 ms ours / bare "
        "| p99 ms ours / bare | errors ours / bare | ratio ours/bare (each round) "
        f"| goal ≥ {GOAL}× |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        per_round = ", ".join(f"{r:.2f}" for r in row.round_ratios)
        verdict = row.verdict + (" (with errors)" if row.ours_errors or row.bare_errors else "")
        lines.append(
            f"| `{row.endpoint}` | `{row.baseline}` "
            f"| {row.ours['requests_per_s']:.0f} | {row.bare['requests_per_s']:.0f} "
            f"| {row.ours['p50_ms']:.2f} / {row.bare['p50_ms']:.2f} "
            f"| {row.ours['p99_ms']:.2f} / {row.bare['p99_ms']:.2f} "
            f"| {row.ours_errors} / {row.bare_errors} "
            f"| **{row.ratio:.2f}×** ({per_round}) | {verdict} |"
        )
    return "\n".join(lines)


def render_runs(runs: list[Run]) -> str:
    lines = [
        "| round | endpoint | req/s | avg ms | p50 ms | p90 ms | p99 ms | non-2xx "
        "| socket errors (c/r/w/t) |",
        "|--:|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for run in runs:
        r = run.result
        socket_errors = "/".join(str(n) for n in r.socket_errors.values())
        lines.append(
            f"| {run.round} | `{run.path}` | {r.requests_per_s:.1f} | {r.latency_avg_ms:.2f} "
            f"| {r.p50_ms:.2f} | {r.p90_ms:.2f} | {r.p99_ms:.2f} | {r.non_2xx} | {socket_errors} |"
        )
    return "\n".join(lines)


def render_facts(machine: dict[str, Any]) -> str:
    def shown(key: str, value: Any) -> str:
        if key == "git_uncommitted":  # the list itself is in the JSON
            return f"{key} {len(value)} file(s) under apps/ or dharma/"
        if isinstance(value, list):
            return f"{key} {' '.join(str(item) for item in value)}"
        return f"{key} {value}"

    return "Machine: " + "; ".join(shown(key, value) for key, value in machine.items())


# --- main ---------------------------------------------------------------------------------------


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: cleanup still runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=100, help="wrk connections (100)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: dharma/gunicorn.conf.py's, 2 × cores + 1)",
    )
    parser.add_argument(
        "--check-timeout",
        type=float,
        default=600,
        help="seconds to wait for `manage.py check` to pass (600)",
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 300:
        parser.error("--duration must be within 1..300 s")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be within 1..20")
    if not 1 <= args.connections <= 10_000:
        parser.error("--connections must be within 1..10000")
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error("--workers must be within 1..64")
    return args


def measure(
    args: argparse.Namespace, wrk: str, env: dict[str, str], base: str, log_path: Path
) -> tuple[list[Run], list[int], list[str]]:
    """Serve, check, warm up and measure; returns the runs, the worker pids and the problems."""
    with gunicorn(env, log_path) as server:
        wait_until_serving(base, server, timeout=90)
        problems = check_endpoints(base)
        for problem in problems:
            print(f"PROBLEM: {problem}", flush=True)
        for path in (path for pair in PAIRS for path in pair):
            run_wrk(wrk, base + path, duration=WARMUP_SECONDS, connections=args.connections)
        workers = worker_pids(server.pid)
        runs: list[Run] = []
        for round_number in range(1, args.rounds + 1):
            for ours, bare in PAIRS:
                # Alternate which of a pair goes first, so neither always inherits the other's
                # heat (caches, CPU frequency, a neighbour's burst).
                order = (ours, bare) if round_number % 2 else (bare, ours)
                for position, path in enumerate(order):
                    result = run_wrk(
                        wrk, base + path, duration=args.duration, connections=args.connections
                    )
                    runs.append(Run(round_number, path, position, result))
                    print(
                        f"round {round_number}  {path:<18} {result.requests_per_s:>9.1f} req/s  "
                        f"p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms  "
                        f"errors {result.errors}",
                        flush=True,
                    )
        if server.poll() is not None:
            problems.append(f"gunicorn exited ({server.returncode}) during the benchmark")
        return runs, workers, problems


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    load_at_start = load_average()

    LOCK_FILE.touch(exist_ok=True)
    with LOCK_FILE.open() as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another health_wrk run holds {LOCK_FILE}; not starting", file=sys.stderr)
            return 2
        wrk = ensure_wrk()
        redis_version = check_redis()
        port = free_port()
        base = f"http://{HOST}:{port}"
        with tempfile.TemporaryDirectory(prefix="dharma-health-wrk-") as scratch:
            metrics_dir = Path(scratch) / "prometheus"
            metrics_dir.mkdir()
            log_path = Path(scratch) / "gunicorn.log"
            env = server_environment(port, args.workers, str(metrics_dir))
            wait_for_project_check(env, args.check_timeout)
            create_database()
            try:
                subprocess.run(
                    [PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    timeout=600,
                )
                runs, workers, problems = measure(args, wrk, env, base, log_path)
                problems += log_problems(log_path)
            finally:
                try:
                    drop_database()
                except Exception as exc:  # noqa: BLE001 - report, and still unwind
                    print(f"could not drop {DATABASE}: {exc}", file=sys.stderr)

    rows = summarise(runs)
    machine = machine_facts(wrk, workers, redis_version)
    machine["load_average_at_start"] = load_at_start
    machine["load_average_at_end"] = load_average()
    table = render_table(rows, args)
    facts = render_facts(machine)
    problem_text = "\n".join(f"- {p}" for p in problems) or "- none"

    print(f"\n{table}\n\n{facts}\n\nProblems seen:\n{problem_text}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    markdown = RESULTS / f"health_wrk-{stamp}.md"
    markdown.write_text(
        f"# Health endpoints vs bare Django views ({stamp})\n\n{table}\n\n{facts}\n\n"
        f"## Problems seen\n\n{problem_text}\n\n## Every run\n\n{render_runs(runs)}\n"
    )
    document = {
        "timestamp": stamp,
        "goal": GOAL,
        "settings": {
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": WRK_THREADS,
            "rounds": args.rounds,
            "warmup_s": WARMUP_SECONDS,
        },
        "machine": machine,
        "table_markdown": table,
        "rows": [asdict(row) for row in rows],
        "runs": [asdict(run) for run in runs],
        "problems": problems,
    }
    markdown.with_suffix(".json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten: {markdown.relative_to(ROOT)} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
