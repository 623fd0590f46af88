from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.core.models import Priority
from apps.deployments.choices import DeploymentType
from apps.deployments.models import (
    ApprovalHistory,
    DeploymentApproval,
    DeploymentExecution,
    DeploymentLog,
    DeploymentStep,
)
from apps.iac.choices import IacFormat

# --- input -------------------------------------------------------------------------------------


class ApprovalCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()
    environment = serializers.UUIDField()
    generation = serializers.UUIDField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.MEDIUM)
    deployment_window_start = serializers.DateTimeField(required=False, allow_null=True)
    deployment_window_end = serializers.DateTimeField(required=False, allow_null=True)
    estimated_duration = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=2**31 - 1,  # the column's range (integer)
        help_text="minutes",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    comments = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    affected_services = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, max_length=500
    )
    conditions = serializers.ListField(
        child=serializers.CharField(max_length=1000), required=False, max_length=100
    )

    def validate(self, attrs):
        start, end = attrs.get("deployment_window_start"), attrs.get("deployment_window_end")
        if start and end and start >= end:
            raise serializers.ValidationError(
                {"deployment_window_end": ["Must be after deployment_window_start."]}
            )
        return attrs


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ExecutionCreateSerializer(StrictSerializer):
    blueprint_version = serializers.UUIDField()
    environment = serializers.UUIDField()
    approval = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The approval to use (default: the newest usable approved one).",
    )
    generation = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A completed IaC generation of the version to deploy (default: generate).",
    )
    format = serializers.ChoiceField(choices=IacFormat.choices, default=IacFormat.TERRAFORM)
    deployment_type = serializers.ChoiceField(
        choices=DeploymentType.choices,
        default=DeploymentType.FULL,
        help_text="full, incremental or hotfix; a rollback is made with the rollback action.",
    )

    def validate_deployment_type(self, value: str) -> str:
        if value == DeploymentType.ROLLBACK:
            raise serializers.ValidationError(
                "A rollback is made with POST /api/v1/deployments/executions/{id}/rollback/."
            )
        return value


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


# --- output ------------------------------------------------------------------------------------


class ApprovalHistorySerializer(serializers.ModelSerializer):
    performed_by = serializers.UUIDField(source="performed_by_id", read_only=True)

    class Meta:
        model = ApprovalHistory
        fields = ["id", "action", "performed_by", "performed_at", "notes", "previous_state",
                  "new_state"]  # fmt: skip


