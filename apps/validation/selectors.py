"""Reads of the validation history: per-service summaries and histories of the platform's own
checks (`service_health_checks` rows without a tenant), and stored measurements."""

from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from apps.operations.models import ServiceHealthCheck
from apps.validation import history
from apps.validation.models import MeasurementKind, ValidationMeasurement


def _platform_checks(queryset: QuerySet | None = None) -> QuerySet:
    base = ServiceHealthCheck.objects.all() if queryset is None else queryset
    return base.filter(tenant__isnull=True)


def service_points(
    *, since: datetime, service: str | None = None, queryset: QuerySet | None = None
) -> dict[tuple[str, str], list[history.Point]]:
    """The checks since `since`, newest first, by (service, environment). One query."""
    rows = _platform_checks(queryset).filter(checked_at__gte=since)
    if service is not None:
        rows = rows.filter(service_name=service)
    points: dict[tuple[str, str], list[history.Point]] = defaultdict(list)
    for name, environment, status, checked_at in rows.order_by("-checked_at").values_list(
        "service_name", "environment", "status", "checked_at"
    ):
        points[(name, environment)].append(history.Point(checked_at, status))
    return dict(points)


def service_summaries(
    *, now: datetime | None = None, queryset: QuerySet | None = None
) -> list[history.ServiceSummary]:
    """Every service checked within the longest window, with its availability and flaps."""
    now = now or timezone.now()
    since = now - max(history.WINDOWS.values())
    return [
        history.summarise(service, environment, points, now)
        for (service, environment), points in sorted(
            service_points(since=since, queryset=queryset).items()
        )
    ]


def service_summary(
    *, service: str, environment: str, now: datetime | None = None, queryset=None
) -> history.ServiceSummary | None:
    now = now or timezone.now()
    since = now - max(history.WINDOWS.values())
    points = service_points(since=since, service=service, queryset=queryset).get(
        (service, environment)
    )
    return history.summarise(service, environment, points, now) if points else None


def service_history(
    *, service: str, environment: str, limit: int = 100, queryset: QuerySet | None = None
) -> list[ServiceHealthCheck]:
    """The latest `limit` checks of one service, newest first."""
    return list(
        _platform_checks(queryset)
        .filter(service_name=service, environment=environment)
        .order_by("-checked_at")[:limit]
    )


def recent_statuses(*, service: str, environment: str, limit: int) -> list[str]:
    """The statuses of the latest `limit` measured checks of a service, newest first."""
    return list(
        _platform_checks()
        .filter(service_name=service, environment=environment)
        .exclude(status=history.UNMEASURED)
        .order_by("-checked_at")
        .values_list("status", flat=True)[:limit]
    )


def measurement_latest(kind: str) -> ValidationMeasurement | None:
    return (
        ValidationMeasurement.objects.filter(tenant__isnull=True, kind=kind)
        .order_by("-finished_at")
        .first()
    )


def measurements_for_report(
    chosen: list[ValidationMeasurement] | None = None,
) -> dict[str, ValidationMeasurement | None]:
    """One measurement per kind: the chosen one where given, else the latest stored."""
    by_kind = {measurement.kind: measurement for measurement in chosen or []}
    return {kind: by_kind.get(kind) or measurement_latest(kind) for kind in MeasurementKind.values}
