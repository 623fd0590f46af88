"""Run the checks, store the run and its per-service history, open and resolve alerts (with
flapping recorded on them), and store benchmark measurements for the report."""

import numbers
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.operations.models import HealthAlert, ServiceHealthCheck
from apps.validation import history, selectors
from apps.validation.checks import REGISTRY, CheckResult, Status
from apps.validation.models import (
    MeasurementKind,
    RunStatus,
    ValidationMeasurement,
    ValidationRun,
)

HEALTH_STATUS = {
    Status.PASS: "healthy",
    Status.WARN: "degraded",
    Status.FAIL: "unhealthy",
    Status.NOT_MEASURED: "unknown",
}


class UnknownCheck(ValueError):
    pass


class InvalidMeasurement(ValueError):
    """A measurement that cannot be stored; the message says what is wrong."""


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
            _alert(result, run.environment)
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


def _flap_note(changes: int) -> str:
    return f"{changes} status changes in the last {history.FLAP_WINDOW} checks"


def _alert(result: CheckResult, environment: str) -> None:
    """A failing critical check opens one alert per service; a later pass resolves it, unless
    the service is flapping: then the alert stays open, with the flap count, until a pass finds
    the service stable. Every open alert carries the service's current flap count."""
    if result.status == Status.NOT_MEASURED:
        return
    changes = history.flaps(
        selectors.recent_statuses(
            service=result.service, environment=environment, limit=history.FLAP_WINDOW
        )
    )
    flapping = history.is_flapping(changes)
    flap = {"flaps": changes, "flapping": flapping, "flap_window": history.FLAP_WINDOW}
    open_alerts = list(
        HealthAlert.objects.select_for_update().filter(
            tenant__isnull=True, service=result.service, metric="readiness", resolved=False
        )
    )
    now = timezone.now()
    if result.status == Status.FAIL and result.critical:
        if not open_alerts:
            failing = [item.name for item in result.findings if item.status == Status.FAIL]
            message = result.error or f"failing: {', '.join(failing)}"
            HealthAlert.objects.create(
                tenant=None,
                severity="critical",
                service=result.service,
                metric="readiness",
                message=message + (f" (flapping: {_flap_note(changes)})" if flapping else ""),
                threshold=Decimal(0),
                current_value=Decimal(len(failing) or 1),
                metadata={"check": result.check, **flap},
            )
        for alert in open_alerts:
            alert.metadata = {**alert.metadata, **flap}
            alert.save(update_fields=["metadata", "updated_at"])
    elif result.status in (Status.PASS, Status.WARN):
        for alert in open_alerts:
            alert.metadata = {**alert.metadata, **flap}
            if flapping:
                alert.metadata["kept_open"] = (
                    f"passed at {now.isoformat()} but flapping ({_flap_note(changes)})"
                )
                alert.save(update_fields=["metadata", "updated_at"])
                continue
            alert.resolved, alert.resolved_at = True, now
            alert.resolution_notes = "the readiness check passed again" + (
                f" ({_flap_note(changes)})" if changes else ""
            )
            alert.save(
                update_fields=["metadata", "resolved", "resolved_at", "resolution_notes",
                               "updated_at"]
            )  # fmt: skip


def availability(service: str, *, since) -> float | None:
    """Share of passing (healthy or degraded) checks of a service since `since`, computed from
    the stored history; None when nothing was measured."""
    points = selectors.service_points(since=since, service=service)
    return history.availability(
        [point for series in points.values() for point in series], since=since
    )


# --- measurements --------------------------------------------------------------------------------

# The figures each kind must hold (nested keys for nested dicts); numbers must be numbers.
REQUIRED_FIGURES: dict[str, dict[str, Any]] = {
    MeasurementKind.PGBOUNCER_POOLING: {
        "clients": "number",
        "queries_per_client": "number",
        "max_connections": "number",
        "pooled": {
            "completed": "number",
            "errors": "number",
            "max_server_connections": "number",
            "wall_s": "number",
        },
        "direct": {
            "completed": "number",
            "errors": "number",
            "max_server_connections": "number",
            "wall_s": "number",
        },
    },
    MeasurementKind.CACHE_BENEFIT: {
        "endpoint": "text",
        "requests_per_mode": "number",
        "cold": {"p50_ms": "number", "p95_ms": "number", "mean_ms": "number"},
        "warm": {"p50_ms": "number", "p95_ms": "number", "mean_ms": "number"},
    },
}


def _figure_errors(figures: Any, spec: Mapping[str, Any], path: str = "figures") -> list[str]:
    if not isinstance(figures, Mapping):
        return [f"{path} must be an object"]
    errors = []
    for key, expected in spec.items():
        where = f"{path}.{key}"
        if key not in figures:
            errors.append(f"{where} is missing")
        elif isinstance(expected, Mapping):
            errors += _figure_errors(figures[key], expected, where)
        elif expected == "number" and (
            isinstance(figures[key], bool) or not isinstance(figures[key], numbers.Real)
        ):
            errors.append(f"{where} must be a number")
        elif expected == "text" and not (isinstance(figures[key], str) and figures[key]):
            errors.append(f"{where} must be a non-empty string")
    return errors


@transaction.atomic
def measurement_record(
    *,
    kind: str,
    figures: dict[str, Any],
    command: str,
    host: str,
    started_at: datetime,
    finished_at: datetime,
    notes: str = "",
) -> ValidationMeasurement:
    """Store what a benchmark measured, for the validation report. Refuses (InvalidMeasurement,
    nothing written) a kind it does not know, figures lacking what the report shows, or times
    that run backwards."""
    if kind not in MeasurementKind.values:
        raise InvalidMeasurement(
            f"unknown kind {kind!r}; known: {', '.join(MeasurementKind.values)}"
        )
    errors = _figure_errors(figures, REQUIRED_FIGURES[kind])
    if not command.strip():
        errors.append("command must name what was run")
    if not host.strip():
        errors.append("host must name where it ran")
    if finished_at < started_at:
        errors.append("finished_at is before started_at")
    if errors:
        raise InvalidMeasurement("; ".join(errors))
    return ValidationMeasurement.objects.create(
        kind=kind,
        figures=figures,
        command=command,
        host=host[:255],
        started_at=started_at,
        finished_at=finished_at,
        notes=notes,
    )
