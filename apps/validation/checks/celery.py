"""Celery: workers answering a ping, queue lengths (Redis broker), beat's last run."""

from django.conf import settings
from django.db.models import Max

from apps.validation.checks.base import Check, Finding, Status, info

QUEUES = ("celery", "loadtests")


class CeleryCheck(Check):
    name = "celery"
    service = "celery"
    critical = False  # the API answers without workers; jobs wait

    def measure(self) -> list[Finding]:
        from django_celery_beat.models import PeriodicTask

        from dharma.celery import app

        broker = app.conf.broker_url or settings.CELERY_BROKER_URL
        if app.conf.task_always_eager or not broker:
            return [
                Finding(
                    "workers",
                    None,
                    Status.NOT_MEASURED,
                    note="no broker configured: tasks run in-process",
                )
            ]
        replies = app.control.ping(timeout=min(self.timeout, 2.0)) or []
        workers = sorted(name for reply in replies for name in reply)
        findings = [
            Finding("workers", workers, Status.PASS if workers else Status.FAIL, "at least 1")
        ]
        if broker.startswith("redis"):
            import redis

            client = redis.Redis.from_url(broker, socket_timeout=self.timeout)
            try:
                lengths = {queue: client.llen(queue) for queue in QUEUES}
            finally:
                client.close()
            findings.append(info("queue_lengths", lengths))
        else:
            findings.append(
                Finding(
                    "queue_lengths",
                    None,
                    Status.NOT_MEASURED,
                    note="queue lengths are read from Redis brokers only",
                )
            )
        last = PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]
        findings.append(
            info("beat_last_run", last.isoformat() if last else None)
            if last
            else Finding("beat_last_run", None, Status.NOT_MEASURED, note="beat has not run yet")
        )
        return findings
