"""Stored runs: the command stores what it measured; `--async` queues on Celery (a real worker
on Redis here); cancelling; a worker killed mid-run is reaped, never left "running"."""

import json
import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.loadtests import services
from apps.loadtests.models import LoadTestRun, RunStatus
from tests.celery_worker import real_worker, wait_for


def run_command(*args):
    call_command("runloadtest", *args, "--no-progress", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_a_run_is_stored_with_its_figures(http_server):
    with pytest.raises(Exception) as raised:
        run_command(
            "--url", http_server.url, "--path", "/", "--path", "/status/500:1", "--vus", "2",
            "--duration", "1s", "--name", "smoke", "--threshold", "http_req_failed:rate<0.01",
            "--login", "user@example.com:secret-password",
        )  # fmt: skip
    assert getattr(raised.value, "returncode", None) == 99
    run = LoadTestRun.objects.get()
    assert (run.name, run.status, run.executor) == ("smoke", RunStatus.FAILED, "constant-vus")
    assert run.options["login"] == "user@example.com"  # never the password
    assert "secret-password" not in str(run.options) + str(run.config)
    assert run.requests == sum(int(count) for count in run.status_counts.values()) > 0
    assert set(run.status_counts) == {"200", "500"}
    assert 0 < run.error_rate < 1
    assert run.percentile_method == "exact"
    assert run.p95_ms == run.summary["http_req_duration"]["values"]["p(95)"]
    assert run.thresholds[0]["ok"] is False
    assert len(run.series) >= 1 and {"vus", "requests", "p95"} <= set(run.series[0])
    assert {item["path"] for item in run.path_stats} >= {"/", "/status/500"}
    assert run.result["store"]["series"]  # the whole mergeable result
    assert run.started_at <= run.finished_at


@pytest.mark.django_db
def test_async_without_a_broker_runs_in_process(http_server):
    run_command(
        "--url", http_server.url, "--path", "/", "--vus", "1", "--duration", "300ms", "--async"
    )
    run = LoadTestRun.objects.get()
    assert run.status == RunStatus.PASSED
    assert run.requests > 0


@pytest.mark.django_db(transaction=True)  # the heartbeat thread reads committed rows
def test_a_queued_run_is_cancelled_at_once_and_a_running_one_stops(http_server, settings):
    options = {"url": http_server.url, "path": ["/"], "vus": "1", "duration": "30s"}
    queued = services.run_create(options=options)
    assert services.run_cancel(queued).status == RunStatus.CANCELLED
    assert services.run_execute(queued) is None  # not queued any more: nothing runs
    settings.DHARMA_LOADTEST_HEARTBEAT_SECONDS = 0.2
    running = services.run_create(options=options, status=RunStatus.RUNNING)
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(done=services.run_execute(running, claimed=True))
    )
    started = time.monotonic()
    thread.start()
    assert wait_for(lambda: http_server.requests > 0, timeout=10)
    services.run_cancel(running)
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert time.monotonic() - started < 15  # far before the 30 s it was asked to run
    run = LoadTestRun.objects.get(pk=running.pk)
    assert run.status == RunStatus.CANCELLED
    assert run.requests > 0  # what was measured until then is kept


