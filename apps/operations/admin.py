from django.contrib import admin
from django.utils import timezone

from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.operations.models import (
    HealthAlert,
    Incident,
    IncidentReview,
    IncidentTimeline,
    IncidentUpdate,
    InfrastructureMetric,
    KpiMetric,
    KpiTarget,
    ServiceHealthCheck,
)


@admin.register(Incident)
class IncidentAdmin(DharmaModelAdmin):
    list_display = (
        "title",
        "severity",
        "priority",
        "status",
        "detected_by",
        "reported_at",
        "assigned_to",
    )
    list_filter = ("status", "severity", "priority", "detected_by")
    list_select_related = ("assigned_to",)
    search_fields = ("title", "description", "resolution")
    date_hierarchy = "reported_at"


@admin.register(IncidentTimeline)
class IncidentTimelineAdmin(AppendOnlyAdmin):
    list_display = ("incident", "event_type", "user", "timestamp")
    list_filter = ("event_type",)
    list_select_related = ("incident", "user")
    search_fields = ("details", "incident__title")
    date_hierarchy = "timestamp"


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(AppendOnlyAdmin):
    list_display = ("incident", "update_type", "visibility", "user", "created_at")
    list_filter = ("update_type", "visibility")
    list_select_related = ("incident", "user")
    search_fields = ("comment", "incident__title")
    date_hierarchy = "created_at"


@admin.register(IncidentReview)
class IncidentReviewAdmin(DharmaModelAdmin):
    list_display = ("incident", "status", "conducted_by", "conducted_at")
    list_filter = ("status",)
    list_select_related = ("incident", "conducted_by")
    search_fields = ("root_cause", "lessons_learned", "incident__title")
    date_hierarchy = "created_at"


@admin.register(KpiMetric)
class KpiMetricAdmin(AppendOnlyAdmin):
    list_display = (
        "metric_name",
        "metric_category",
        "metric_value",
        "metric_unit",
        "period_start",
        "period_end",
    )
    list_filter = ("metric_category", "time_period")
    search_fields = ("metric_name",)
    date_hierarchy = "period_start"


@admin.register(KpiTarget)
class KpiTargetAdmin(DharmaModelAdmin):
    list_display = (
        "metric_name",
        "metric_category",
        "comparison_operator",
        "target_value",
        "status",
        "effective_from",
    )
    list_filter = ("metric_category", "status", "comparison_operator")
    search_fields = ("metric_name",)
    date_hierarchy = "effective_from"


@admin.register(ServiceHealthCheck)
class ServiceHealthCheckAdmin(AppendOnlyAdmin):
    list_display = (
        "service_name",
        "environment",
        "status",
        "check_type",
        "response_time",
        "checked_at",
    )
    list_filter = ("status", "check_type", "environment", "service_name")
    search_fields = ("service_name", "version")
    date_hierarchy = "checked_at"


@admin.register(InfrastructureMetric)
class InfrastructureMetricAdmin(AppendOnlyAdmin):
    list_display = (
        "metric_name",
        "metric_category",
        "metric_value",
        "metric_unit",
        "resource_id",
        "timestamp",
    )
    list_filter = ("metric_category", "environment")
    search_fields = ("metric_name", "resource_id", "resource_type")
    date_hierarchy = "timestamp"


@admin.register(HealthAlert)
class HealthAlertAdmin(DharmaModelAdmin):
    list_display = (
        "service",
        "metric",
        "severity",
        "message",
        "triggered_at",
        "flaps",
        "acknowledged",
        "resolved",
    )
    list_filter = ("severity", "acknowledged", "resolved", "service")
    search_fields = ("service", "metric", "message")
    date_hierarchy = "triggered_at"
    actions = ["acknowledge", "resolve"]

    @admin.display(description="status changes (last checks)")
    def flaps(self, alert: HealthAlert) -> str:
        """Recorded by the validation runs: the service's status changes over its last checks
        when the alert was opened or last updated, and whether that is flapping."""
        if "flaps" not in alert.metadata:
            return "-"
        count = f"{alert.metadata['flaps']} in the last {alert.metadata.get('flap_window', '?')}"
        return f"{count}: flapping" if alert.metadata.get("flapping") else count

    @admin.action(description="Acknowledge")
    def acknowledge(self, request, queryset) -> None:
        count = queryset.filter(acknowledged=False).update(
            acknowledged=True, acknowledged_by=request.user, acknowledged_at=timezone.now()
        )
        self.message_user(request, f"{count} alert(s) acknowledged.")

    @admin.action(description="Resolve")
    def resolve(self, request, queryset) -> None:
        count = queryset.filter(resolved=False).update(
            resolved=True,
            resolved_at=timezone.now(),
            resolution_notes=f"resolved by hand by {request.user}",
        )
        self.message_user(request, f"{count} alert(s) resolved.")
