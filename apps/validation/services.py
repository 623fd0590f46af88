"""Run the checks, store the run and its per-service history, open and resolve alerts."""

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.operations.models import HealthAlert, ServiceHealthCheck
from apps.validation.checks import REGISTRY, CheckResult, Status
from apps.validation.models import RunStatus, ValidationRun

HEALTH_STATUS = {
    Status.PASS: "healthy",
    Status.WARN: "degraded",
    Status.FAIL: "unhealthy",
    Status.NOT_MEASURED: "unknown",
}


class UnknownCheck(ValueError):
    pass


def resolve_checks(names: Sequence[str] | None) -> list[str]:
    if not names:
        return list(REGISTRY)
    unknown = [name for name in names if name not in REGISTRY]
    if unknown:
        raise UnknownCheck(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    return list(dict.fromkeys(names))


def run_validation(
    *, checks: Sequence[str] | None = None, trigger: str = "command", user=None
) -> ValidationRun:
    """Run the checks now (each in turn; one that fails does not stop the others) and store
    everything they measured."""
    names = resolve_checks(checks)
    started = timezone.now()
    results = [REGISTRY[name]().run() for name in names]
    critical = sum(1 for r in results if r.critical and r.status == Status.FAIL)
    warned = any(r.status in (Status.WARN, Status.FAIL) for r in results)
    status = RunStatus.FAILED if critical else RunStatus.WARNED if warned else RunStatus.PASSED
    with transaction.atomic():
        run = ValidationRun.objects.create(
            trigger=trigger,
            environment=settings.DHARMA_ENVIRONMENT,
            status=status,
            started_at=started,
            finished_at=timezone.now(),
            checks=names,
            results=[result.to_dict() for result in results],
            critical_failures=critical,
            created_by=user,
        )
        ServiceHealthCheck.objects.bulk_create(_history(run, results))
        for result in results:
            _alert(result)
    return run


def _history(run: ValidationRun, results: list[CheckResult]) -> list[ServiceHealthCheck]:
    return [
        ServiceHealthCheck(
            tenant=None,
            service_name=result.service,
            environment=run.environment,
            status=HEALTH_STATUS[result.status],
            check_type="readiness",
            response_time=round(result.duration_ms),
            checked_at=run.finished_at,
            check_duration=round(result.duration_ms),
            version=str(result.measured("version") or "")[:50],
            issues=[
                {"name": item.name, "status": str(item.status), "note": item.note}
                for item in result.findings
                if item.status in (Status.WARN, Status.FAIL)
            ]
            + ([{"name": "error", "status": "fail", "note": result.error}] if result.error else []),
            metadata={
                "validation_run": str(run.pk),
                "check": result.check,
                "critical": result.critical,
            },
        )
        for result in results
    ]


def _alert(result: CheckResult) -> None:
    """A failing critical check opens one alert per service; a later pass resolves it."""
    open_alerts = HealthAlert.objects.select_for_update().filter(
        tenant__isnull=True, service=result.service, metric="readiness", resolved=False
    )
    if result.status == Status.FAIL and result.critical:
        if not open_alerts.exists():
            failing = [item.name for item in result.findings if item.status == Status.FAIL]
            HealthAlert.objects.create(
                tenant=None,
                severity="critical",
                service=result.service,
                metric="readiness",
                message=result.error or f"failing: {', '.join(failing)}",
                threshold=Decimal(0),
                current_value=Decimal(len(failing) or 1),
                metadata={"check": result.check},
            )
    elif result.status in (Status.PASS, Status.WARN):
        open_alerts.update(
            resolved=True,
            resolved_at=timezone.now(),
            resolution_notes="the readiness check passed again",
            updated_at=timezone.now(),
        )


def availability(service: str, *, since) -> float | None:
    """Share of passing (healthy or degraded) checks of a service since `since`, computed from
    the stored history; None when nothing was measured."""
    checks = ServiceHealthCheck.objects.filter(
        tenant__isnull=True, service_name=service, checked_at__gte=since
    ).exclude(status="unknown")
    total = checks.count()
    if not total:
        return None
    return checks.filter(status__in=("healthy", "degraded")).count() / total
