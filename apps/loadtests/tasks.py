"""Celery tasks: `loadtests.run` on its own queue (`loadtests`), and the reaper.

`acks_late`: a worker killed mid-run does not ack, so the broker redelivers the task; the
redelivered task finds the run no longer `queued` and leaves it to the reaper, which marks it
errored once its heartbeat has stopped.

Both tasks first store the results waiting in this machine's spool (runs that finished while the
database was unreachable), so a result on disk is stored before its run could be reaped.
"""

import logging

from celery import shared_task

from apps.loadtests import services
from apps.loadtests.exceptions import ResultNotStoredError
from apps.loadtests.models import LoadTestRun

logger = logging.getLogger(__name__)

QUEUE = "loadtests"


@shared_task(name="loadtests.run", acks_late=True, ignore_result=True)
def run_load_test(run_id: str, password: str | None = None) -> str | None:
    """Run a queued run. The login password, when there is one, travels only in the task
    message: runs never store it."""
    services.store_spooled_results()
    services.reap_stale_runs()
    try:
        outcome = services.run_execute(run_id, password=password)
    except ResultNotStoredError as exc:
        logger.error("%s", exc)  # stored later from the spool
        return None
    return None if outcome is None else outcome[0].status


@shared_task(name="loadtests.reap", ignore_result=True)
def reap() -> int:
    services.store_spooled_results()
    return services.reap_stale_runs()


def enqueue(run: LoadTestRun, *, password: str | None = None) -> str:
    result = run_load_test.apply_async(args=[str(run.pk), password], queue=QUEUE)
    LoadTestRun.objects.filter(pk=run.pk).update(task_id=result.id or "")
    return result.id or ""


def enqueue_parts(parent: LoadTestRun, *, password: str | None = None) -> list[str]:
    return [enqueue(part, password=password) for part in parent.parts.order_by("name")]
