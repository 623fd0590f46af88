"""Load-test runs: create, execute (in-process or on a Celery worker), store, cancel, reap.

A run's figures all come from the engine's result: headline numbers for lists, the summary
(each metric's values and whether its percentiles are exact or from HDR histograms), the
thresholds with observed values, the per-second series, status and path counts, and the whole
mergeable result for comparisons.

While a run executes, a heartbeat thread stamps `heartbeat_at` every
DHARMA_LOADTEST_HEARTBEAT_SECONDS and watches for a cancel request. A database that goes away
for a while costs it beats, not its life: it drops the broken connection and tries again at the
next beat. A worker that dies leaves a `running` run whose heartbeat stops: the reaper
(`reap_stale_runs`, scheduled by Celery beat and run before each queued run) marks it errored
once no heartbeat came for DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS, saying only that (the
worker may have died, or lost its database), so no run stays "running" for ever.

A finished run's result is first written to this machine's disk (`spool`), then stored,
retrying while the database is unreachable (for up to DHARMA_LOADTEST_STORE_RETRY_SECONDS); the
heartbeat goes on meanwhile. A result the worker could not store stays on disk and is stored by
`store_spooled_results` (the reap task, the start of the next run, `manage.py reaploadtests`).
What a worker measured wins over the reaper's guess: a result that arrives for a run the reaper
marked errored is stored over that status (`reaped_at` keeps when the reaper had guessed).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.utils import timezone

from apps.loadtests import spool
from apps.loadtests.engine import runner
from apps.loadtests.engine.results import RunResult, merge_results
from apps.loadtests.exceptions import ResultNotStoredError
from apps.loadtests.models import LoadTestRun, RunStatus
from apps.loadtests.options import config_from_options, split_options, stored_options

logger = logging.getLogger(__name__)

# What a database that is down, restarting or unreachable raises; anything else is a bug and is
# not retried.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
MAX_BACKOFF_SECONDS = 30.0

T = TypeVar("T")


def run_create(
    *,
    options: dict[str, Any],
    user=None,
    tenant=None,
    name: str = "",
    status: str = RunStatus.QUEUED,
    workers: int = 1,
    baseline: LoadTestRun | None = None,
    parent: LoadTestRun | None = None,
) -> LoadTestRun:
    """A new run from the command's options, checked first (ConfigError names the bad one)."""
    config, _, _ = config_from_options(options)
    now = timezone.now()
    return LoadTestRun.objects.create(
        tenant=tenant,
        created_by=user,
        name=name,
        status=status,
        target_url=config.target.url,
        executor=config.executor.kind,
        options=stored_options(options),
        config=config.to_dict(),
        workers=workers,
        queued_at=now,
        started_at=now if status == RunStatus.RUNNING else None,
        heartbeat_at=now if status == RunStatus.RUNNING else None,
        baseline=baseline,
        parent=parent,
    )


@transaction.atomic
def run_create_distributed(
    *,
    options: dict[str, Any],
    workers: int,
    user=None,
    tenant=None,
    name: str = "",
    baseline: LoadTestRun | None = None,
) -> LoadTestRun:
    """A run split over `workers` Celery workers: one part per worker, each a run with its
    share of the load; the parent gets the merged result when the last part ends."""
    shares = split_options(options, workers)
    parent = run_create(
        options=options, user=user, tenant=tenant, name=name, workers=workers, baseline=baseline
    )
    for index, share in enumerate(shares, start=1):
        run_create(
            options=share, user=user, tenant=tenant, name=f"{name or 'run'} part {index}",
            parent=parent,
        )  # fmt: skip
    return parent


