"""Reads of the deployment workflow for views, services, tasks and other apps.

"Deployed" means what Dharma last planned to completion in an environment: the version of its
latest `completed` execution (Dharma does not apply plans, see apps/deployments/services.py).
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import Environment
from apps.blueprints.models import BlueprintVersion
from apps.deployments.choices import ApprovalStatus, ExecutionStatus
from apps.deployments.models import (
    ApprovalHistory,
    DeploymentApproval,
    DeploymentExecution,
    DeploymentLog,
    DeploymentStep,
)

_LINKS = ("target_environment", "blueprint_version__blueprint")


def approval_list() -> QuerySet[DeploymentApproval]:
    return DeploymentApproval.objects.select_related(*_LINKS).defer("blueprint_version__graph_json")


def with_history(approvals: QuerySet[DeploymentApproval]) -> QuerySet[DeploymentApproval]:
    return approvals.prefetch_related(
        Prefetch("history", queryset=ApprovalHistory.objects.order_by("performed_at"))
    )


def approval_detail() -> QuerySet[DeploymentApproval]:
    return with_history(approval_list())


def execution_list() -> QuerySet[DeploymentExecution]:
    return DeploymentExecution.objects.select_related(*_LINKS).defer(
        "blueprint_version__graph_json"
    )


def with_steps_and_logs(
    executions: QuerySet[DeploymentExecution],
) -> QuerySet[DeploymentExecution]:
    return executions.prefetch_related(
        Prefetch("steps", queryset=DeploymentStep.objects.order_by("step_order")),
        Prefetch("logs", queryset=DeploymentLog.objects.order_by("timestamp", "created_at")),
    )


def execution_detail() -> QuerySet[DeploymentExecution]:
    return with_steps_and_logs(execution_list())


def log_list() -> QuerySet[DeploymentLog]:
    return DeploymentLog.objects.select_related("step").order_by("-timestamp", "-created_at")


def tenant_version_get(*, tenant_id, pk) -> BlueprintVersion:
    """A version of a live blueprint of the tenant (404 otherwise)."""
    versions = BlueprintVersion.objects.for_tenant(tenant_id).filter(
        blueprint__deleted_at__isnull=True
    )
    return get_object_or_404(versions.select_related("blueprint__project"), pk=pk)


def tenant_environment_get(*, tenant_id, pk) -> Environment:
    environments = Environment.objects.for_tenant(tenant_id).filter(
        deleted_at__isnull=True, project__deleted_at__isnull=True
    )
    return get_object_or_404(environments.select_related("project"), pk=pk)


def deployed_execution(*, environment_id, exclude_id=None) -> DeploymentExecution | None:
    """The environment's current deployment: its latest completed execution."""
    executions = DeploymentExecution.objects.filter(
        target_environment_id=environment_id, status=ExecutionStatus.COMPLETED
    )
    if exclude_id is not None:
        executions = executions.exclude(pk=exclude_id)
    return (
        executions.select_related("blueprint_version")
        .order_by("-completed_at", "-created_at")
        .first()
    )


def previous_deployment(*, execution: DeploymentExecution) -> DeploymentExecution | None:
    """What a rollback of `execution` returns to: the latest execution of the same environment
    that completed before it with another version (and has not itself been rolled back)."""
    if execution.completed_at is None:
        return None
    return (
        DeploymentExecution.objects.filter(
            target_environment_id=execution.target_environment_id,
            status=ExecutionStatus.COMPLETED,
            completed_at__lt=execution.completed_at,
        )
        .exclude(pk=execution.pk)
        .exclude(blueprint_version_id=execution.blueprint_version_id)
        .select_related("blueprint_version")
        .order_by("-completed_at", "-created_at")
        .first()
    )


def approved_approvals(*, version_id, environment_id) -> QuerySet[DeploymentApproval]:
    """Approved, live requests to deploy this version to this environment, newest first."""
    return DeploymentApproval.objects.filter(
        blueprint_version_id=version_id,
        target_environment_id=environment_id,
        status=ApprovalStatus.APPROVED,
        deleted_at__isnull=True,
    ).order_by("-reviewed_at", "-created_at")


def active_execution(*, environment_id) -> DeploymentExecution | None:
    return DeploymentExecution.objects.filter(
        target_environment_id=environment_id,
        status__in=[ExecutionStatus.PENDING, ExecutionStatus.IN_PROGRESS],
    ).first()
