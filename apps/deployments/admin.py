from django.contrib import admin

from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.deployments.models import (
    ApprovalHistory,
    CloudMigration,
    DeploymentApproval,
    DeploymentExecution,
    DeploymentLog,
    DeploymentStep,
    MigrationRisk,
    MigrationWorkload,
)


@admin.register(DeploymentApproval)
class DeploymentApprovalAdmin(DharmaModelAdmin):
    list_display = (
        "deployment_id",
        "environment",
        "status",
        "priority",
        "requested_by",
        "requested_at",
        "reviewed_by",
    )
    list_filter = ("status", "priority", "environment")
    list_select_related = ("requested_by", "reviewed_by")
    search_fields = ("environment", "comments", "reason")
    date_hierarchy = "requested_at"


@admin.register(ApprovalHistory)
class ApprovalHistoryAdmin(AppendOnlyAdmin):
    list_display = ("approval", "action", "performed_by", "performed_at")
    list_filter = ("action",)
    list_select_related = ("approval", "performed_by")
    search_fields = ("notes",)
    date_hierarchy = "performed_at"


@admin.register(CloudMigration)
class CloudMigrationAdmin(DharmaModelAdmin):
    list_display = (
        "name",
        "project",
        "status",
        "phase",
        "priority",
        "progress",
        "target_completion_date",
    )
    list_filter = ("status", "phase", "priority")
    list_select_related = ("project",)
    search_fields = ("name", "description")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)


@admin.register(MigrationWorkload)
class MigrationWorkloadAdmin(DharmaModelAdmin):
    list_display = ("name", "migration", "status", "expected_date", "migrated_date")
    list_filter = ("status",)
    list_select_related = ("migration",)
    search_fields = ("name", "description", "migration__name")
    date_hierarchy = "created_at"


@admin.register(MigrationRisk)
class MigrationRiskAdmin(DharmaModelAdmin):
    list_display = (
        "description",
        "migration",
        "category",
        "severity",
        "probability",
        "impact",
        "status",
    )
    list_filter = ("severity", "probability", "impact", "status", "category")
    list_select_related = ("migration",)
    search_fields = ("description", "mitigation")
    date_hierarchy = "identified_date"


@admin.register(DeploymentExecution)
class DeploymentExecutionAdmin(DharmaModelAdmin):
    list_display = (
        "deployment_id",
        "environment",
        "deployment_type",
        "status",
        "progress",
        "target_version",
        "started_at",
    )
    list_filter = ("status", "deployment_type", "environment", "pre_checks_passed")
    list_select_related = ("started_by",)
    search_fields = ("environment", "target_version", "current_step")
    date_hierarchy = "created_at"


@admin.register(DeploymentStep)
class DeploymentStepAdmin(DharmaModelAdmin):
    list_display = ("step_order", "step_name", "execution", "status", "progress", "duration")
    list_filter = ("status",)
    list_select_related = ("execution",)
    search_fields = ("step_name", "error_message")
    date_hierarchy = "created_at"


@admin.register(DeploymentLog)
class DeploymentLogAdmin(AppendOnlyAdmin):
    list_display = ("timestamp", "log_level", "service", "message", "execution")
    list_filter = ("log_level", "service")
    list_select_related = ("execution",)
    search_fields = ("message", "service", "host")
    date_hierarchy = "timestamp"