def _finish_part(part: LoadTestRun) -> None:
    """After a part ends: when it was the last, merge every part's result into the parent."""
    with transaction.atomic():
        parent = LoadTestRun.objects.select_for_update().get(pk=part.parent_id)  # type: ignore[misc]
        # An errored parent is looked at again: a part the reaper had marked errored may have
        # brought its result since.
        if parent.finished and parent.status != RunStatus.ERRORED:
            return
        parts = list(parent.parts.all())
        if not all(item.finished for item in parts):
            if parent.status == RunStatus.QUEUED:
                parent.status = RunStatus.RUNNING
                parent.started_at = min(p.started_at for p in parts if p.started_at)
                parent.save(update_fields=["status", "started_at", "updated_at"])
            return
        results = [RunResult.from_dict(item.result) for item in parts if item.result]
        if results:
            store_result(parent, merge_results(results))
        broken = [item for item in parts if item.status in (RunStatus.ERRORED, RunStatus.CANCELLED)]
        if broken or not results:
            parent.status = (
                RunStatus.CANCELLED
                if broken and all(item.status == RunStatus.CANCELLED for item in broken)
                else RunStatus.ERRORED
            )
            parent.error = "; ".join(
                f"part {item.name}: {item.get_status_display()} {item.error}".strip()
                for item in broken
            )
            parent.finished_at = timezone.now()
            parent.save()


def _claim(run_id) -> LoadTestRun | None:
    """queued → running, once: a redelivered task finds the run taken and does nothing."""
    with transaction.atomic():
        run = LoadTestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != RunStatus.QUEUED:
            return None
        now = timezone.now()
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.worker = socket.gethostname()
        run.save(update_fields=["status", "started_at", "heartbeat_at", "worker", "updated_at"])
        return run


def _drop_connection() -> None:
    """Close this thread's database connection, broken or not (the next query opens another)."""
    with contextlib.suppress(Exception):
        connection.close()


def _retrying(action: Callable[[], T], *, what: str) -> T:
    """`action()`, again and again while the database is unreachable (backing off from half a
    second to 30 s, for up to DHARMA_LOADTEST_STORE_RETRY_SECONDS), on a fresh connection each
    time. Inside a transaction the connection cannot be replaced: one try."""
    deadline = time.monotonic() + settings.DHARMA_LOADTEST_STORE_RETRY_SECONDS
    delay = 0.5
    while True:
        recoverable = not connection.in_atomic_block
        try:
            if recoverable:
                close_old_connections()  # a connection the database dropped is replaced
            return action()
        except DATABASE_UNAVAILABLE as exc:
            if not recoverable or time.monotonic() + delay > deadline:
                raise
            logger.warning(
                "%s: the database is unreachable (%s); trying again in %.1f s",
                what, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                delay,
            )  # fmt: skip
            _drop_connection()
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)


class _Heartbeat(threading.Thread):
    """Stamps the run every DHARMA_LOADTEST_HEARTBEAT_SECONDS (own database connection) and
    turns a cancel request into the engine's stop event. A beat that fails (the database
    restarting) drops the connection and the next beat tries again: the thread lives as long as
    the run."""

    def __init__(self, run_id, stop: threading.Event):
        super().__init__(name=f"loadtest-heartbeat-{run_id}", daemon=True)
        self.run_id = run_id
        self.stop = stop
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.DHARMA_LOADTEST_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception as exc:  # noqa: BLE001 - no error ends the heartbeat
                    logger.warning(
                        "heartbeat of load-test run %s failed (%s: %s); trying again at the "
                        "next beat", self.run_id, type(exc).__name__, str(exc).strip()[:200],
                    )  # fmt: skip
                    _drop_connection()
        finally:
            _drop_connection()

    def beat(self) -> None:
        now = timezone.now()
        beating = LoadTestRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING)
        if not beating.update(heartbeat_at=now):
            # The reaper marked the run errored while its heartbeat could not get through (a
            # long database outage): the worker is alive, so the run is running again.
            revived = LoadTestRun.objects.filter(
                pk=self.run_id,
                status=RunStatus.ERRORED,
                reaped_at__isnull=False,
                result__isnull=True,
            ).update(
                status=RunStatus.RUNNING, error="", finished_at=None, heartbeat_at=now,
                updated_at=now,
            )  # fmt: skip
            if revived:
                logger.warning(
                    "load-test run %s: its heartbeat is back after the reaper marked it "
                    "errored; it is running again", self.run_id,
                )  # fmt: skip
        if LoadTestRun.objects.filter(pk=self.run_id, cancel_requested=True).exists():
            self.stop.set()


