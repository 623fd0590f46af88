#!/usr/bin/env python
"""Benchmark: the API under the seed report's load profile, without a fault, with Redis killed
and restarted, and with PostgreSQL restarted.

    .venv/bin/python benchmarks/fault_load.py [--profile-minutes 5] [--redis-down 2]
                                              [--postgres-down 3] [--runs none,redis,postgres]

One invocation starts a stack of its own on 127.0.0.1 (so it can be faulted without touching
anyone else's services): a PostgreSQL cluster and a Redis server (tests/own_services.py), Debian's
PgBouncer in transaction mode in front of that cluster (docker/pgbouncer/pgbouncer.ini, as
.ci/pgbouncer.sh runs it natively), gunicorn with dharma/gunicorn.conf.py (DEBUG off,
DATABASE_PGBOUNCER=true, Redis as the cache) and one Celery worker on that Redis. It seeds a tenant,
users, a project and 54 blueprints with two versions each, then drives the API with Dharma's own
`manage.py runloadtest` through the seed report's stages (0 → 50 → 100 → 0 VUs over 5 minutes,
scaled by --profile-minutes) three times: (1) no fault; (2) Redis killed at 2/5 of the profile and
started again after --redis-down seconds; (3) PostgreSQL stopped at 3/5 and started again after
--postgres-down seconds. Beside each run a checker thread writes and reads blueprints of its own
with urllib to find stale reads and lost acknowledged writes. It reports, never asserts:
requests, failures by status, req/s, p50/p95/p99, the recovery time after the fault and the two
consistency checks, beside the seed report's claims, in a Markdown table printed and written to
benchmarks/results/fault_load-<UTC>.md and .json. Everything it started is stopped on exit (also
on Ctrl-C or SIGTERM), and every wait is bounded. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.loadtests.engine.config import PROFILES
from benchmarks.health_wrk import (
    HOST,
    PYTHON,
    RESULTS,
    ROOT,
    SCRUBBED_PREFIXES,
    first_line,
    free_port,
    git_state,
    gunicorn,
    load_average,
    server_environment,
    wait_for_project_check,
    wait_until_answers,
    worker_pids,
)
from tests.own_services import PG_BIN, OwnPostgres, OwnRedis

DATABASE = "dharma_bench_faults"
# runloadtest keeps its run in a database that is not faulted (on the shared server): the load
# generator must not be a victim of the fault it measures (its heartbeat and its stored result).
RUNNER_DATABASE = "dharma_bench_faults_runner"
SHARED_SERVER = f"postgresql://postgres@{HOST}:5432/postgres"
LOCK_FILE = Path(tempfile.gettempdir()) / "dharma-fault-load.lock"
PASSWORD = "bench-password-123"

BLUEPRINTS = 50  # in the load mix (read and written by runloadtest)
CHECKED_BLUEPRINTS = 4  # read by the mix too, written only by the checker
COMPONENTS = 10
VERSIONS = 2
SEED_THRESHOLDS = PROFILES["seed"].thresholds
# The seed profile's stages (1 min each at 5 minutes), as fractions of the profile.
STAGES = ((0.2, 50), (0.2, 50), (0.2, 100), (0.2, 100), (0.2, 0))
FAULT_AT = {"none": None, "redis": 2 / 5, "postgres": 3 / 5}
TREND_STATS = "avg,min,med,max,p(50),p(90),p(95),p(99)"
GRACEFUL = "10s"
REQUEST_TIMEOUT = "30s"
STALL_MIN_VUS = 10  # a second without a completed request while this many VUs run: a stall

# The API mix, per 1,000 requests. Writes: PATCH 10 %; evaluations and estimates create rows too.
MIX = {
    "login": 2,  # POST /api/v1/auth/token/ (PBKDF2: ~0.7 s of CPU each here, so kept rare)
    "list": 100,  # GET /api/v1/blueprints/?page=1..3
    "detail": 340,  # GET /api/v1/blueprints/{id}/
    "versions": 100,  # GET /api/v1/blueprints/{id}/versions/
    "version": 258,  # GET /api/v1/blueprints/{id}/versions/{1,2}/
    "patch": 100,  # PATCH /api/v1/blueprints/{id}/ (not the checker's blueprints)
    "evaluation": 50,  # POST /api/v1/guardrails/evaluations/
    "estimate": 50,  # POST /api/v1/cost-estimates/
}
WEIGHT_SCALE = 60  # a kind's weight × this, spread over its requests (integer weights)

# The seed report's figures (k6, 5 minutes, health endpoint only, its own machine).
SEED_CLAIMS = {
    "requests": "67,323 iterations",
    "failed": "50 % (setup)",
    "rps": "1,143",
    "p50": "– (avg 23.73)",
    "p95": "45.09",
    "p99": "47.46",
}

SEED = r"""
import json
from django.core.management import call_command
from apps.accounts.models import Project, ProjectMember, Role, Tenant, User, UserRole
from apps.blueprints import services

call_command("seed_demo", password="%(password)s", verbosity=0)
tenant = Tenant.objects.get(slug="demo")
project = Project.objects.get(tenant=tenant, code="DEMO")
admin = Role.objects.get(tenant=None, code="Admin")
users = {}
for name in ("load", "login", "checker"):
    user = User.objects.create_user(f"{name}@bench.local", "%(password)s", tenant=tenant)
    UserRole.objects.create(user=user, role=admin)
    ProjectMember.objects.create(project=project, user=user)
    users[name] = user

def graph(prefix, version):
    tags = {"environment": "prod", "owner": "platform", "project": "bench"}
    size = ("t3.small", "t3.medium", "t3.large")[version %% 3]
    return {"components": [
        {"name": f"{prefix}-{i}", "type": "ec2", "provider": "aws", "region": "us-east-1",
         "properties": {"instance_type": size, "index": i}, "tags": tags,
         "depends_on": [f"{prefix}-{i - 1}"] if i else []}
        for i in range(%(components)d)], "relations": []}

