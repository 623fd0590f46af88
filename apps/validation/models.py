"""A validation run: which checks ran, when, and what each measured. Each check's result is
also kept in `service_health_checks` (the per-service history availability is computed from),
and a failing critical check opens a `health_alerts` row that a later pass resolves."""

from django.conf import settings
from django.db import models

from apps.core.fields import tenant_fk
from apps.core.models import CreatedModel, choices_check
from apps.operations.models import ServiceHealthCheck


class RunStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    WARNED = "warned", "Passed with warnings"
    FAILED = "failed", "Failed (a critical check failed)"


class ValidationRun(CreatedModel):
    trigger = models.CharField(max_length=20, default="command")  # command, schedule, admin
    environment = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    checks = models.JSONField(default=list)  # the names asked for
    results = models.JSONField(default=list)  # CheckResult.to_dict() for each
    critical_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    tenant_path = "created_by__tenant"

    class Meta:
        db_table = "validation_runs"
        ordering = ["-started_at"]
        constraints = [choices_check("status", RunStatus, "validation_runs_status_check")]
        indexes = [models.Index(fields=["-started_at"], name="validation_runs_started_idx")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"


class ServiceAvailability(ServiceHealthCheck):
    """The per-service view of `service_health_checks` in the admin: each service's latest
    status, availability over 1 h / 24 h / 7 d, flapping, and its history (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "service availability"
        verbose_name_plural = "service availability"


class MeasurementKind(models.TextChoices):
    PGBOUNCER_POOLING = "pgbouncer-pooling", "PgBouncer pooling under concurrent clients"
    CACHE_BENEFIT = "cache-benefit", "Cache benefit (cold against warm cache)"


class ValidationMeasurement(CreatedModel):
    """A figure measured by a benchmark (`benchmarks/pgbouncer_clients.py --record`,
    `benchmarks/cache_benefit.py --record`) that the validation report shows instead of a claim:
    what was measured, by which command, on which host, when."""

    # NULL: a measurement of Dharma's own platform (what the benchmarks record).
    tenant = tenant_fk(null=True)
    kind = models.CharField(max_length=30, choices=MeasurementKind.choices)
    figures = models.JSONField()
    command = models.TextField()
    host = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    notes = models.TextField(blank=True)

    class Meta:
        db_table = "validation_measurements"
        ordering = ["-finished_at"]
        constraints = [
            choices_check("kind", MeasurementKind, "validation_measurements_kind_check"),
            models.CheckConstraint(
                condition=models.Q(finished_at__gte=models.F("started_at")),
                name="validation_measurements_times_check",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-finished_at"], name="validation_meas_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.finished_at:%Y-%m-%d %H:%M:%S}"