def run_execute(
    run: LoadTestRun | Any,
    *,
    password: str | None = None,
    on_second=None,
    sink=None,
    claimed: bool = False,
) -> tuple[LoadTestRun, RunResult | None] | None:
    """Run a queued run (or one already claimed `running` by the caller) and store its result.
    Returns None when the run was not queued (taken by another worker, or cancelled)."""
    if not claimed:
        run = _claim(run.pk if isinstance(run, LoadTestRun) else run)
        if run is None:
            return None
    stop = threading.Event()
    heartbeat = _Heartbeat(run.pk, stop)
    heartbeat.start()
    try:
        try:
            config, _, _ = config_from_options(run.options, password=password)
            result = runner.run(config, on_second=on_second, sink=sink, stop=stop)
        except Exception as exc:
            logger.exception("load-test run %s errored", run.pk)
            reason = f"{type(exc).__name__}: {exc}"
            _retrying(lambda: run_errored(run, reason), what=f"load-test run {run.pk}")
            if run.parent_id:
                _retrying(lambda: _finish_part(run), what=f"load-test run {run.pk}")
            return run, None
        # The heartbeat goes on while the result is being stored: a worker waiting for the
        # database is not a dead one.
        return run_store_measured(run, result), result
    finally:
        heartbeat.done.set()
        heartbeat.join()


def run_store_measured(run: LoadTestRun, result: RunResult) -> LoadTestRun:
    """Store what a worker measured for `run`: kept on local disk first, then stored, retrying
    while the database is unreachable; the file goes once the database holds the result.
    ResultNotStoredError (naming the file) when the database stayed away."""
    path = spool.write(run.pk, result.to_dict())
    try:
        stored, _ = _retrying(
            lambda: _store_measured_once(run.pk, result),
            what=f"storing the result of load-test run {run.pk}",
        )
    except DATABASE_UNAVAILABLE as exc:
        raise ResultNotStoredError(
            run.pk, path, result, waited_s=settings.DHARMA_LOADTEST_STORE_RETRY_SECONDS
        ) from exc
    if path is not None:
        spool.remove(path)
    return stored or run


def _accepts_result(run: LoadTestRun) -> bool:
    """A measured result is stored once, over a run still `running` or one the reaper guessed
    errored (its worker had only lost the database, or died after measuring)."""
    if run.result is not None:
        return False
    return run.status == RunStatus.RUNNING or (
        run.status == RunStatus.ERRORED and run.reaped_at is not None
    )


def _store_measured_once(run_id, result: RunResult) -> tuple[LoadTestRun | None, bool]:
    """(the run, whether this call stored the result); the run is None when it was deleted."""
    with transaction.atomic():
        run = LoadTestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None, False
        stored = _accepts_result(run)
        if stored:
            reaped = run.status == RunStatus.ERRORED
            store_result(run, result)
            if reaped:
                logger.warning(
                    "load-test run %s: the worker's result replaces the reaper's guess (marked "
                    "errored at %s)", run.pk, run.reaped_at,
                )  # fmt: skip
    if run.parent_id and run.finished:
        _finish_part(run)  # idempotent: a retried store merges the parent once
    return run, stored


def store_spooled_results() -> int:
    """Store the results waiting in this machine's spool (a worker that could not reach the
    database in time, or died waiting for it), each over a run still `running` or errored by the
    reaper; the file goes once the database has it, or when its run is gone or finished
    otherwise. Returns how many results were stored. A database still unreachable raises (the
    files wait for the next call)."""
    count = 0
    for path in spool.pending():
        try:
            run_id, data = spool.read(path)
            result = RunResult.from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            aside = spool.set_aside(path)
            logger.error("unusable spooled load-test result, set aside as %s: %s", aside, exc)
            continue
        _, stored = _store_measured_once(run_id, result)
        spool.remove(path)
        if stored:
            count += 1
            logger.info("load-test run %s: its spooled result is stored", run_id)
    return count


