"""Query filters of the deployments API (invalid values are 400s, not empty pages)."""

import django_filters

from apps.core.api.filters import TenantSafeFilterSet
from apps.deployments.choices import ApprovalStatus, DeploymentType, ExecutionStatus, LogLevel
from apps.deployments.models import DeploymentApproval, DeploymentExecution, DeploymentLog


class ApprovalFilter(TenantSafeFilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices)
    project = django_filters.UUIDFilter(field_name="project")
    environment = django_filters.UUIDFilter(field_name="target_environment")
    blueprint = django_filters.UUIDFilter(field_name="blueprint_version__blueprint")
    blueprint_version = django_filters.UUIDFilter(field_name="blueprint_version")

    class Meta:
        model = DeploymentApproval
        fields = ["status", "project", "environment", "blueprint", "blueprint_version"]


class ExecutionFilter(TenantSafeFilterSet):
    status = django_filters.ChoiceFilter(choices=ExecutionStatus.choices)
    deployment_type = django_filters.ChoiceFilter(choices=DeploymentType.choices)
    project = django_filters.UUIDFilter(field_name="project")
    environment = django_filters.UUIDFilter(field_name="target_environment")
    blueprint = django_filters.UUIDFilter(field_name="blueprint_version__blueprint")
    blueprint_version = django_filters.UUIDFilter(field_name="blueprint_version")

    class Meta:
        model = DeploymentExecution
        fields = [
            "status",
            "deployment_type",
            "project",
            "environment",
            "blueprint",
            "blueprint_version",
        ]


class LogFilter(TenantSafeFilterSet):
    """`?level=warn&level=error` (one or more levels), `?execution=`, `?step=`."""

    level = django_filters.MultipleChoiceFilter(field_name="log_level", choices=LogLevel.choices)
    execution = django_filters.UUIDFilter(field_name="execution")
    step = django_filters.UUIDFilter(field_name="step")

    class Meta:
        model = DeploymentLog
        fields = ["level", "execution", "step"]
