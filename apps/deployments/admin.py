"""Deployments in the admin. Approvals and executions are state machines: their fields are
read-only and they move only through actions calling the services the API uses — approve,
reject (PM, Admin), cancel (the requester or an approver); cancel and roll back executions
(SE, Admin) — with the API's rights. Steps, logs and the approval history are records."""

import json

from django.contrib import admin
from django.utils.html import format_html

from apps.accounts import rbac
from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.core.admin_actions import each
from apps.deployments import services
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


class ApprovalHistoryInline(admin.TabularInline):
    model = ApprovalHistory
    extra = 0
    can_delete = False
    fields = ("performed_at", "action", "performed_by", "notes", "previous_state", "new_state")
    readonly_fields = fields
    ordering = ("performed_at",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _version_label(row) -> str:
    version = row.blueprint_version
    return f"{version.blueprint.name} v{version.version_number}"


def _may(request, action: str, row, owner_id) -> bool:
    return rbac.allows(
        request.user, "deployment", action, project_id=row.project_id, owner_id=owner_id
    )


def _may_cancel(request, approval: DeploymentApproval) -> bool:
    """The requester (holding a grant that opens the request) or an approver of its project."""
    if approval.requested_by_id == request.user.pk:
        return any(
            _may(request, action, approval, approval.requested_by_id)
            for action in ("approve", "create", "execute")
        )
    return rbac.allows(request.user, "deployment", "approve", project_id=approval.project_id)


@admin.register(DeploymentApproval)
class DeploymentApprovalAdmin(DharmaModelAdmin):
    """Requests are made through the API (which records the estimate the approver sees);
    here they are reviewed, and approved or rejected through the same services."""

    list_display = (
        "environment",
        "version",
        "status",
        "priority",
        "estimated_monthly_cost",
        "requested_by",
        "requested_at",
        "reviewed_by",
    )
    list_filter = ("status", "priority", "environment")
    list_select_related = ("requested_by", "reviewed_by", "blueprint_version__blueprint")
    search_fields = ("environment", "comments", "reason")
    date_hierarchy = "requested_at"
    inlines = (ApprovalHistoryInline,)
    actions = ["approve", "reject", "cancel"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blueprint_version__graph_json")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + ["cost"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # moved by the actions only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="version")
    def version(self, approval: DeploymentApproval) -> str:
        return _version_label(approval)

    @admin.display(description="cost and budget when requested")
    def cost(self, approval: DeploymentApproval) -> str:
        figures = (approval.metadata or {}).get("cost") or {}
        if not figures:
            return "-"
        budget = figures.get("monthly_budget")
        return (
            f"{figures.get('monthly_estimate')} {figures.get('currency')} a month; "
            + (
                f"{figures.get('budget_scope')} budget {budget} a month"
                if budget is not None
                else "no budget allocation applies"
            )
            + (" (over budget)" if figures.get("over_budget") else "")
        )

    def _move(self, request, queryset, change, verb: str, may) -> None:
        each(
            self, request, queryset, may=may,
            change=lambda approval: change(
                user=request.user, approval=approval, comment=f"{verb} in the admin."
            ),
            done=f"request(s) {verb.lower()}",
        )  # fmt: skip

    def _may_approve(self, request):
        return lambda row: _may(request, "approve", row, row.requested_by_id)

    @admin.action(description="Approve", permissions=["view"])
    def approve(self, request, queryset):
        self._move(
            request, queryset, services.approval_approve, "Approved", self._may_approve(request)
        )

    @admin.action(description="Reject", permissions=["view"])
    def reject(self, request, queryset):
        self._move(
            request, queryset, services.approval_reject, "Rejected", self._may_approve(request)
        )

    @admin.action(description="Cancel", permissions=["view"])
    def cancel(self, request, queryset):
        self._move(
            request, queryset, services.approval_cancel, "Cancelled",
            lambda row: _may_cancel(request, row),
        )  # fmt: skip


class RecordAdmin(AppendOnlyAdmin):
    """Rows the deployment services write: read, never added by hand."""

    def has_add_permission(self, request):
        return False


@admin.register(ApprovalHistory)
class ApprovalHistoryAdmin(RecordAdmin):
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


class DeploymentStepInline(admin.TabularInline):
    model = DeploymentStep
    extra = 0
    can_delete = False
    fields = ("step_order", "step_name", "status", "started_at", "duration", "output",
              "error_message")  # fmt: skip
    readonly_fields = fields
    ordering = ("step_order",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeploymentLogInline(admin.TabularInline):
    model = DeploymentLog
    extra = 0
    can_delete = False
    fields = ("timestamp", "log_level", "step", "message")
    readonly_fields = fields
    ordering = ("timestamp", "created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeploymentExecution)
class DeploymentExecutionAdmin(DharmaModelAdmin):
    """Executions are created through the API or services (the gates apply); here they are
    read, with their steps, logs and plan, and can be cancelled."""

    list_display = (
        "environment",
        "version",
        "deployment_type",
        "status",
        "outcome",
        "progress",
        "started_by",
        "started_at",
        "completed_at",
    )
    list_filter = ("status", "deployment_type", "environment", "pre_checks_passed")
    list_select_related = ("started_by", "blueprint_version__blueprint")
    search_fields = ("environment", "target_version", "current_step", "error_message")
    date_hierarchy = "created_at"
    inlines = (DeploymentStepInline, DeploymentLogInline)
    actions = ["cancel", "rollback"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blueprint_version__graph_json")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + ["outcome", "plan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # moved by the actions only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="version")
    def version(self, execution: DeploymentExecution) -> str:
        return _version_label(execution)

    @admin.display(description="outcome")
    def outcome(self, execution: DeploymentExecution) -> str:
        if (execution.metadata or {}).get("outcome") == "planned":
            return "planned, not applied"
        return execution.get_status_display()

    @admin.display(description="plan")
    def plan(self, execution: DeploymentExecution) -> str:
        plan = (execution.metadata or {}).get("plan")
        if not plan:
            return "No plan (the plan step has not run)."
        rows = [(symbol, resource["address"]) for symbol, key in PLAN_SYMBOLS
                for resource in plan.get(key, [])]  # fmt: skip
        return format_html(
            "<p>{} (from version {} to version {})</p><pre>{}</pre>"
            '<details><summary>Plan as JSON</summary><pre style="max-height:40em;'
            'overflow:auto">{}</pre></details>',
            plan.get("headline", ""),
            plan.get("from_version") or "none",
            plan.get("to_version"),
            "\n".join(f"{symbol} {address}" for symbol, address in rows) or "(no changes)",
            json.dumps(plan, indent=2, sort_keys=True),
        )

    def _run(self, request, queryset, change, verb: str) -> None:
        each(
            self, request, queryset,
            may=lambda row: _may(request, "execute", row, row.started_by_id),
            change=lambda execution: change(
                user=request.user, execution=execution, reason=f"{verb} in the admin."
            ),
            done=f"execution(s) {verb.lower()}",
        )  # fmt: skip

    @admin.action(description="Cancel", permissions=["view"])
    def cancel(self, request, queryset):
        self._run(request, queryset, services.execution_cancel, "Cancelled")

    @admin.action(description="Roll back (a new execution of the version before)",
                  permissions=["view"])  # fmt: skip
    def rollback(self, request, queryset):
        self._run(request, queryset, services.execution_rollback, "Rolled back")


PLAN_SYMBOLS = (("+", "add"), ("~", "change"), ("-/+", "replace"), ("-", "destroy"))


@admin.register(DeploymentStep)
class DeploymentStepAdmin(RecordAdmin):
    list_display = ("step_order", "step_name", "execution", "status", "progress", "duration")
    list_filter = ("status",)
    list_select_related = ("execution",)
    search_fields = ("step_name", "error_message")
    date_hierarchy = "created_at"


@admin.register(DeploymentLog)
class DeploymentLogAdmin(RecordAdmin):
    list_display = ("timestamp", "log_level", "service", "message", "execution")
    list_filter = ("log_level", "service")
    list_select_related = ("execution",)
    search_fields = ("message", "service", "host")
    date_hierarchy = "timestamp"
