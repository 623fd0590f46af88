"""A real Celery worker for tests: on Redis, consuming a queue of its own, on the test database.

    with real_worker("iac.generate", label="iac") as (process, queue):
        ...  # tasks sent now go to that worker

While it runs, this process sends the named tasks to the worker's queue instead of running them
in-process. Celery makes its producer pool and its router once, on the first message sent, so
both are forgotten on the way in and on the way out: whichever worker test runs first must not
leave its broker or routes behind for the next one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def reset_producer_pool(app) -> None:
    """Forget the connection pools and the router made for other settings."""
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp._rtable = None
    app.amqp.__dict__.pop("router", None)


def wait_for(condition: Callable[[], object], timeout: float = 60.0, every: float = 0.1) -> bool:
    """Whether `condition()` turned true within `timeout` seconds (polled every `every`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def log_path(label: str) -> Path:
    """Where the worker of `label` started by this process writes its log."""
    return Path(tempfile.gettempdir()) / f"celery-{label}-worker-test-{os.getpid()}.log"


def broker_url(db: int = 12) -> str:
    """The test broker: Redis database `db` of the server behind REDIS_URL."""
    return settings.REDIS_URL.rsplit("/", 1)[0] + f"/{db}"


@contextlib.contextmanager
def real_worker(
    *tasks: str, label: str, broker_db: int = 12, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`broker_db`: the Redis database of the broker (a test that changes how the broker
    redelivers, e.g. a short visibility timeout, takes one of its own); `env`: more variables
    for the worker."""
    from dharma.celery import app

    broker = broker_url(broker_db)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dharma.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CELERY_BROKER_URL": broker,
        **(env or {}),
    }
    queue = f"{label}-{os.getpid()}"
    with log_path(label).open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dharma", "worker", "--pool", "solo",
             "-Q", queue, "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_routes)
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.conf.task_routes = {task: {"queue": queue} for task in tasks}
    reset_producer_pool(app)
    try:
        yield worker, queue
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_routes = saved
        reset_producer_pool(app)
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
