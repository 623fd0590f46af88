"""PostgreSQL restarts under a load test running on a real Celery worker.

Runs are executed by a Celery worker on a PostgreSQL cluster of the test's own (a copy of the
migrated test database) and a Redis broker of its own, against a local HTTP server:

- a restart in the middle of the run (queued by `runloadtest --async`): the heartbeat comes
  back, the reaper leaves the run alone, and the run ends passed with every second of its series;
- the database down when the result is stored: the result waits on disk (the spool) and is
  stored by the worker once the database is back;
- the worker killed while the result waits on disk: a reaper elsewhere (another spool) marks
  the run errored, saying only what it knows; `manage.py reaploadtests` on the worker's machine
  then stores the spooled result over that guess.

The reaper is the reap service called by a process of the test's own, on the cluster, with a
short heartbeat window (what the `loadtests.reap` task calls): Django starts once in it, so each
call takes milliseconds and lands where the test wants it, in the middle of a run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg.rows import dict_row

from tests.celery_worker import wait_for
from tests.loadtests.conftest import FakeServer, serve
from tests.own_services import OwnPostgres, OwnRedis

# The mark has pytest-django make the test database this module copies.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]

# Queues runs and reaps on the cluster, one JSON request per line on stdin, one answer per line.
SERVICES = r"""
import json, sys
import django
django.setup()
from django.db import close_old_connections
from django.test.utils import override_settings
from apps.loadtests import services, tasks

