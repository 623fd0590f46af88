"""Load-test runs: create, execute (in-process or on a Celery worker), store, cancel, reap.

A run's figures all come from the engine's result: headline numbers for lists, the summary
(each metric's values and whether its percentiles are exact or from HDR histograms), the
thresholds with observed values, the per-second series, status and path counts, and the whole
mergeable result for comparisons.

While a run executes, a heartbeat thread stamps `heartbeat_at` every few seconds and watches for
a cancel request. A worker that dies leaves a `running` run whose heartbeat stops: the reaper
(`reap_stale_runs`, scheduled by Celery beat and run before each queued run) marks it errored
with the reason, so no run stays "running" for ever.
"""

from __future__ import annotations

import logging
import socket
import threading
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.loadtests.engine import runner
from apps.loadtests.engine.results import RunResult, merge_results
from apps.loadtests.models import LoadTestRun, RunStatus
from apps.loadtests.options import config_from_options, split_options, stored_options

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
STALE_AFTER = timedelta(seconds=60)  # twelve missed heartbeats


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
        if parent.finished:
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


class _Heartbeat(threading.Thread):
    """Stamps the run every few seconds (own database connection) and turns a cancel request
    into the engine's stop event."""

    def __init__(self, run_id, stop: threading.Event):
        super().__init__(name=f"loadtest-heartbeat-{run_id}", daemon=True)
        self.run_id = run_id
        self.stop = stop
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(HEARTBEAT_SECONDS):
                LoadTestRun.objects.filter(pk=self.run_id).update(heartbeat_at=timezone.now())
                if LoadTestRun.objects.filter(pk=self.run_id, cancel_requested=True).exists():
                    self.stop.set()
        except Exception:
            logger.exception("heartbeat of load-test run %s failed", self.run_id)
        finally:
            connection.close()


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
        config, _, _ = config_from_options(run.options, password=password)
        result = runner.run(config, on_second=on_second, sink=sink, stop=stop)
    except Exception as exc:
        logger.exception("load-test run %s errored", run.pk)
        run_errored(run, f"{type(exc).__name__}: {exc}")
        if run.parent_id:
            _finish_part(run)
        return run, None
    finally:
        heartbeat.done.set()
        heartbeat.join()
    store_result(run, result)
    if run.parent_id:
        _finish_part(run)
    return run, result


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
    """Mark errored the running runs whose heartbeat stopped (their worker died). A parent of
    parts has no heartbeat of its own: it ends with its parts."""
    now = now or timezone.now()
    stale = list(
        LoadTestRun.objects.filter(
            status=RunStatus.RUNNING,
            heartbeat_at__lt=now - STALE_AFTER,
            parts__isnull=True,
        )
    )
    reason = (
        f"No heartbeat for more than {int(STALE_AFTER.total_seconds())} s: the worker "
        "running it stopped (killed or lost) before the run finished."
    )
    for run in stale:
        updated = LoadTestRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.ERRORED, finished_at=now, updated_at=now, error=reason
        )
        if updated and run.parent_id:
            run.refresh_from_db()
            _finish_part(run)
    return len(stale)


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
