"""A real Prometheus (Debian's `prometheus` binary) for the Prometheus check's tests.

It scrapes two targets every second: one that is up (a small HTTP server on this machine
serving a Prometheus text exposition at /metrics) and one that is down (a port nothing listens
on). The fixture waits until both have been scraped, and stops Prometheus at the end of the
session. Without the binary the tests are skipped with the reason, unless
DHARMA_REQUIRE_PROMETHEUS is set (CI sets it; .ci/prometheus.sh installs the binary).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ports import closed_port, free_port

METRICS = b"# HELP dharma_test_up A gauge for the test scrape.\n# TYPE dharma_test_up gauge\ndharma_test_up 1\n"  # noqa: E501
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class PrometheusUnderTest:
    url: str
    up: str  # instance of the target that is up
    down: str  # instance of the target that is down
    up_job: str = "dharma-test-up"
    down_job: str = "dharma-test-down"


class _Metrics(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/metrics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(METRICS)))
        self.end_headers()
        self.wfile.write(METRICS)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _targets(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/v1/targets?state=active", timeout=2) as response:
        return json.loads(response.read())["data"]["activeTargets"]


def _wait_until_scraped(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited ({process.returncode}): {log.read_text()}")
        try:
            targets = _targets(url)
        except OSError:
            targets = []
        if len(targets) == 2 and all(t["health"] in ("up", "down") for t in targets):
            return
        time.sleep(0.25)
    raise RuntimeError(f"prometheus did not scrape both targets in {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory) -> Iterator[PrometheusUnderTest]:
    binary = shutil.which("prometheus")
    if binary is None:
        reason = "prometheus is not installed (bash .ci/prometheus.sh installs Debian's)"
        if os.environ.get("DHARMA_REQUIRE_PROMETHEUS"):
            pytest.fail(f"DHARMA_REQUIRE_PROMETHEUS is set but {reason}")
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("prometheus")
    metrics = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    threading.Thread(target=metrics.serve_forever, daemon=True).start()
    up = f"127.0.0.1:{metrics.server_address[1]}"
    down = f"127.0.0.1:{closed_port()}"
    port = free_port()
    server = PrometheusUnderTest(url=f"http://127.0.0.1:{port}", up=up, down=down)
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n"
        f"  - job_name: {server.up_job}\n    static_configs: [{{targets: ['{up}']}}]\n"
        f"  - job_name: {server.down_job}\n    static_configs: [{{targets: ['{down}']}}]\n"
    )
    log = workdir / "prometheus.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_scraped(server.url, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        metrics.shutdown()
        metrics.server_close()