for line in sys.stdin:
    ask = json.loads(line)
    close_old_connections()  # as Celery does before each task: the cluster restarts
    try:
        if ask["do"] == "queue":
            run = services.run_create(options=ask["options"])
            tasks.enqueue(run)
            answer = {"run": str(run.pk)}
        else:
            with override_settings(
                DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS=ask["window"],
                DHARMA_SPOOL_DIR=ask["spool"],
            ):
                answer = {"stored": services.store_spooled_results(),
                          "reaped": services.reap_stale_runs()}
    except Exception as exc:
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(answer), flush=True)
"""


@dataclass
class Cluster:
    pg: OwnPostgres
    database_url: str
    broker_url: str
    spool: Path
    target: FakeServer
    tmp: Path
    worker: subprocess.Popen[bytes] | None = None
    services: subprocess.Popen[str] | None = None
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dharma.settings.test",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "DHARMA_SPOOL_DIR": str(self.spool),
            "DHARMA_LOADTEST_HEARTBEAT_SECONDS": "1",
            **extra,
        }

    def start(self) -> None:
        log = (self.tmp / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dharma", "worker", "--pool", "solo",
             "-Q", "loadtests", "--loglevel", "WARNING", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env(), start_new_session=True, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.services = subprocess.Popen(
            [sys.executable, "-c", SERVICES],
            cwd=ROOT, env=self.env(), start_new_session=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=(self.tmp / "services.log").open("ab"), text=True,
        )  # fmt: skip
        self.processes = [self.worker, self.services]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def kill_worker(self) -> None:
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.services is not None and self.services.stdin and self.services.stdout
        self.services.stdin.write(json.dumps(request) + "\n")
        self.services.stdin.flush()
        answer = json.loads(self.services.stdout.readline())
        assert "error" not in answer, answer
        return answer

    def queue(self, **options: str) -> str:
        """A run created and its task sent, as `runloadtest --async` does."""
        return self.ask(do="queue", options={"url": self.target.url, "path": ["/"], **options})[
            "run"
        ]

    def reap(self, window: int, spool: Path | None = None) -> dict[str, int]:
        return self.ask(do="reap", window=window, spool=str(spool or self.spool))

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def row(self, run_id: str) -> dict:
        with psycopg.connect(self.pg.dsn("dharma"), row_factory=dict_row) as conn:
            row = conn.execute("SELECT * FROM load_test_runs WHERE id = %s", [run_id]).fetchone()
        assert row is not None
        return row

    def status(self, run_id: str) -> str:
        return self.row(run_id)["status"]

    def spooled(self) -> list[Path]:
        return sorted((self.spool / "loadtests").glob("*.json"))

    def worker_log(self) -> str:
        return (self.tmp / "worker.log").read_text(errors="replace")[-3000:]

    def wait_running(self, run_id: str) -> None:
        assert wait_for(lambda: self.status(run_id) == "running", timeout=60), (
            self.row(run_id),
            self.worker_log(),
        )


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("blips")
    with OwnPostgres() as pg, OwnRedis() as broker, serve() as target:
        database_url = pg.create_database("dharma", copy_of=connection.settings_dict)
        made = Cluster(pg, database_url, broker.url, tmp / "spool", target, tmp)
        made.start()
        try:
            yield made
        finally:
            made.stop()


def test_a_restart_mid_run_leaves_the_run_passed_with_its_whole_series(cluster):
    done = cluster.manage(
        "runloadtest", "--url", cluster.target.url, "--path", "/", "--rate", "40",
        "--max-vus", "5", "--duration", "16s", "--async", "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    queued = re.search(r"queued load-test run ([0-9a-f-]{36})", done.stdout)
    assert queued, done.stdout
    run_id = queued.group(1)
    cluster.wait_running(run_id)
    time.sleep(2)
    cluster.pg.stop()
    time.sleep(6)
    cluster.pg.start()
    restarted = datetime.now(UTC)
    # Some seconds without a heartbeat, fewer than the window: the run is not reaped.
    assert cluster.reap(window=30)["reaped"] == 0
    assert cluster.status(run_id) == "running"
    # The heartbeat comes back after the restart ...
    assert wait_for(lambda: cluster.row(run_id)["heartbeat_at"] > restarted, timeout=30), (
        "the heartbeat did not resume after the restart\n" + cluster.worker_log()
    )
    # ... so a reaper with a short window finds the run alive.
    assert cluster.status(run_id) == "running"
    assert cluster.reap(window=5)["reaped"] == 0
    assert wait_for(lambda: cluster.status(run_id) != "running", timeout=90)
    run = cluster.row(run_id)
    assert run["status"] == "passed", (run["status"], run["error"], cluster.worker_log())
    assert run["error"] == "" and run["reaped_at"] is None
    assert run["requests"] > 0
    series = run["series"]
    assert len(series) >= 15  # every second of the 16 s run, the restart's included
    assert sum(point["requests"] for point in series) == run["requests"]
    assert sum(point["requests"] for point in series[3:8]) > 0  # measured while it was down
    assert cluster.spooled() == []


def test_a_result_finished_while_the_database_is_down_is_spooled_then_stored(cluster):
    run_id = cluster.queue(rate="20", max_vus="3", duration="4s")
    cluster.wait_running(run_id)
    cluster.pg.stop()
    try:
        assert wait_for(lambda: cluster.spooled(), timeout=30), (
            "no spooled result while the database was down\n" + cluster.worker_log()
        )
        (spooled,) = cluster.spooled()
        kept = json.loads(spooled.read_text())
        assert kept["run_id"] == run_id
        assert kept["result"]["store"]["series"]
        time.sleep(2)  # a store attempt or two fails meanwhile
    finally:
        cluster.pg.start()
    assert wait_for(lambda: cluster.status(run_id) != "running", timeout=90), cluster.worker_log()
    run = cluster.row(run_id)
    assert run["status"] == "passed", (run["status"], run["error"])
    assert run["requests"] > 0 and len(run["series"]) >= 4
    assert wait_for(lambda: cluster.spooled() == [], timeout=10)


def test_a_spooled_result_outlives_its_worker_and_wins_over_the_reapers_guess(cluster, tmp_path):
    run_id = cluster.queue(rate="20", max_vus="3", duration="3s")
    cluster.wait_running(run_id)
    cluster.pg.stop()
    try:
        assert wait_for(lambda: cluster.spooled(), timeout=30), cluster.worker_log()
        cluster.kill_worker()  # the worker dies with the result on disk only
    finally:
        cluster.pg.start()
    assert cluster.status(run_id) == "running"
    # A reaper on another machine (another spool) sees only the silent heartbeat.
    elsewhere = tmp_path / "other-spool"
    assert wait_for(lambda: cluster.reap(window=2, spool=elsewhere)["reaped"] == 1, timeout=30)
    reaped = cluster.row(run_id)
    assert reaped["status"] == "errored" and reaped["requests"] is None
    assert re.fullmatch(
        r"No heartbeat for \d+ s; the worker may have stopped or lost its database connection\.",
        reaped["error"],
    ), reaped["error"]
    # The command on the worker's machine stores the measurement, which replaces the guess.
    done = cluster.manage("reaploadtests")
    assert done.returncode == 0, done.stderr
    assert "stored 1 spooled result;" in done.stdout, done.stdout
    run = cluster.row(run_id)
    assert run["status"] == "passed" and run["error"] == ""
    assert run["requests"] > 0 and len(run["series"]) >= 3
    assert run["reaped_at"] is not None  # the record keeps that the reaper had guessed
    assert cluster.spooled() == []