class ApprovalSerializer(serializers.ModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)
    environment = serializers.UUIDField(source="target_environment_id", read_only=True)
    environment_name = serializers.CharField(source="environment", read_only=True)
    environment_type = serializers.CharField(source="target_environment.type", read_only=True)
    blueprint = serializers.UUIDField(source="blueprint_version.blueprint_id", read_only=True)
    blueprint_version = serializers.UUIDField(source="blueprint_version_id", read_only=True)
    version_number = serializers.IntegerField(
        source="blueprint_version.version_number", read_only=True
    )
    generation = serializers.UUIDField(source="generation_id", read_only=True, allow_null=True)
    requested_by = serializers.UUIDField(source="requested_by_id", read_only=True)
    reviewed_by = serializers.UUIDField(source="reviewed_by_id", read_only=True, allow_null=True)
    approved_by = serializers.UUIDField(source="approved_by_id", read_only=True, allow_null=True)
    rejected_by = serializers.UUIDField(source="rejected_by_id", read_only=True, allow_null=True)
    cost = serializers.SerializerMethodField()
    required_for = serializers.SerializerMethodField()

    class Meta:
        model = DeploymentApproval
        fields = [
            "id", "deployment_id", "status", "project", "environment", "environment_name",
            "environment_type", "blueprint", "blueprint_version", "version_number", "generation",
            "priority", "requested_by", "requested_at", "reviewed_by", "reviewed_at",
            "approved_by", "rejected_by", "deployment_window_start", "deployment_window_end",
            "estimated_duration", "estimated_monthly_cost", "cost", "required_for", "reason",
            "comments", "feedback", "affected_services", "conditions", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_cost(self, approval: DeploymentApproval) -> dict:
        """The estimate and budget figures when the request was made."""
        return (approval.metadata or {}).get("cost", {})

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_required_for(self, approval: DeploymentApproval) -> list[str]:
        """Why an approval was needed when requested: "production", "cost"."""
        return (approval.metadata or {}).get("required_for", [])


class ApprovalDetailSerializer(ApprovalSerializer):
    history = ApprovalHistorySerializer(many=True, read_only=True)

    class Meta(ApprovalSerializer.Meta):
        fields = [*ApprovalSerializer.Meta.fields, "history"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField()

    class Meta:
        model = DeploymentStep
        fields = ["id", "step_order", "key", "step_name", "status", "started_at", "completed_at",
                  "duration", "progress", "output", "error_message", "metadata"]  # fmt: skip
        read_only_fields = fields

    def get_key(self, step: DeploymentStep) -> str:
        return (step.metadata or {}).get("key", "")


class LogSerializer(serializers.ModelSerializer):
    execution = serializers.UUIDField(source="execution_id", read_only=True)
    step = serializers.UUIDField(source="step_id", read_only=True, allow_null=True)

    class Meta:
        model = DeploymentLog
        fields = ["id", "execution", "step", "log_level", "service", "message", "timestamp",
                  "host", "pid", "context", "error_details", "stack_trace"]  # fmt: skip
        read_only_fields = fields


class ExecutionSerializer(serializers.ModelSerializer):
    project = serializers.UUIDField(source="project_id", read_only=True)
    environment = serializers.UUIDField(source="target_environment_id", read_only=True)
    environment_name = serializers.CharField(source="environment", read_only=True)
    environment_type = serializers.CharField(source="target_environment.type", read_only=True)
    blueprint = serializers.UUIDField(source="blueprint_version.blueprint_id", read_only=True)
    blueprint_version = serializers.UUIDField(source="blueprint_version_id", read_only=True)
    approval = serializers.UUIDField(source="approval_id", read_only=True, allow_null=True)
    generation = serializers.UUIDField(source="generation_id", read_only=True, allow_null=True)
    rollback_of = serializers.UUIDField(source="rollback_of_id", read_only=True, allow_null=True)
    started_by = serializers.UUIDField(source="started_by_id", read_only=True)
    applied = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    plan_summary = serializers.SerializerMethodField()

    class Meta:
        model = DeploymentExecution
        fields = [
            "id", "deployment_id", "status", "outcome", "applied", "deployment_type", "project",
            "environment", "environment_name", "environment_type", "blueprint",
            "blueprint_version", "target_version", "source_version", "approval", "generation",
            "rollback_of", "started_by", "started_at", "completed_at", "actual_duration",
            "current_step", "progress", "error_message", "error_count", "warning_count",
            "pre_checks_passed", "total_services", "services_deployed", "rollback_executed",
            "rollback_version", "rollback_reason", "plan_summary", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_applied(self, execution: DeploymentExecution) -> bool:
        """Always false: Dharma plans deployments and applies none."""
        return bool((execution.metadata or {}).get("applied", False))

    @extend_schema_field(
        serializers.ChoiceField(choices=["planned", "failed", "cancelled", "running", "pending"])
    )
    def get_outcome(self, execution: DeploymentExecution) -> str:
        """What an execution achieved: `planned` for a completed (or since rolled-back) one,
        whose plan was made and not applied."""
        metadata = execution.metadata or {}
        if metadata.get("outcome"):
            return str(metadata["outcome"])
        return {"in-progress": "running"}.get(execution.status, execution.status)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_plan_summary(self, execution: DeploymentExecution) -> dict | None:
        """Counts of the plan: add, change, destroy, replace, unchanged."""
        plan = (execution.metadata or {}).get("plan")
        return None if plan is None else plan.get("summary")


class ExecutionDetailSerializer(ExecutionSerializer):
    plan = serializers.SerializerMethodField()
    steps = StepSerializer(many=True, read_only=True)
    logs = LogSerializer(many=True, read_only=True)

    class Meta(ExecutionSerializer.Meta):
        fields = [
            *ExecutionSerializer.Meta.fields,
            "pre_check_results", "post_check_results", "plan", "steps", "logs",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_plan(self, execution: DeploymentExecution) -> dict | None:
        """The plan: resources to add, change (with each attribute change), replace and
        destroy, keyed by address (`<type>.<name>`)."""
        return (execution.metadata or {}).get("plan")
