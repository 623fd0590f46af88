"""The reaper's window and reason, a heartbeat that comes back after the reaper's guess, what a
worker measured winning over that guess (a run and a run split in parts), and the spool.

(The same with a real Celery worker and PostgreSQL restarts: test_database_blips.py.)
"""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.loadtests import services, spool
from apps.loadtests.models import LoadTestRun, RunStatus
from tests.loadtests.engine_helpers import run as measure


def running(**fields) -> LoadTestRun:
    return LoadTestRun.objects.create(
        target_url="http://127.0.0.1:1", executor="constant-vus", options={},
        status=RunStatus.RUNNING, **fields,
    )  # fmt: skip


@pytest.fixture
def spool_dir(settings, tmp_path):
    settings.DHARMA_SPOOL_DIR = tmp_path / "spool"
    return tmp_path / "spool" / "loadtests"


@pytest.mark.django_db
def test_the_window_is_a_setting_and_the_reason_says_what_is_known(settings):
    settings.DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS = 20
    now = timezone.now()
    quiet = running(heartbeat_at=now - timedelta(seconds=15))
    silent = running(heartbeat_at=now - timedelta(seconds=45))
    assert services.reap_stale_runs(now=now) == 1
    quiet.refresh_from_db()
    silent.refresh_from_db()
    assert quiet.status == RunStatus.RUNNING and quiet.reaped_at is None
    assert silent.status == RunStatus.ERRORED and silent.reaped_at == now
    assert silent.error == (
        "No heartbeat for 45 s; the worker may have stopped or lost its database connection."
    )


@pytest.mark.django_db
def test_a_heartbeat_back_after_the_reapers_guess_runs_the_run_again():
    run = running(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert services.reap_stale_runs() == 1
    services._Heartbeat(run.pk, threading.Event()).beat()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.error == "" and run.finished_at is None
    assert run.heartbeat_at > timezone.now() - timedelta(minutes=1)
    assert run.reaped_at is not None


@pytest.mark.django_db
def test_a_measured_result_wins_over_the_reapers_guess_but_is_stored_once(http_server, spool_dir):
    run = running(heartbeat_at=timezone.now() - timedelta(minutes=5))
    services.reap_stale_runs()
    result = measure(http_server.url)
    stored = services.run_store_measured(run, result)
    assert stored.status == RunStatus.PASSED and stored.error == ""
    assert stored.requests == http_server.requests > 0
    assert stored.reaped_at is not None
    assert list(spool_dir.glob("*.json")) == []  # the database has it: the file is gone
    # A second copy (a spool file stored twice) changes nothing.
    again = measure(http_server.url)
    assert services.run_store_measured(run, again).requests == stored.requests
    # A run that errored for a reason of its own keeps it.
    failed = running(heartbeat_at=timezone.now())
    services.run_errored(failed, "LoginError: login failed")
    assert services.run_store_measured(failed, again).status == RunStatus.ERRORED


@pytest.mark.django_db
def test_a_reaped_part_that_brings_its_result_completes_the_parent(http_server, spool_dir):
    options = {"url": http_server.url, "path": ["/"], "vus": "2", "duration": "1s"}
    parent = services.run_create_distributed(options=options, workers=2)
    first, second = parent.parts.order_by("name")
    LoadTestRun.objects.filter(parent=parent).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    first.refresh_from_db()
    services.run_store_measured(first, measure(http_server.url))
    LoadTestRun.objects.filter(pk=second.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.reap_stale_runs() == 1
    parent.refresh_from_db()
    assert parent.status == RunStatus.ERRORED and "No heartbeat" in parent.error
    second.refresh_from_db()
    services.run_store_measured(second, measure(http_server.url))
    parent.refresh_from_db()
    assert parent.status == RunStatus.PASSED and parent.error == ""
    assert parent.requests == http_server.requests


@pytest.mark.django_db
def test_spooled_results_are_stored_and_unreadable_ones_set_aside(http_server, spool_dir):
    run = running(heartbeat_at=timezone.now() - timedelta(minutes=5))
    gone = running(heartbeat_at=timezone.now())
    spool.write(run.pk, measure(http_server.url).to_dict())
    spool.write(gone.pk, measure(http_server.url).to_dict())
    gone.delete()
    (spool_dir / "run-broken.json").write_text("{not json")
    # Stored before the reaper looks: a run whose result is on this disk is not reaped.
    assert services.store_spooled_results() == 1
    assert services.reap_stale_runs() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.PASSED and run.requests > 0
    assert sorted(path.name for path in spool_dir.iterdir()) == ["run-broken.unreadable"]
