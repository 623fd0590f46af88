"""A validation run: which checks ran, when, and what each measured. Each check's result is
also kept in `service_health_checks` (the per-service history availability is computed from),
and a failing critical check opens a `health_alerts` row that a later pass resolves."""

from django.conf import settings
from django.db import models

from apps.core.models import CreatedModel, choices_check


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
