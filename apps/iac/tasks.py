"""Celery task `iac.generate`: render a stored generation (queued on commit by the service).

`acks_late`: a worker killed mid-render does not ack, so the broker hands the task to another
worker once DHARMA_CELERY_VISIBILITY_TIMEOUT has passed since its delivery. Rendering twice is
idempotent: the files are stored on the generation's own row, never as a new object, in one
transaction under the row's lock.

- Interrupted midway (the generation left `running`): the dead worker's transaction was rolled
  back, so nothing of its render was stored; the redelivered task renders the generation again
  and completes it (or fails it with the reason), keeping its first `started_at`.
- Already finished (`completed` or `failed`, e.g. a delivery whose ack was lost): the task
  changes nothing, neither files, hash nor timestamps, and stores nothing new.
- Delivered twice at once: the second waits for the row, then finds it finished.

`iac.reap` (Celery beat) fails a generation left running for DHARMA_IAC_STALE_SECONDS, longer
than the visibility timeout: by then its task was not redelivered, or found no worker.
"""

from celery import shared_task

from apps.iac import services


@shared_task(name="iac.generate", acks_late=True, ignore_result=True)
def generate(generation_id: str) -> str | None:
    """Render the generation. Redelivered, it completes one its killed worker left running and
    leaves a finished one as it is (no second render, nothing new stored)."""
    generation = services.generation_execute(generation_id)
    return None if generation is None else generation.status


@shared_task(name="iac.reap", ignore_result=True)
def reap() -> int:
    return services.reap_stale_generations()
