"""Celery task `iac.generate`: render a stored generation (queued on commit by the service).

`acks_late`: a worker killed mid-render does not ack, so the broker redelivers the task; the
rendering transaction of the dead worker was rolled back, so the redelivered task renders the
generation again. A delivery that finds the generation finished does nothing. `iac.reap` (Celery
beat, every minute) fails a generation left running for ten minutes by a worker that died.
"""

from celery import shared_task

from apps.iac import services


@shared_task(name="iac.generate", acks_late=True, ignore_result=True)
def generate(generation_id: str) -> str | None:
    generation = services.generation_execute(generation_id)
    return None if generation is None else generation.status


@shared_task(name="iac.reap", ignore_result=True)
def reap() -> int:
    return services.reap_stale_generations()