seeded = []
for b in range(%(blueprints)d + %(checked)d):
    checked = b >= %(blueprints)d
    name = f"consistency-{b - %(blueprints)d}" if checked else f"service-{b:03d}"
    blueprint = services.blueprint_create(user=users["load"], project=project, name=name)
    versions = []
    for v in range(%(versions)d):
        version, _ = services.blueprint_version_create(
            user=users["load"], blueprint=blueprint, graph=graph(f"s{b}", v)
        )
        versions.append(str(version.pk))
    seeded.append({"id": str(blueprint.pk), "checked": checked, "versions": versions})
print("SEED" + json.dumps(seeded))
"""


# --- small process and HTTP helpers -------------------------------------------------------------


def stop_group(process: subprocess.Popen[Any], wait: float = 15.0) -> None:
    """SIGTERM to the process group, SIGKILL after `wait` seconds."""
    for sig, timeout in ((signal.SIGTERM, wait), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def started(command: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """A process in its own group, its output in `log`, always stopped on the way out."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield process
        finally:
            stop_group(process)


def call(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 10.0
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body or None); status 0 for a transport error or a timeout."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # 127.0.0.1 only
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers or {}), _json(exc.read())
    except (OSError, ValueError):  # refused, reset, timed out, a broken response
        return 0, {}, None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def login(base: str, email: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        status, _, body = call(
            "POST", f"{base}/api/v1/auth/token/", {"email": email, "password": PASSWORD}, timeout=30
        )
        if status == 200 and isinstance(body, dict) and "access" in body:
            return str(body["access"])
        if time.monotonic() > deadline:
            raise RuntimeError(f"login as {email} answered {status}: {body}")
        time.sleep(1)


def wait_healthy(base: str, timeout: float) -> float:
    """Seconds until /health answers 200 (the database and the cache reachable)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if call("GET", f"{base}/health", timeout=5)[0] == 200:
            return time.monotonic() - began
        time.sleep(0.5)
    raise RuntimeError(f"{base}/health did not answer 200 within {timeout:.0f} s")


def shared_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SHARED_SERVER, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET statement_timeout = '60s'")
        for statement in statements:
            conn.execute(statement.format(db=f'"{RUNNER_DATABASE}"'))


# --- the stack ----------------------------------------------------------------------------------


def ensure_pgbouncer() -> str:
    """Debian's PgBouncer, installed when missing (as .ci/pgbouncer.sh does)."""
    for candidate in (shutil.which("pgbouncer"), "/usr/sbin/pgbouncer"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    print("PgBouncer is missing: installing Debian's package", flush=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "pgbouncer"]
    if subprocess.run(install, env=apt_env, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=apt_env, check=True, timeout=600)
        subprocess.run(install, env=apt_env, check=True, timeout=600)
    return ensure_pgbouncer()


def pgbouncer_ini(directory: Path, port: int, postgres_port: int) -> Path:
    """docker/pgbouncer/pgbouncer.ini with the changes .ci/pgbouncer.sh makes (loopback, any
    database to the local server, trust), pointed at our own cluster, on a free port."""
    replacements = {
        "dharma": f"* = host={HOST} port={postgres_port}",
        "listen_addr": f"listen_addr = {HOST}",
        "listen_port": f"listen_port = {port}",
        "auth_type": "auth_type = trust",
        "auth_file": f"auth_file = {directory / 'userlist.txt'}",
        "admin_users": "admin_users = postgres",
        "stats_users": "stats_users = postgres",
    }
    lines, seen = [], set()
    for line in (ROOT / "docker" / "pgbouncer" / "pgbouncer.ini").read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if not line.startswith(";") and key in replacements:
            line = replacements[key]
            seen.add(key)
        lines.append(line)
    if missing := set(replacements) - seen:
        raise RuntimeError(f"docker/pgbouncer/pgbouncer.ini lacks {sorted(missing)}")
    lines.append(f"logfile = {directory / 'pgbouncer.log'}")
    ini = directory / "pgbouncer.ini"
    ini.write_text("\n".join(lines) + "\n")
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    return ini


@dataclass
class Stack:
    redis: OwnRedis
    postgres: OwnPostgres
    pgbouncer_port: int
    base: str
    env: dict[str, str]
    scratch: Path
    gunicorn_pid: int = 0
    celery: subprocess.Popen | None = None
    celery_name: str = ""

    @property
    def gunicorn_log(self) -> Path:
        return self.scratch / "gunicorn.log"


def migrate_and_seed(env: dict[str, str], check_timeout: float) -> list[dict[str, Any]]:
    wait_for_project_check(env, check_timeout)
    print("migrating a fresh database", flush=True)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=900,
    )  # fmt: skip
    print("seeding", flush=True)
    script = SEED % {
        "password": PASSWORD,
        "blueprints": BLUEPRINTS,
        "checked": CHECKED_BLUEPRINTS,
        "components": COMPONENTS,
        "versions": VERSIONS,
    }
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    return json.loads(next(line[4:] for line in output.splitlines() if line.startswith("SEED")))


def copy_to_runner_database(postgres: OwnPostgres) -> None:
    """The migrated database, copied to the shared server for runloadtest's own rows."""
    shared_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)", "CREATE DATABASE {db}")
    dump = subprocess.run(
        [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", postgres.url(DATABASE)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    subprocess.run(
        [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
         f"postgres://postgres@{HOST}:5432/{RUNNER_DATABASE}"],
        input=dump.stdout, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@contextlib.contextmanager
def running_stack(args: argparse.Namespace, scratch: Path) -> Iterator[tuple[Stack, list[dict]]]:
    with contextlib.ExitStack() as stack:
        redis_server = stack.enter_context(OwnRedis())
        postgres = stack.enter_context(OwnPostgres())
        postgres.create_database(DATABASE)
        port = free_port()
        metrics_dir = scratch / "prometheus"
        metrics_dir.mkdir()
        env = server_environment(port, args.workers, str(metrics_dir))
        env.update(
            {
                "REDIS_URL": redis_server.url,  # db 0: the cache
                "CELERY_BROKER_URL": redis_server.url.rsplit("/", 1)[0] + "/1",
                # Every VU comes from 127.0.0.1: the per-address login throttle (10/min) would
                # turn the mix's logins into 429s.
                "DHARMA_LOGIN_THROTTLE": "1000000/min",
            }
        )
        direct = {**env, "DATABASE_URL": postgres.url(DATABASE)}
        direct.pop("CELERY_BROKER_URL")  # seeding queues nothing: eager if it did
        seeded = migrate_and_seed(direct, args.check_timeout)
        copy_to_runner_database(postgres)
        stack.callback(_drop_runner_database)

        pgbouncer_dir = scratch / "pgbouncer"
        pgbouncer_dir.mkdir()
        scratch.chmod(0o711)  # PgBouncer, as `postgres`, reaches its own directory
        pgbouncer_port = free_port()
        ini = pgbouncer_ini(pgbouncer_dir, pgbouncer_port, postgres.port)
        command = [ensure_pgbouncer(), str(ini)]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(pgbouncer_dir, "postgres")
            for path in pgbouncer_dir.iterdir():
                shutil.chown(path, "postgres")
            command[1:1] = ["-u", "postgres"]
        stack.enter_context(started(command, scratch / "pgbouncer.out", env))
        _wait_for_pgbouncer(pgbouncer_port)

        env["DATABASE_URL"] = f"postgres://postgres@{HOST}:{pgbouncer_port}/{DATABASE}"
        env["DATABASE_PGBOUNCER"] = "true"
        base = f"http://{HOST}:{port}"
        state = Stack(redis_server, postgres, pgbouncer_port, base, env, scratch)
        server = stack.enter_context(gunicorn(env, state.gunicorn_log))
        wait_until_answers(f"{base}/health", server, timeout=120)
        state.gunicorn_pid = server.pid
        state.celery_name = f"fault-load-{os.getpid()}@{socket.gethostname()}"
        state.celery = stack.enter_context(
            started(
                [PYTHON, "-m", "celery", "-A", "dharma", "worker", "-Q", "celery,loadtests",
                 "--concurrency", "1", "-n", state.celery_name, "--loglevel", "INFO",
                 "--without-mingle", "--without-gossip"],
                scratch / "celery.log",
                env,
            )
        )  # fmt: skip
        _wait_for_log(scratch / "celery.log", "ready.", state.celery, timeout=120)
        yield state, seeded


def _drop_runner_database() -> None:
    try:
        shared_sql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    except Exception as exc:  # noqa: BLE001 - report, and still unwind
        print(f"could not drop {RUNNER_DATABASE}: {exc}", file=sys.stderr)


def _wait_for_pgbouncer(port: int) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                f"host={HOST} port={port} user=postgres dbname={DATABASE}", connect_timeout=2
            ) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _wait_for_log(log: Path, marker: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process logging to {log} exited ({process.returncode})")
        if marker in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{marker!r} not in {log} within {timeout:.0f} s")


def celery_answers(state: Stack) -> str:
    """Whether the worker is alive and answers a ping through the broker."""
    if state.celery is None or state.celery.poll() is not None:
        return "exited"
    try:
        done = subprocess.run(
            [PYTHON, "-m", "celery", "-A", "dharma", "inspect", "ping", "-d", state.celery_name,
             "--timeout", "5"],
            cwd=ROOT, env=state.env, capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "no answer (ping timed out)"
    return "pong" if "pong" in done.stdout else "no answer"


# --- the load: runloadtest's scenario -----------------------------------------------------------


def scenario(seeded: list[dict], token: str) -> tuple[dict[str, Any], dict[str, float]]:
    """The weighted scenario file, and each kind's share of it."""
    auth = {"Authorization": f"Bearer {token}"}
    requests: list[dict[str, Any]] = []

    def spread(kind: str, entries: list[dict[str, Any]]) -> None:
        weight = max(1, round(MIX[kind] * WEIGHT_SCALE / len(entries)))
        for entry in entries:
            requests.append({**entry, "weight": weight})

    api = "/api/v1"
    spread(
        "login",
        [{"method": "POST", "path": f"{api}/auth/token/",
          "body": {"email": "login@bench.local", "password": PASSWORD}}],
    )  # fmt: skip
    spread("list", [{"path": f"{api}/blueprints/?page={n}", "headers": auth} for n in (1, 2, 3)])
    spread("detail", [{"path": f"{api}/blueprints/{b['id']}/", "headers": auth} for b in seeded])
    spread(
        "versions",
        [{"path": f"{api}/blueprints/{b['id']}/versions/", "headers": auth} for b in seeded],
    )
    spread(
        "version",
        [
            {"path": f"{api}/blueprints/{b['id']}/versions/{n}/", "headers": auth}
            for b in seeded
            for n in range(1, VERSIONS + 1)
        ],
    )
    spread(
        "patch",
        [
            {"method": "PATCH", "path": f"{api}/blueprints/{b['id']}/", "headers": auth,
             "body": {"description": "written by the load"}}
            for b in seeded if not b["checked"]
        ],
    )  # fmt: skip
    spread(
        "evaluation",
        [
            {"method": "POST", "path": f"{api}/guardrails/evaluations/", "headers": auth,
             "body": {"blueprint_version": b["versions"][-1], "environment": "production"}}
            for b in seeded
        ],
    )  # fmt: skip
    spread(
        "estimate",
        [
            {"method": "POST", "path": f"{api}/cost-estimates/", "headers": auth,
             "body": {"blueprint_version": b["versions"][-1]}}
            for b in seeded
        ],
    )  # fmt: skip
    total = sum(r["weight"] for r in requests)
    shares: Counter[str] = Counter()
    for request in requests:
        shares[kind_of(request.get("method", "GET"), request["path"])] += request["weight"]
    return {"flow": "weighted", "requests": requests}, {k: v / total for k, v in shares.items()}


def kind_of(method: str, path: str) -> str:
    if path.endswith("/auth/token/"):
        return "login"
    if "/guardrails/evaluations/" in path:
        return "evaluation"
    if "/cost-estimates/" in path:
        return "estimate"
    if "?page=" in path:
        return "list"
    if re.search(r"/versions/\d+/$", path):
        return "version"
    if path.endswith("/versions/"):
        return "versions"
    return "patch" if method == "PATCH" else "detail"


# --- the checker: stale reads and lost acknowledged writes --------------------------------------


@dataclass
class Ack:
    counter: int
    revision: int


@dataclass
class CheckerLedger:
    """What the checker wrote, across runs: per blueprint, the last counter sent, the last
    acknowledged write, and the counters whose outcome is unknown (5xx, reset, timeout)."""

    sent: dict[str, int] = field(default_factory=dict)
    acked: dict[str, Ack] = field(default_factory=dict)
    unknown: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class CheckerStats:
    writes: int = 0
    writes_acked: int = 0
    writes_refused: int = 0  # 4xx: refused, so not applied
    writes_unknown: int = 0  # 5xx or no answer: applied or not
    reads: int = 0
    reads_ok: int = 0
    reads_compared: int = 0  # 200s sent after a write of the blueprint had been acknowledged
    stale_reads: int = 0
    stale_examples: list[dict[str, Any]] = field(default_factory=list)
    read_statuses: Counter[int] = field(default_factory=Counter)
    write_statuses: Counter[int] = field(default_factory=Counter)
    x_cache: Counter[str] = field(default_factory=Counter)


COUNTER = re.compile(r"^fault-load check (\d+)$")


class Checker:
    """One writer thread and two reader threads on the checker's own blueprints, beside the
    load. The writer PATCHes each blueprint in turn with the next value of its own counter
    (`fault-load check N`) and records every acknowledged (2xx) write with the revision it
    answered. A reader takes, before sending, the last write acknowledged for the blueprint,
    then reads the blueprint (through the response cache, as every client does): an answer
    whose revision is lower than that acknowledged revision is a stale read."""

    WRITE_PAUSE = 0.25
    READ_PAUSE = 0.1
    READERS = 2

    def __init__(self, base: str, token: str, blueprints: list[str], ledger: CheckerLedger):
        self.base, self.token, self.blueprints, self.ledger = base, token, blueprints, ledger
        self.stats = CheckerStats()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, daemon=True)] + [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(self.READERS)
        ]

    def __enter__(self) -> Checker:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _url(self, blueprint: str) -> str:
        return f"{self.base}/api/v1/blueprints/{blueprint}/"

    def _write(self) -> None:
        for blueprint in itertools.cycle(self.blueprints):
            if self.stop.is_set():
                return
            with self.lock:
                counter = self.ledger.sent.get(blueprint, 0) + 1
                self.ledger.sent[blueprint] = counter
            status, _, body = call(
                "PATCH",
                self._url(blueprint),
                {"description": f"fault-load check {counter}"},
                self.token,
            )
            with self.lock:
                self.stats.writes += 1
                self.stats.write_statuses[status] += 1
                if 200 <= status < 300 and isinstance(body, dict):
                    self.stats.writes_acked += 1
                    self.ledger.acked[blueprint] = Ack(counter, int(body["revision"]))
                elif 400 <= status < 500:
                    self.stats.writes_refused += 1
                else:
                    self.stats.writes_unknown += 1
                    self.ledger.unknown.setdefault(blueprint, set()).add(counter)
            self.stop.wait(self.WRITE_PAUSE)

    def _read(self, number: int) -> None:
        rng = random.Random(number)
        while not self.stop.is_set():
            blueprint = rng.choice(self.blueprints)
            with self.lock:
                ack = self.ledger.acked.get(blueprint)
            sent_at = time.time()
            status, headers, body = call("GET", self._url(blueprint), token=self.token)
            with self.lock:
                self.stats.reads += 1
                self.stats.read_statuses[status] += 1
                if status == 200 and isinstance(body, dict):
                    self.stats.reads_ok += 1
                    self.stats.x_cache[headers.get("X-Cache", "none")] += 1
                    if ack is not None:
                        self.stats.reads_compared += 1
                        if int(body["revision"]) < ack.revision:
                            self.stats.stale_reads += 1
                            if len(self.stats.stale_examples) < 5:
                                self.stats.stale_examples.append(
                                    {
                                        "blueprint": blueprint,
                                        "sent_at": sent_at,
                                        "acknowledged_revision": ack.revision,
                                        "read_revision": body["revision"],
                                        "read_description": body.get("description"),
                                        "x_cache": headers.get("X-Cache"),
                                    }
                                )
            self.stop.wait(self.READ_PAUSE)


def final_state(state: Stack, token: str, ledger: CheckerLedger) -> dict[str, Any]:
    """Each checker blueprint as stored (read straight from PostgreSQL) and as the API serves
    it, against the last acknowledged write. A write the checker gave up on (no answer within
    its timeout) may still be applied by the server while this runs, so the rows are read
    before and after the API: its answer must lie between the two."""
    import psycopg

    def stored_rows() -> dict[str, tuple[str, int]]:
        with psycopg.connect(state.postgres.dsn(DATABASE), connect_timeout=10) as conn:
            return {
                str(pk): (description, revision)
                for pk, description, revision in conn.execute(
                    "SELECT id, description, revision FROM blueprints WHERE id = ANY(%s)",
                    ([*ledger.acked],),
                )
            }

    before = stored_rows()
    served = {
        blueprint: call("GET", f"{state.base}/api/v1/blueprints/{blueprint}/", token=token)
        for blueprint in ledger.acked
    }
    after = stored_rows()
    missing: list[dict[str, Any]] = []
    applied_unacknowledged: list[dict[str, Any]] = []
    unexplained: list[dict[str, Any]] = []
    api_stale: list[dict[str, Any]] = []
    for blueprint, ack in sorted(ledger.acked.items()):
        description, revision = after[blueprint]
        match = COUNTER.match(description or "")
        stored = int(match.group(1)) if match else 0
        entry = {
            "blueprint": blueprint,
            "acknowledged": asdict(ack),
            "stored": {"counter": stored, "revision": revision},
        }
        if stored < ack.counter or revision < ack.revision:
            missing.append(entry)
        elif stored > ack.counter:
            known = stored in ledger.unknown.get(blueprint, set())
            (applied_unacknowledged if known else unexplained).append(entry)
        status, _, body = served[blueprint]
        answered = body.get("revision") if status == 200 and isinstance(body, dict) else None
        if not isinstance(answered, int) or not before[blueprint][1] <= answered <= revision:
            api_stale.append({**entry, "api_status": status, "api_body": body})
    return {
        "blueprints": len(ledger.acked),
        "acknowledged_writes_missing": missing,
        "applied_though_unacknowledged": applied_unacknowledged,
        "unexplained": unexplained,
        "api_differs_from_database": api_stale,
    }


# --- one run ------------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    planned_at_s: float
    down_s: float
    killed_at: float = 0.0  # wall clock
    back_at: float = 0.0  # wall clock: the server answers again
    error: str | None = None


def inject(
    fault: Fault, state: Stack, run_name: str, ended: threading.Event, wait_s: float
) -> None:
    """Wait for runloadtest to start the run (its row in the runner database), then fault."""
    import psycopg

    deadline = time.monotonic() + wait_s
    started_at = None
    while started_at is None:
        if ended.is_set() or time.monotonic() > deadline:
            fault.error = "the load test never started"
            return
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(
                f"postgres://postgres@{HOST}:5432/{RUNNER_DATABASE}", connect_timeout=5
            ) as conn,
        ):
            row = conn.execute(
                "SELECT started_at FROM load_test_runs WHERE name = %s", (run_name,)
            ).fetchone()
            started_at = row[0].timestamp() if row and row[0] else None
        if started_at is None:
            ended.wait(0.2)
    if ended.wait(max(0.0, started_at + fault.planned_at_s - time.time())):
        fault.error = "the load test ended before the fault"
        return
    try:
        fault.killed_at = time.time()
        if fault.kind == "redis":
            state.redis.kill()
            time.sleep(fault.down_s)
            state.redis.start()
        else:
            state.postgres.restart(down_for=fault.down_s)
        fault.back_at = time.time()
    except Exception as exc:  # noqa: BLE001 - reported with the run
        fault.error = f"{type(exc).__name__}: {exc}"


