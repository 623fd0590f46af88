"""Stored load-test runs: what was asked, what happened, and every figure the reports show.

A run is created `queued` (or `running` when the command runs it in-process), moves to
`running`, and ends `passed` / `failed` (thresholds) / `errored` (it could not complete: the
login failed, an exception, or the reaper found its heartbeat silent) / `cancelled`. A result
the worker stores after the reaper's `errored` replaces it (`reaped_at` records the guess).
`result` keeps the engine's whole mergeable result (HDR-encoded trends, the per-second series),
from which runs are compared; the other JSON columns are what lists, charts and reports read
without decoding it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimestampedModel, choices_check


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed (thresholds)"
    ERRORED = "errored", "Errored"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERRORED, RunStatus.CANCELLED)


class LoadTestRun(TimestampedModel):
    # Runs from the command line belong to no tenant (superusers review them); runs started
    # from the admin or the API belong to the starter's tenant.
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    target_url = models.CharField(max_length=500)
    executor = models.CharField(max_length=40)
    # The command's options (never the login password), from which the run can be made again.
    options = models.JSONField()
    config = models.JSONField(default=dict)
    workers = models.PositiveSmallIntegerField(default=1)
    task_id = models.CharField(max_length=100, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the reaper last marked the run errored for a silent heartbeat; kept when the
    # worker's result arrives afterwards and replaces that guess.
    reaped_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    is_baseline = models.BooleanField(default=False)
    baseline = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    # A run split over several workers (`--workers N`): each part is a run of its own whose
    # parent holds the merged result.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="parts",
        db_index=False,
    )  # fmt: skip
    # Headline figures (for lists and comparisons without decoding `result`).
    requests = models.BigIntegerField(null=True, blank=True)
    request_rate = models.FloatField(null=True, blank=True)
    p95_ms = models.FloatField(null=True, blank=True)
    p99_ms = models.FloatField(null=True, blank=True)
    error_rate = models.FloatField(null=True, blank=True)
    percentile_method = models.CharField(max_length=10, blank=True)
    summary = models.JSONField(default=dict)  # metric -> {values, method}
    thresholds = models.JSONField(default=list)  # [{metric, expression, observed, ok, …}]
    series = models.JSONField(default=list)  # one point per second (without histograms)
    status_counts = models.JSONField(default=dict)
    path_stats = models.JSONField(default=list)
    result = models.JSONField(null=True, blank=True)  # RunResult.to_dict()

    tenant_path = "tenant"

    class Meta:
        db_table = "load_test_runs"
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", RunStatus, "load_test_runs_status_check"),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="load_test_runs_created_idx"),
            models.Index(fields=["status"], name="load_test_runs_status_idx"),
            models.Index(fields=["tenant"], name="load_test_runs_tenant_idx"),
            models.Index(
                fields=["parent"],
                name="load_test_runs_parent_idx",
                condition=Q(parent__isnull=False),
            ),
            models.Index(
                fields=["target_url"],
                name="load_test_runs_baseline_idx",
                condition=Q(is_baseline=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.target_url} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
