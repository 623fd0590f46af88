"""Incidents. Keyword-only, atomic; refusals are domain errors.

An incident can be opened from a failed deployment execution: the execution is locked while the
incident is made, so it has at most one incident that is not closed however many ask at once (a
second request is a 409 naming the first; once that one is closed, a new one can be opened).
The incident links back to the execution in its metadata (incidents have no project or
deployment column), and its timeline starts with a `created` event.
"""

from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.core.exceptions import Conflict
from apps.core.models import Priority
from apps.deployments.choices import ExecutionStatus
from apps.deployments.models import DeploymentExecution, DeploymentStep
from apps.operations.choices import DetectedBy, IncidentPriority, IncidentStatus, TimelineEvent
from apps.operations.models import Incident, IncidentTimeline

# The priority that follows from the severity, unless one is given.
PRIORITY_OF_SEVERITY = {
    Priority.CRITICAL: IncidentPriority.P1,
    Priority.HIGH: IncidentPriority.P2,
    Priority.MEDIUM: IncidentPriority.P3,
    Priority.LOW: IncidentPriority.P4,
}
OPEN = [status for status in IncidentStatus.values if status != IncidentStatus.CLOSED]


def execution_incidents(execution_id) -> Any:
    """Incidents opened from an execution (closed ones included)."""
    return Incident.objects.filter(
        metadata__deployment_execution=str(execution_id), deleted_at__isnull=True
    )


@transaction.atomic
def incident_from_execution(
    *,
    user: User,
    execution: DeploymentExecution,
    title: str = "",
    severity: str = "",
    priority: str = "",
    detected_by: str = DetectedBy.AUTOMATED,
    description: str = "",
) -> Incident:
    """An open incident about a failed execution. The defaults follow from the execution:
    severity high for a production environment and medium elsewhere; the priority from the
    severity; the description is the execution's error."""
    locked = (
        DeploymentExecution.objects.select_for_update(of=("self",))
        .select_related("target_environment", "blueprint_version__blueprint")
        .get(pk=execution.pk)
    )
    if locked.status != ExecutionStatus.FAILED:
        raise Conflict(
            f"The execution is {locked.status}: incidents are opened from failed executions.",
            code="execution_not_failed",
            details={"current": {"id": str(locked.pk), "status": locked.status}},
        )
    existing = execution_incidents(locked.pk).filter(status__in=OPEN).first()
    if existing is not None:
        raise Conflict(
            f"Incident {existing.pk} about this execution is already {existing.status}.",
            code="incident_exists",
            details={"incident": str(existing.pk), "status": existing.status},
        )
    environment = locked.target_environment
    blueprint = locked.blueprint_version.blueprint
    failed_step = (
        DeploymentStep.objects.filter(execution=locked, status="failed")
        .order_by("step_order")
        .first()
    )
    severity = severity or (Priority.HIGH if environment.type == "prod" else Priority.MEDIUM)
    incident = Incident.objects.create(
        tenant_id=locked.tenant_id,
        title=(
            title
            or f"Deployment of {blueprint.name} v{locked.target_version} to "
            f"{environment.name} failed"
        )[:255],
        description=description or locked.error_message,
        severity=severity,
        priority=priority or PRIORITY_OF_SEVERITY[Priority(severity)],
        detected_by=detected_by,
        reported_by=user,
        affected_services=[environment.name],
        metadata={
            "deployment_execution": str(locked.pk),
            "deployment_id": str(locked.deployment_id),
            "project": str(locked.project_id),
            "environment": str(environment.pk),
            "environment_name": environment.name,
            "environment_type": environment.type,
            "blueprint": str(blueprint.pk),
            "blueprint_version": str(locked.blueprint_version_id),
            "version_number": locked.blueprint_version.version_number,
            "failed_step": None if failed_step is None else failed_step.step_name,
            "error_message": locked.error_message,
        },
    )
    IncidentTimeline.objects.create(
        incident=incident,
        event_type=TimelineEvent.CREATED,
        user=user,
        timestamp=incident.reported_at,
        details=f"Opened from failed deployment execution {locked.pk}: {locked.error_message}",
        metadata={"deployment_execution": str(locked.pk)},
    )
    return incident