def run_once(
    kind: str,
    args: argparse.Namespace,
    state: Stack,
    seeded: list[dict],
    ledger: CheckerLedger,
    stamp: str,
) -> dict[str, Any]:
    total_s = args.profile_minutes * 60
    stages = [f"{fraction * total_s:g}s:{target}" for fraction, target in STAGES]
    run_dir = state.scratch / kind
    run_dir.mkdir()
    run_name = f"fault_load-{stamp}-{kind}"
    wait_healthy(state.base, 120)
    state.redis.client().flushdb()  # every run starts with an empty response cache (db 0)
    token = login(state.base, "load@bench.local")
    checker_token = login(state.base, "checker@bench.local")
    document, shares = scenario(seeded, token)
    (run_dir / "scenario.json").write_text(json.dumps(document))
    log_offset = state.gunicorn_log.stat().st_size if state.gunicorn_log.exists() else 0

    command = [
        PYTHON, "manage.py", "runloadtest", "--url", state.base,
        "--scenario", str(run_dir / "scenario.json"),
        *(item for stage in stages for item in ("--stage", stage)),
        "--graceful-ramp-down", GRACEFUL, "--graceful-stop", GRACEFUL,
        "--timeout", REQUEST_TIMEOUT, "--summary-trend-stats", TREND_STATS,
        *(item for threshold in SEED_THRESHOLDS for item in ("--threshold", threshold)),
        "--summary-export", str(run_dir / "summary.json"),
        "--result", str(run_dir / "result.json"),
        "--no-progress", "--name", run_name,
    ]  # fmt: skip
    runner_env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    runner_env.update(
        {
            "DJANGO_SETTINGS_MODULE": "dharma.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": state.env["DJANGO_SECRET_KEY"],
            "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{RUNNER_DATABASE}",
        }
    )
    fault = None
    if FAULT_AT[kind] is not None:
        down = args.redis_down if kind == "redis" else args.postgres_down
        fault = Fault(kind, FAULT_AT[kind] * total_s, down)
    ended = threading.Event()
    budget = total_s + 2 * 10 + 240  # the profile, the graceful periods, start-up and summary
    print(f"[{kind}] runloadtest: {' '.join(stages)}", flush=True)
    began = time.monotonic()
    with (
        Checker(
            state.base,
            checker_token,
            [b["id"] for b in seeded if b["checked"]],
            ledger,
        ) as checker,
        started(command, run_dir / "runloadtest.log", runner_env) as process,
    ):
        injector = None
        if fault is not None:
            injector = threading.Thread(
                target=inject, args=(fault, state, run_name, ended, budget), daemon=True
            )
            injector.start()
        try:
            exit_code: int | None = process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            exit_code = None
        ended.set()
        if injector is not None:
            injector.join(timeout=120)
    print(f"[{kind}] runloadtest ended ({exit_code}) after {time.monotonic() - began:.0f} s")
    problems = []
    try:
        healthy_after: float | None = wait_healthy(state.base, 180)
    except RuntimeError as exc:
        healthy_after = None
        problems.append(str(exc))
    try:
        consistency = final_state(state, checker_token, ledger)
    except Exception as exc:  # noqa: BLE001 - reported with the run
        consistency = {"error": f"{type(exc).__name__}: {exc}"}
        problems.append(f"final consistency check failed: {consistency['error']}")
    return summarise_run(
        kind, run_dir, exit_code, fault, checker.stats, consistency, shares,
        celery=celery_answers(state), health_after_s=healthy_after, problems=problems,
        log_errors=gunicorn_log_errors(state.gunicorn_log, log_offset),
    )  # fmt: skip