@pytest.mark.django_db
def test_the_reaper_marks_runs_without_heartbeat_errored():
    fresh = LoadTestRun.objects.create(
        target_url="http://127.0.0.1:1", executor="constant-vus", options={},
        status=RunStatus.RUNNING, heartbeat_at=timezone.now(),
    )  # fmt: skip
    stale = LoadTestRun.objects.create(
        target_url="http://127.0.0.1:1", executor="constant-vus", options={},
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert services.reap_stale_runs() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RunStatus.ERRORED and "No heartbeat" in stale.error
    assert fresh.status == RunStatus.RUNNING


@pytest.fixture
def celery_worker_process():
    """A real Celery worker on Redis, consuming a `loadtests` queue of its own."""
    from apps.loadtests import tasks

    with real_worker("loadtests.run", label="loadtests") as (worker, queue):
        original_queue = tasks.QUEUE
        tasks.QUEUE = queue
        try:
            yield worker
        finally:
            tasks.QUEUE = original_queue


@pytest.mark.django_db(transaction=True)
def test_a_run_through_a_real_celery_worker_and_a_worker_killed_mid_run(
    http_server, celery_worker_process
):
    run_command(
        "--url", http_server.url, "--path", "/", "--vus", "2", "--duration", "1s", "--async",
        "--threshold", "http_req_failed:rate<0.01",
    )  # fmt: skip
    run = LoadTestRun.objects.get()
    assert run.task_id
    assert wait_for(lambda: LoadTestRun.objects.get(pk=run.pk).finished, timeout=90)
    run.refresh_from_db()
    assert run.status == RunStatus.PASSED, run.error
    assert run.worker and run.requests > 0 and run.series
    # A long run, then the worker is killed while it runs: the run is reaped, not left running.
    run_command(
        "--url", http_server.url, "--path", "/", "--vus", "1", "--duration", "60s", "--async"
    )
    long = LoadTestRun.objects.exclude(pk=run.pk).get()
    assert wait_for(lambda: LoadTestRun.objects.get(pk=long.pk).status == RunStatus.RUNNING)
    os.killpg(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    long.refresh_from_db()
    assert long.status == RunStatus.RUNNING
    assert services.reap_stale_runs(now=timezone.now() + timedelta(minutes=2)) == 1
    long.refresh_from_db()
    assert long.status == RunStatus.ERRORED and "worker" in long.error


@pytest.mark.django_db(transaction=True)
def test_a_run_split_over_real_celery_workers_is_waited_for_and_merged(
    http_server, celery_worker_process, tmp_path
):
    export = tmp_path / "summary.json"
    run_command(
        "--url", http_server.url, "--path", "/", "--vus", "2", "--duration", "1s",
        "--workers", "2", "--threshold", "http_req_failed:rate<0.01",
        "--summary-export", str(export),
    )  # fmt: skip
    parent = LoadTestRun.objects.get(parent__isnull=True)
    parts = list(parent.parts.all())
    assert parent.status == RunStatus.PASSED and len(parts) == 2
    assert all(part.worker and part.task_id for part in parts)  # each ran on the worker
    assert parent.requests == sum(part.requests for part in parts) == http_server.requests
    exported = json.loads(export.read_text())["metrics"]
    assert exported["http_reqs"]["values"]["count"] == parent.requests


@pytest.mark.django_db
def test_baseline_comparison_and_reports(http_server, tmp_path):
    from io import StringIO

    run_command("--url", http_server.url, "--path", "/", "--vus", "1", "--duration", "500ms")
    baseline = LoadTestRun.objects.get()
    out = StringIO()
    report = tmp_path / "load.md"
    call_command(
        "runloadtest", "--url", http_server.url, "--path", "/", "--vus", "1", "--duration",
        "500ms", "--no-progress", "--baseline", str(baseline.pk), "--report", str(report),
        "--threshold", "http_req_duration:p(95)<1000", stdout=out,
    )  # fmt: skip
    assert f"compared with baseline {baseline.pk}" in out.getvalue()
    assert "requests per second" in out.getvalue()
    run = LoadTestRun.objects.exclude(pk=baseline.pk).get()
    assert run.baseline == baseline
    text = report.read_text()
    assert "### Test Configuration" in text and "| Metric | Value | Target | Status |" in text
    p95 = run.summary["http_req_duration"]["values"]["p(95)"]
    assert f"| **HTTP request duration (p95)** | {p95:.2f} ms | p(95)<1000 | PASS |" in text
    assert "| **Throughput** |" in text and "no threshold" in text
    assert f"Against the baseline run {baseline.pk}" in text
    page = tmp_path / "load.html"
    run_command("--url", http_server.url, "--path", "/", "--vus", "1", "--duration", "300ms",
                "--report", str(page))  # fmt: skip
    assert page.read_text().startswith("<!DOCTYPE html>") and 'role="img"' in page.read_text()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra, message",
    [
        (["--baseline", "not-a-run"], "--baseline: no finished run"),
        (["--report", "/tmp/x.pdf"], "--report: the file must end in .md or .html"),
        (["--report", "/nonexistent-dir/x.md"], "--report: the directory"),
    ],
)
def test_bad_baseline_or_report_exits_2_before_any_request(http_server, extra, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        run_command("--url", http_server.url, "--path", "/", "--duration", "1s", *extra)
    assert raised.value.returncode == 2 and message in str(raised.value)
    assert http_server.connections == 0
    assert not LoadTestRun.objects.exists()


def test_the_load_is_split_over_workers():
    from apps.loadtests.options import split_options

    vus = split_options({"url": "http://127.0.0.1:1", "vus": "5", "duration": "10s"}, 2)
    assert [part["vus"] for part in vus] == ["3", "2"]
    stages = split_options({"url": "http://x", "stage": ["10s:5", "20s:0"]}, 2)
    assert [part["stage"] for part in stages] == [["10s:3", "20s:0"], ["10s:2", "20s:0"]]
    rate = split_options({"url": "http://x", "rate": "100", "max_vus": "7", "duration": "5s"}, 2)
    assert [(part["rate"], part["max_vus"]) for part in rate] == [("50.0", "4"), ("50.0", "3")]
    seed = split_options({"url": "http://x", "profile": "seed"}, 2)
    assert seed[0]["profile"] is None and seed[0]["stage"] and seed[0]["threshold"]
    from apps.loadtests.exceptions import ConfigError

    with pytest.raises(ConfigError):
        split_options({"url": "http://x", "vus": "1"}, 2)


@pytest.mark.django_db(transaction=True)  # parts finish on their own connections
def test_a_run_over_several_workers_merges_their_parts(http_server, tmp_path):
    # Without a broker the parts run one after the other in-process; the merge is the same.
    export, report = tmp_path / "summary.json", tmp_path / "run.md"
    run_command(
        "--url", http_server.url, "--path", "/", "--vus", "3", "--duration", "500ms",
        "--workers", "2", "--name", "split", "--threshold", "http_reqs:count>0",
        "--summary-export", str(export), "--report", str(report),
    )  # fmt: skip
    parent = LoadTestRun.objects.get(parent__isnull=True)
    # The command waited for the merged result and wrote it like a local run's.
    exported = json.loads(export.read_text())["metrics"]
    assert exported["http_reqs"]["values"]["count"] == http_server.requests
    assert str(parent.pk) in report.read_text()
    parts = list(parent.parts.order_by("name"))
    assert [part.options["vus"] for part in parts] == ["2", "1"]
    assert all(part.status == RunStatus.PASSED for part in parts)
    assert parent.status == RunStatus.PASSED and parent.workers == 2
    assert parent.requests == sum(part.requests for part in parts) == http_server.requests
    assert parent.percentile_method == "hdr"  # merged results are HDR's
    assert parent.thresholds[0]["ok"] is True
    assert sum(point["requests"] for point in parent.series) == parent.requests


@pytest.mark.django_db
def test_a_reaped_part_ends_its_parent():
    parent = LoadTestRun.objects.create(
        target_url="http://127.0.0.1:1", executor="constant-vus", options={},
        status=RunStatus.RUNNING, workers=1,
    )  # fmt: skip
    LoadTestRun.objects.create(
        target_url="http://127.0.0.1:1", executor="constant-vus", options={}, parent=parent,
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert services.reap_stale_runs() == 1
    parent.refresh_from_db()
    assert parent.status == RunStatus.ERRORED and "No heartbeat" in parent.error


@pytest.mark.django_db(transaction=True)
def test_a_distributed_run_whose_threshold_fails_exits_99(http_server):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        run_command(
            "--url", http_server.url, "--path", "/", "--vus", "2", "--duration", "300ms",
            "--workers", "2", "--threshold", "http_reqs:count<1",
        )  # fmt: skip
    assert raised.value.returncode == 99
    assert LoadTestRun.objects.get(parent__isnull=True).status == RunStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--async", "--report", "x.md"], "--report: --async returns before the run ends"),
        (["--async", "--junit", "x.xml"], "--junit: --async returns"),
        (["--workers", "2", "--out", "csv=x.csv"], "not available with --async or --workers"),
        (["--workers", "2", "--wait-timeout", "soon"], "--wait-timeout"),
    ],
)
def test_outputs_a_queued_run_cannot_give_are_refused_first(http_server, extra, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        run_command("--url", http_server.url, "--path", "/", "--vus", "2", "--duration", "1s",
                    *extra)  # fmt: skip
    assert raised.value.returncode == 2 and message in str(raised.value)
    assert http_server.connections == 0
    assert not LoadTestRun.objects.exists()
