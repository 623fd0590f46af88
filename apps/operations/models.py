"""Operations: incidents and KPIs (original V005) and health checks, infrastructure metrics and
health alerts (V006)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import project_fk, tenant_fk, user_fk
from apps.core.models import (
    NOT_DELETED,
    AlertSeverity,
    CreatedModel,
    Priority,
    SoftDeleteModel,
    TimestampedModel,
    choices_check,
)
from apps.operations.choices import (
    CheckType,
    ComparisonOperator,
    DetectedBy,
    HealthStatus,
    IncidentPriority,
    IncidentStatus,
    InfrastructureCategory,
    MetricCategory,
    ReviewStatus,
    TargetStatus,
    TimelineEvent,
    TimePeriod,
    UpdateType,
    Visibility,
)


class Incident(TimestampedModel, SoftDeleteModel):
    """open → acknowledged → investigating → resolving → resolved → closed."""

    tenant = tenant_fk()
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=20, choices=Priority.choices)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    priority = models.CharField(max_length=2, choices=IncidentPriority.choices)
    detected_by = models.CharField(max_length=50, choices=DetectedBy.choices)
    reported_by = user_fk()
    reported_at = models.DateTimeField(default=timezone.now)
    assigned_to = user_fk(null=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response_time = models.IntegerField(null=True, blank=True, help_text="minutes")
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    affected_users = models.IntegerField(null=True, blank=True)
    affected_requests = models.IntegerField(null=True, blank=True)
    error_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    root_cause = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="caused",
        db_index=False,
    )  # fmt: skip
    affected_services = models.JSONField(default=list, blank=True)
    related_incident_ids = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "incidents"
        ordering = ["-reported_at"]
        constraints = [
            choices_check("severity", Priority, "incidents_severity_check"),
            choices_check("status", IncidentStatus, "incidents_status_check"),
            choices_check("priority", IncidentPriority, "incidents_priority_check"),
        ]
        # GIN on affected_services: PostgreSQL only, created by migration 0002.
        indexes = [
            models.Index(fields=["tenant"], name="incidents_tenant_idx", condition=NOT_DELETED),
            models.Index(fields=["severity"], name="incidents_severity_idx"),
            models.Index(fields=["status"], name="incidents_status_idx", condition=NOT_DELETED),
            models.Index(fields=["priority"], name="incidents_priority_idx"),
            models.Index(fields=["reported_by"], name="incidents_reported_by_idx"),
            models.Index(
                fields=["assigned_to"],
                name="incidents_assigned_to_idx",
                condition=Q(assigned_to__isnull=False),
            ),
            models.Index(fields=["-reported_at"], name="incidents_reported_at_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentTimeline(CreatedModel):
    """An event in an incident's life (append-only): created, assigned, resolved, comment..."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", db_index=False
    )
    event_type = models.CharField(max_length=50, choices=TimelineEvent.choices)
    user = user_fk()
    timestamp = models.DateTimeField(default=timezone.now)
    details = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "incident__tenant"

    class Meta:
        db_table = "incident_timeline"
        ordering = ["-timestamp"]
        verbose_name_plural = "incident timeline"
        indexes = [
            models.Index(fields=["incident"], name="incident_timeline_incident_idx"),
            models.Index(fields=["-timestamp"], name="incident_timeline_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} at {self.timestamp:%Y-%m-%d %H:%M}"


class IncidentUpdate(CreatedModel):
    """A change or comment on an incident, with its visibility (append-only)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    update_type = models.CharField(max_length=50, choices=UpdateType.choices)
    user = user_fk(null=True)
    previous_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL
    )

    tenant_path = "incident__tenant"

    class Meta:
        db_table = "incident_updates"
        ordering = ["-created_at"]
        constraints = [choices_check("visibility", Visibility, "incident_updates_visibility_check")]
        indexes = [
            models.Index(fields=["incident"], name="incident_updates_incident_idx"),
            models.Index(fields=["-created_at"], name="incident_updates_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.update_type} on {self.incident_id}"


class IncidentReview(TimestampedModel):
    """The post-incident review: root cause, lessons and action items."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    conducted_by = user_fk(null=True)
    conducted_at = models.DateTimeField(null=True, blank=True)
    root_cause = models.TextField()
    contributing_factors = models.TextField(blank=True)
    timeline_accuracy = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    prevention_measures = models.TextField(blank=True)
    monitoring_improvements = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    action_items = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    tenant_path = "incident__tenant"

    class Meta:
        db_table = "incident_reviews"
        ordering = ["-created_at"]
        constraints = [choices_check("status", ReviewStatus, "incident_reviews_status_check")]
        indexes = [
            models.Index(fields=["incident"], name="incident_reviews_incident_idx"),
            models.Index(fields=["status"], name="incident_reviews_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.incident_id}"


class KpiMetric(CreatedModel):
    """One measured KPI value over a period (append-only)."""

    tenant = tenant_fk()
    project = project_fk(null=True, related_name="kpi_metrics")
    metric_name = models.CharField(max_length=100)
    metric_category = models.CharField(max_length=50, choices=MetricCategory.choices)
    metric_value = models.DecimalField(max_digits=12, decimal_places=2)
    metric_unit = models.CharField(max_length=50, blank=True)
    time_period = models.CharField(max_length=20, choices=TimePeriod.choices, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "kpi_metrics"
        ordering = ["-period_start"]
        indexes = [
            models.Index(fields=["tenant"], name="kpi_metrics_tenant_idx"),
            models.Index(
                fields=["project"],
                name="kpi_metrics_project_idx",
                condition=Q(project__isnull=False),
            ),
            models.Index(fields=["metric_category"], name="kpi_metrics_category_idx"),
            models.Index(fields=["metric_name"], name="kpi_metrics_name_idx"),
            models.Index(fields=["period_start", "period_end"], name="kpi_metrics_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_name} = {self.metric_value} {self.metric_unit}".strip()


class KpiTarget(TimestampedModel):
    """The target and warning/critical thresholds a KPI is compared against."""

    tenant = tenant_fk()
    project = project_fk(null=True, related_name="kpi_targets")
    metric_name = models.CharField(max_length=100)
    metric_category = models.CharField(max_length=50, choices=MetricCategory.choices)
    target_value = models.DecimalField(max_digits=12, decimal_places=2)
    threshold_warning = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    threshold_critical = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    comparison_operator = models.CharField(max_length=5, choices=ComparisonOperator.choices)
    fiscal_year = models.IntegerField(null=True, blank=True)
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=TargetStatus.choices, default=TargetStatus.ACTIVE
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "kpi_targets"
        ordering = ["metric_name"]
        constraints = [
            choices_check(
                "comparison_operator", ComparisonOperator, "kpi_targets_comparison_operator_check"
            ),
            choices_check("status", TargetStatus, "kpi_targets_status_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="kpi_targets_tenant_idx"),
            models.Index(fields=["metric_name"], name="kpi_targets_metric_name_idx"),
            models.Index(fields=["status"], name="kpi_targets_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_name} {self.comparison_operator} {self.target_value}"


class ServiceHealthCheck(CreatedModel):
    """One health check result of a service (append-only history).

    `tenant` NULL for checks of Dharma's own platform.
    """

    tenant = tenant_fk(null=True)
    service_name = models.CharField(max_length=100)
    environment = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=HealthStatus.choices)
    check_type = models.CharField(max_length=20, choices=CheckType.choices)
    response_time = models.IntegerField(null=True, blank=True, help_text="milliseconds")
    error_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    requests_per_second = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    cpu_usage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    memory_usage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    disk_usage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    version = models.CharField(max_length=50, blank=True)
    uptime = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    last_deployment = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    check_duration = models.IntegerField(null=True, blank=True, help_text="milliseconds")
    issues = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "service_health_checks"
        ordering = ["-checked_at"]
        constraints = [
            choices_check("status", HealthStatus, "service_health_checks_status_check"),
            choices_check("check_type", CheckType, "service_health_checks_check_type_check"),
        ]
        indexes = [
            models.Index(fields=["tenant"], name="health_checks_tenant_idx"),
            models.Index(fields=["environment"], name="health_checks_environment_idx"),
            models.Index(fields=["status"], name="health_checks_status_idx"),
            models.Index(fields=["-checked_at"], name="health_checks_checked_at_idx"),
            models.Index(
                fields=["service_name", "environment", "-checked_at"],
                name="health_checks_service_env_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_name}@{self.environment}: {self.status}"


class InfrastructureMetric(CreatedModel):
    """One sample of an infrastructure metric (append-only).

    `tenant` NULL for metrics of Dharma's own platform.
    """

    tenant = tenant_fk(null=True)
    environment = models.CharField(max_length=50)
    metric_category = models.CharField(max_length=50, choices=InfrastructureCategory.choices)
    metric_name = models.CharField(max_length=100)
    metric_value = models.DecimalField(max_digits=12, decimal_places=2)
    metric_unit = models.CharField(max_length=50, blank=True)
    resource_id = models.CharField(max_length=255, blank=True, null=True)
    resource_type = models.CharField(max_length=100, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "infrastructure_metrics"
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["tenant"], name="infra_metrics_tenant_idx"),
            models.Index(fields=["environment"], name="infra_metrics_environment_idx"),
            models.Index(fields=["metric_category"], name="infra_metrics_category_idx"),
            models.Index(fields=["-timestamp"], name="infra_metrics_timestamp_idx"),
            models.Index(
                fields=["resource_id"],
                name="infra_metrics_resource_idx",
                condition=Q(resource_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_name} = {self.metric_value} {self.metric_unit}".strip()


class HealthAlert(TimestampedModel):
    """A failing health measurement; resolved by a later passing one or by hand."""

    tenant = tenant_fk(null=True)
    severity = models.CharField(max_length=20, choices=AlertSeverity.choices)
    service = models.CharField(max_length=100, blank=True, null=True)
    metric = models.CharField(max_length=100)
    message = models.TextField()
    threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    current_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    triggered_at = models.DateTimeField(default=timezone.now)
    acknowledged = models.BooleanField(default=False)
    acknowledged_by = user_fk(null=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_notes = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "health_alerts"
        ordering = ["-triggered_at"]
        constraints = [choices_check("severity", AlertSeverity, "health_alerts_severity_check")]
        indexes = [
            models.Index(fields=["tenant"], name="health_alerts_tenant_idx"),
            models.Index(
                fields=["service"],
                name="health_alerts_service_idx",
                condition=Q(service__isnull=False),
            ),
            models.Index(fields=["severity"], name="health_alerts_severity_idx"),
            models.Index(
                fields=["resolved"], name="health_alerts_open_idx", condition=Q(resolved=False)
            ),
            models.Index(fields=["-triggered_at"], name="health_alerts_triggered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.severity}: {self.metric} on {self.service or 'platform'}"
