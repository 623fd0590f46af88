"""Celery task `deployments.execute`: run a pending execution's steps (queued on commit by
apps.deployments.services.execution_create; in-process when no broker is configured).

`acks_late`: a worker killed mid-run does not ack and the broker redelivers the task. The
redelivered task finds the execution no longer pending and does nothing, so no step runs twice;
`deployments.reap` (Celery beat, every minute) fails an execution that has not moved for ten
minutes, with the reason, which frees its environment for the next execution.
"""

from celery import shared_task

from apps.deployments import services


@shared_task(name="deployments.execute", acks_late=True, ignore_result=True)
def execute(execution_id: str) -> str | None:
    execution = services.execution_run(execution_id)
    return None if execution is None else execution.status


@shared_task(name="deployments.reap", ignore_result=True)
def reap() -> int:
    return services.reap_stale_executions()