def gunicorn_log_errors(log: Path, offset: int) -> dict[str, Any]:
    try:
        with log.open("rb") as stream:
            stream.seek(offset)
            lines = stream.read().decode(errors="replace").splitlines()
    except OSError:
        return {"lines": 0, "first": None}
    markers = ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "Exception")
    flagged = [line for line in lines if any(marker in line for marker in markers)]
    return {"lines": len(flagged), "first": flagged[0][:300] if flagged else None}


# --- figures ------------------------------------------------------------------------------------


def recovery(series: list[dict[str, Any]], fault_s: float) -> dict[str, Any]:
    """When requests succeed again after the fault, from the per-second series (requests are
    counted in the second they completed in). A second is disrupted when a request failed in it,
    or when none completed while at least STALL_MIN_VUS VUs were running (requests hanging: they
    fail later, or are cut off at the end of the run and counted nowhere else). Recovered: at the
    end of the last disrupted second, if a request succeeded after it."""
    after = [point for point in series if point["second"] + 1 > fault_s]

    def stalled(point: dict[str, Any]) -> bool:
        return point["vus"] >= STALL_MIN_VUS and not point["requests"]

    disrupted = [point for point in after if point["errors"] or stalled(point)]
    figures: dict[str, Any] = {
        "failed_after_fault": sum(point["errors"] for point in after),
        "stalled_seconds": sum(1 for point in after if stalled(point)),
        "disrupted_seconds": len(disrupted),
    }
    if not disrupted:
        return {**figures, "recovered_after_s": 0.0, "recovered": True}
    last = disrupted[-1]["second"]
    recovered = any(
        point["second"] > last and point["requests"] > point["errors"] for point in after
    )
    return {
        **figures,
        "recovered_after_s": max(0.0, last + 1 - fault_s) if recovered else None,
        "recovered": recovered,
    }


