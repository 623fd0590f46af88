"""Celery task `deployments.execute`: run a pending execution's steps (queued on commit by
apps.deployments.services.execution_create; in-process when no broker is configured).

`acks_late`: a worker killed mid-run does not ack, and the broker hands the task to another
worker once DHARMA_CELERY_VISIBILITY_TIMEOUT has passed since its delivery. The redelivered
task finds the execution no longer pending and does nothing: no step runs twice, no step or
log row is added and a finished execution keeps its status. `deployments.reap` (Celery beat)
fails an execution that has not moved for DHARMA_DEPLOYMENT_STALE_SECONDS, with the reason,
which frees its environment for the next execution.
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
