"""Dharma served by gunicorn as in production: several workers, DEBUG off.

/metrics sums the counters of every worker; the admin's static files are served.
"""

import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 60


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dharma.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "REDIS_URL": "",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "metrics-test-key-" + "x" * 40,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "3",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "dharma/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(f"{base}/health/live")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.2)
        yield base, metrics_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def live_count(metrics: str) -> float:
    """Responses 200 to GET /health/live, read with prometheus_client's own parser."""
    total = 0.0
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if (
                sample.name == "django_http_responses_total_by_status_view_method_total"
                and sample.labels.get("view") == "health-live"
                and sample.labels.get("status") == "200"
                and sample.labels.get("method") == "GET"
            ):
                total += sample.value
    return total


def test_metrics_sum_the_counters_of_every_worker(gunicorn_server):
    base, metrics_dir = gunicorn_server
    before = live_count(get(f"{base}/metrics")[1])
    # Concurrent requests, so that several of the 3 workers serve them.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: get(f"{base}/health/live")[0], range(REQUESTS)))
    assert statuses == [200] * REQUESTS
    status, metrics = get(f"{base}/metrics")
    assert status == 200
    assert live_count(metrics) - before == REQUESTS
    # Each worker writes its own counter files; /metrics read all of them.
    assert list(metrics_dir.glob("counter_*.db"))


def test_admin_static_files_are_served_without_debug(gunicorn_server):
    base, _metrics_dir = gunicorn_server
    status, body = get(f"{base}/admin/login/")
    assert status == 200
    stylesheet = next(
        line.split('href="', 1)[1].split('"', 1)[0]
        for line in body.splitlines()
        if "stylesheet" in line and "base" in line
    )
    assert stylesheet.startswith("/static/admin/css/base.")  # hashed by the manifest storage
    status, css = get(f"{base}{stylesheet}")
    assert status == 200
    assert "body" in css
