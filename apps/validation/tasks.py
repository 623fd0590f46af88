from celery import shared_task

from apps.validation import services


@shared_task(name="validation.run", ignore_result=True)
def run_checks(checks: list[str] | None = None) -> str:
    """The readiness checks on a schedule (django-celery-beat, editable in the admin)."""
    return str(services.run_validation(checks=checks, trigger="schedule").pk)