def store_result(run: LoadTestRun, result: RunResult) -> LoadTestRun:
    trend_stats = tuple(
        (run.options.get("summary_trend_stats") or "avg,min,med,max,p(90),p(95)").split(",")
    )
    stats = (*trend_stats, "p(50)", "p(95)", "p(99)")
    summary = result.summary_values(stats)
    duration = summary["http_req_duration"]["values"]
    reqs = summary["http_reqs"]["values"]
    failed = summary["http_req_failed"]["values"]
    if result.aborted == "cancelled":
        status = RunStatus.CANCELLED
    elif result.aborted:
        status = RunStatus.ERRORED
    else:
        status = RunStatus.PASSED if result.passed else RunStatus.FAILED
    run.status = status
    run.error = "" if result.aborted in (None, "cancelled") else result.aborted
    run.finished_at = timezone.now()
    run.requests = int(reqs.get("count", 0))
    run.request_rate = reqs.get("rate")
    run.p95_ms = duration.get("p(95)")
    run.p99_ms = duration.get("p(99)")
    run.error_rate = failed.get("rate")
    run.percentile_method = summary["http_req_duration"]["method"]
    run.summary = summary
    run.thresholds = [threshold.to_dict() for threshold in result.thresholds]
    run.series = [
        {key: value for key, value in point.to_dict().items() if key != "hdr"}
        for point in result.store.series
    ]
    run.status_counts = {str(code): count for code, count in result.store.status_counts().items()}
    run.path_stats = result.store.path_stats(trend_stats)
    run.result = result.to_dict()
    run.save()
    return run


def run_errored(run: LoadTestRun, reason: str) -> None:
    LoadTestRun.objects.filter(pk=run.pk).update(
        status=RunStatus.ERRORED,
        error=reason,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    run.refresh_from_db()


def run_cancel(run: LoadTestRun) -> LoadTestRun:
    """A queued run is cancelled at once; a running one stops within a heartbeat (a run split
    over workers: each of its parts)."""
    for part in run.parts.all():
        run_cancel(part)
    with transaction.atomic():
        run = LoadTestRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.QUEUED:
            run.status = RunStatus.CANCELLED
            run.finished_at = timezone.now()
        elif run.status == RunStatus.RUNNING:
            run.cancel_requested = True
        run.save()
    return run


def reap_stale_runs(*, now=None) -> int:
    """Mark errored the running runs whose heartbeat has been silent for longer than
    DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS, saying what is known: the worker may have stopped,
    or lost its database connection. A heartbeat that comes back before the run is marked keeps
    it running. A parent of parts has no heartbeat of its own: it ends with its parts. Returns
    how many runs were marked."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS)
    stale = list(
        LoadTestRun.objects.filter(
            status=RunStatus.RUNNING,
            heartbeat_at__lt=cutoff,
            parts__isnull=True,
        )
    )
    reaped = 0
    for run in stale:
        assert run.heartbeat_at is not None  # the filter above
        silent = int((now - run.heartbeat_at).total_seconds())
        reason = (
            f"No heartbeat for {silent} s; the worker may have stopped or lost its database "
            "connection."
        )
        # Still silent now: a heartbeat stamped since the read above keeps the run running.
        updated = LoadTestRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, heartbeat_at__lt=cutoff
        ).update(status=RunStatus.ERRORED, finished_at=now, updated_at=now, reaped_at=now,
                 error=reason)  # fmt: skip
        if updated:
            reaped += 1
            logger.warning("load-test run %s marked errored: %s", run.pk, reason)
            if run.parent_id:
                run.refresh_from_db()
                _finish_part(run)
    return reaped


def merge_into(run: LoadTestRun, parts: list[RunResult]) -> LoadTestRun:
    """The run's result as the merge of parts that ran side by side on several workers."""
    return store_result(run, merge_results(parts))


def mark_baseline(run: LoadTestRun) -> None:
    """The run becomes the baseline of its target (one per target)."""
    with transaction.atomic():
        LoadTestRun.objects.filter(target_url=run.target_url, is_baseline=True).update(
            is_baseline=False
        )
        LoadTestRun.objects.filter(pk=run.pk).update(is_baseline=True)