def summarise_run(
    kind: str,
    run_dir: Path,
    exit_code: int | None,
    fault: Fault | None,
    checker: CheckerStats,
    consistency: dict[str, Any],
    shares: dict[str, float],
    **extra: Any,
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "kind": kind,
        "runloadtest_exit_code": exit_code,
        "mix_shares": {k: round(v, 4) for k, v in sorted(shares.items())},
        "fault": asdict(fault) if fault else None,
        "checker": {
            name: dict(value) if isinstance(value, Counter) else value
            for name, value in vars(checker).items()
        },
        "consistency": consistency,
        **extra,
    }
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
        result = json.loads((run_dir / "result.json").read_text())
    except (OSError, ValueError) as exc:
        log = (run_dir / "runloadtest.log").read_text(errors="replace").strip().splitlines()
        figures["error"] = f"no runloadtest summary ({exc}); log ends: {log[-5:]}"
        print(f"[{kind}] {figures['error']}", file=sys.stderr)
        return figures
    metrics = summary["metrics"]
    duration = metrics["http_req_duration"]["values"]
    failed = metrics["http_req_failed"]["values"]
    requests = int(metrics["http_reqs"]["values"]["count"])
    failed_by_kind: Counter[str] = Counter()
    for path in summary["dharma"]["paths"]:
        failed_by_kind[kind_of(path["method"], path["path"])] += path["failed"]
    series = result["store"]["series"]
    by_kind = kind_latencies(result["store"])
    started = datetime.fromisoformat(summary["dharma"]["started_at"]).timestamp()
    figures.update(
        {
            "requests": requests,
            "failed": int(failed["passes"]),
            "failed_rate": failed["rate"],
            "statuses": summary["dharma"]["status_counts"],
            "failed_by_kind": {k: v for k, v in sorted(failed_by_kind.items()) if v},
            "by_kind": by_kind,
            "transport_errors": summary["dharma"]["errors"],
            "interrupted": int(summary["dharma"].get("interrupted_iterations", 0)),
            "requests_per_s": metrics["http_reqs"]["values"]["rate"],
            "p50_ms": duration["p(50)"],
            "p95_ms": duration["p(95)"],
            "p99_ms": duration["p(99)"],
            "percentiles": metrics["http_req_duration"].get("percentiles"),
            "duration_s": summary["state"]["testRunDurationMs"] / 1000,
            "thresholds": {
                key: {expr: verdict["ok"] for expr, verdict in entry["thresholds"].items()}
                for key, entry in metrics.items()
                if "thresholds" in entry
            },
            "started_at": summary["dharma"]["started_at"],
            "series": [
                {k: point[k] for k in ("second", "vus", "requests", "errors", "p95")}
                for point in series
            ],
        }
    )
    if fault is not None and fault.killed_at:
        fault_s = fault.killed_at - started
        figures["fault_at_s"] = fault_s
        figures["restart_took_s"] = fault.back_at - fault.killed_at
        figures["recovery"] = recovery(series, fault_s)
    return figures


def kind_latencies(raw_store: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Requests and http_req_duration (avg, p50, p95) of each kind of request, from the
    histograms of the stored result (HDR: within 0.1 %)."""
    from apps.loadtests.engine.metrics import MetricStore, Trend

    store = MetricStore.from_dict(raw_store)
    kinds: dict[str, list[Any]] = {}
    for (method, name, _), bucket in store.buckets.items():
        kinds.setdefault(kind_of(method, name), []).append(bucket)
    figures = {}
    for kind, buckets in sorted(kinds.items()):
        trend = Trend.combine(bucket.trends["http_req_duration"] for bucket in buckets)
        values = trend.values(("avg", "p(50)", "p(95)"))
        figures[kind] = {"requests": sum(b.count for b in buckets), **values}
    return figures


# --- the report ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu, memory = "unknown", "unknown"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    with contextlib.suppress(OSError, StopIteration, ValueError):
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f"{kib / 2**20:.1f} GiB"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _ms(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "–"


def _recovery_cell(run: dict[str, Any]) -> str:
    fault = run.get("fault")
    if fault is None:
        return "no fault"
    if fault.get("error"):
        return f"fault not made: {fault['error']}"
    figures = run.get("recovery")
    if figures is None:
        return "–"
    if not figures["disrupted_seconds"]:
        return "no failure or stall after the fault"
    detail = (
        f"{figures['failed_after_fault']} failed, {figures['stalled_seconds']} s with no "
        "completed request"
    )
    if not figures["recovered"]:
        return f"**not recovered** before the run ended ({detail})"
    return f"**{figures['recovered_after_s']:.0f} s** ({detail})"


def _consistency_cell(run: dict[str, Any]) -> str:
    checker, consistency = run["checker"], run["consistency"]
    if "error" in consistency:
        stale = f"stale {checker['stale_reads']}/{checker['reads_compared']} reads"
        return f"{stale}; final check: {consistency['error']}"
    missing = len(consistency["acknowledged_writes_missing"])
    odd = len(consistency["unexplained"]) + len(consistency["api_differs_from_database"])
    text = (
        f"stale {checker['stale_reads']}/{checker['reads_compared']} reads; "
        f"acked writes missing {missing} of {consistency['blueprints']} blueprints "
        f"({checker['writes_acked']} acked, {checker['writes_unknown']} unknown)"
    )
    return text + (f"; **{odd} anomalies**" if odd else "")


def render(runs: list[dict[str, Any]], facts: dict[str, Any], args: argparse.Namespace) -> str:
    box = facts["machine"]
    lines = [
        f"Fault load: seed profile 0→50→100→0 VUs over {args.profile_minutes:g} min "
        f"(the seed's is 5 min), API mix (login, blueprint list/detail/versions, 10 % PATCH, "
        f"guardrail evaluations, cost estimates), gunicorn ({facts['gunicorn_workers']} workers) "
        "→ PgBouncer (transaction) → PostgreSQL, Redis cache and broker, one Celery worker.",
        f"Machine: {box['cpu']}, {box['cores_usable']} of {box['cores']} cores usable, "
        f"{box['memory']} memory; load average {facts['load_average_at_start'][0]:.2f} at start, "
        f"{facts['load_average_at_end'][0]:.2f} at end (shared machine).",
        "",
        "| run | requests | failed (%) | failed by status | cut off at the end | req/s "
        "| p50 ms | p95 ms | p99 ms | recovery after the fault | consistency (checker) |",
        "|---|--:|--:|---|--:|--:|--:|--:|--:|---|---|",
        f"| seed report's claim (k6, health endpoint only, its machine) "
        f"| {SEED_CLAIMS['requests']} | {SEED_CLAIMS['failed']} | – | – | {SEED_CLAIMS['rps']} "
        f"| {SEED_CLAIMS['p50']} | {SEED_CLAIMS['p95']} | {SEED_CLAIMS['p99']} | – | – |",
    ]
    names = {
        "none": "no fault",
        "redis": f"Redis killed at {2 / 5 * args.profile_minutes:g} min, "
        f"down {args.redis_down:g} s",
        "postgres": f"PostgreSQL restarted at {3 / 5 * args.profile_minutes:g} min, "
        f"down {args.postgres_down:g} s",
    }
    for run in runs:
        if "requests" not in run:
            lines.append(
                f"| {names[run['kind']]} | not measured: {run.get('error', '?')} "
                "| | | | | | | | | |"
            )
            continue
        failed_statuses = {s: n for s, n in run["statuses"].items() if not 200 <= int(s) < 400}
        by_status = ", ".join(f"{s}: {n}" for s, n in failed_statuses.items()) or "–"
        lines.append(
            f"| {names[run['kind']]} | {run['requests']:,} "
            f"| {run['failed']:,} ({run['failed_rate']:.2%}) | {by_status} "
            f"| {run['interrupted']:,} | {run['requests_per_s']:.0f} | {_ms(run['p50_ms'])} "
            f"| {_ms(run['p95_ms'])} | {_ms(run['p99_ms'])} | {_recovery_cell(run)} "
            f"| {_consistency_cell(run)} |"
        )
    for run in runs:
        if "requests" not in run:
            continue
        crossed = [
            f"{metric} {expr}"
            for metric, verdicts in run["thresholds"].items()
            for expr, ok in verdicts.items()
            if not ok
        ]
        checker = run["checker"]
        lines += [
            "",
            f"{names[run['kind']]}:",
            f"- runloadtest exit code {run['runloadtest_exit_code']}; seed thresholds crossed: "
            f"{', '.join(crossed) or 'none'}",
            f"- failed by request kind: {run['failed_by_kind'] or 'none'}; transport errors: "
            f"{run['transport_errors'] or 'none'}",
            "- by kind, requests (p50 / p95 ms): "
            + ", ".join(
                f"{kind} {v['requests']} ({v['p(50)']:.0f} / {v['p(95)']:.0f})"
                for kind, v in run["by_kind"].items()
            ),
        ]
        if "fault_at_s" in run:
            lines.append(
                f"- fault at +{run['fault_at_s']:.1f} s of the run; the server answered again "
                f"{run['restart_took_s']:.1f} s after it was killed"
            )
        consistency = run["consistency"]
        if "error" not in consistency:
            lines.append(
                f"- final state of the checker's {consistency['blueprints']} blueprints: "
                f"{len(consistency['acknowledged_writes_missing'])} missing an acknowledged "
                f"write, {len(consistency['applied_though_unacknowledged'])} past it with a "
                "write that got no answer or a 5xx (allowed), "
                f"{len(consistency['unexplained'])} holding a value never sent as such, "
                f"{len(consistency['api_differs_from_database'])} served by the API outside "
                "the database's state"
            )
        lines += [
            f"- checker: reads {checker['reads']} (statuses {checker['read_statuses']}, "
            f"X-Cache {checker['x_cache']}), writes {checker['writes']} (statuses "
            f"{checker['write_statuses']})",
            f"- after the run: /health 200 after {_seconds(run['health_after_s'])}; Celery "
            f"worker: {run['celery']}; gunicorn error lines: {run['log_errors']['lines']}"
            + (f" (first: `{run['log_errors']['first']}`)" if run["log_errors"]["first"] else ""),
            *(f"- problem: {problem}" for problem in run.get("problems", [])),
        ]
    shares: dict[str, float] = next((run["mix_shares"] for run in runs), {})
    lines += [
        "",
        "Mix: " + ", ".join(f"{kind} {share:.1%}" for kind, share in shares.items()) + ".",
        "Cut off: requests still in flight when the run's graceful stop ended (runloadtest counts "
        "them as interrupted iterations, not in requests or failures). Recovery: from the kill "
        "to the end of the last second, by completion time (1 s resolution), in which a request "
        f"failed or none completed while ≥ {STALL_MIN_VUS} VUs ran. Consistency: the checker's "
        "reads whose revision is below the last write acknowledged before they were sent, and, "
        "after the run, acknowledged writes not in the database; 'unknown' writes got no answer "
        "or a 5xx.",
    ]
    return "\n".join(lines)


def _seconds(value: Any) -> str:
    return f"{value:.1f} s" if isinstance(value, int | float) else "never (within 180 s)"


def keep_logs(state: Stack, destination: Path) -> None:
    """The servers' and the load tests' logs, kept beside the results (git-ignored)."""
    destination.mkdir(parents=True, exist_ok=True)
    sources = [state.postgres.log, *state.scratch.glob("*.log"), *state.scratch.glob("*.out")]
    sources += [*state.scratch.glob("pgbouncer/*.log"), *state.scratch.glob("*/runloadtest.log")]
    for source in sources:
        name = (
            source.name if source.parent == state.scratch else f"{source.parent.name}-{source.name}"
        )
        with contextlib.suppress(OSError):
            shutil.copyfile(source, destination / name)


# --- main ---------------------------------------------------------------------------------------


def _exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: cleanup still runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profile-minutes", type=float, default=5.0, help="length of each run's profile (5)"
    )
    parser.add_argument("--redis-down", type=float, default=2.0, help="seconds Redis stays down")
    parser.add_argument(
        "--postgres-down", type=float, default=3.0, help="seconds PostgreSQL stays down"
    )
    parser.add_argument(
        "--runs", default="none,redis,postgres", help="which runs, in order (none,redis,postgres)"
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument(
        "--check-timeout", type=float, default=600, help="wait for `manage.py check` (600 s)"
    )
    args = parser.parse_args()
    if not 0.25 <= args.profile_minutes <= 30:
        parser.error("--profile-minutes must be within 0.25..30")
    if not 0 <= args.redis_down <= 60 or not 0 <= args.postgres_down <= 60:
        parser.error("--redis-down and --postgres-down must be within 0..60 s")
    args.runs = [run.strip() for run in args.runs.split(",") if run.strip()]
    if not args.runs or set(args.runs) - set(FAULT_AT):
        parser.error("--runs takes none, redis and postgres, comma-separated")
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error("--workers must be within 1..64")
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    facts: dict[str, Any] = {"machine": machine(), "load_average_at_start": load_average()}
    runs: list[dict[str, Any]] = []
    logs = RESULTS / f"fault_load-{stamp}-logs"
    LOCK_FILE.touch(exist_ok=True)
    with LOCK_FILE.open() as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another fault_load run holds {LOCK_FILE}; not starting", file=sys.stderr)
            return 2
        with (
            tempfile.TemporaryDirectory(prefix="dharma-fault-load-") as scratch,
            running_stack(args, Path(scratch)) as (state, seeded),
        ):
            facts.update(
                {
                    "gunicorn_workers": len(worker_pids(state.gunicorn_pid)),
                    "postgresql": first_line([str(PG_BIN / "postgres"), "--version"]),
                    "redis": str(state.redis.client().info("server")["redis_version"]),
                    "pgbouncer": first_line([ensure_pgbouncer(), "--version"]),
                    "blueprints": len(seeded),
                }
            )
            ledger = CheckerLedger()
            try:
                for kind in args.runs:
                    try:
                        runs.append(run_once(kind, args, state, seeded, ledger, stamp))
                    except Exception as exc:  # noqa: BLE001 - the next run may still measure
                        print(f"[{kind}] could not be measured: {exc}", file=sys.stderr)
                        runs.append({"kind": kind, "error": f"{type(exc).__name__}: {exc}"})
            finally:
                keep_logs(state, logs)
    facts["load_average_at_end"] = load_average()
    facts.update(git_state())
    table = render(runs, facts, args)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    markdown = RESULTS / f"fault_load-{stamp}.md"
    markdown.write_text(f"# API under load, with faults ({stamp})\n\n{table}\n")
    document = {
        "timestamp": stamp,
        "settings": {
            "profile_minutes": args.profile_minutes,
            "stages": [(fraction * args.profile_minutes * 60, t) for fraction, t in STAGES],
            "redis_down_s": args.redis_down,
            "postgres_down_s": args.postgres_down,
            "thresholds": list(SEED_THRESHOLDS),
            "mix_per_1000": MIX,
        },
        "seed_claims": SEED_CLAIMS,
        "facts": facts,
        "runs": runs,
        "table_markdown": table,
    }
    markdown.with_suffix(".json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nwritten: {markdown.relative_to(ROOT)} and .json; logs in {logs.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: everything it started has been stopped", file=sys.stderr)
        sys.exit(130)
