"""The deployment workflow: approvals, executions and their task. Keyword-only; refusals are
domain errors (apps/deployments/exceptions.py).

**State changes** follow apps/deployments/transitions.py and are made with a conditional update
(`UPDATE … WHERE id = … AND status = <the state read>`): of two concurrent changes (approve and
reject, cancel and the task finishing) exactly one updates the row; the other is refused with
409 and the state it met. Every approval change writes an approval_history row.

**Gates** (apps/deployments/gates.py: guardrails, cost against budget, approval for production
or over budget) are checked when an execution is created, and again by its task.

**An execution** runs as the Celery task `deployments.execute`, queued once the creating
transaction commits (in-process at that moment when no broker is configured). It claims the
execution (pending → in-progress), creates its six steps and runs them in order, logging as it
goes:

1. *Generate IaC*: reuses the generation given (or the approval's), else creates one with
   apps.iac (its guardrail gate applies) and renders it in this task;
2. *Validate*: the generation's validation problems (errors fail the step, warnings are logged);
3. *Guardrail re-check*: a fresh evaluation for the environment must pass;
4. *Cost and approval check*: the estimate is stored (cost_estimates, raising budget alerts) and
   the approval gate checked again;
5. *Plan*: the resources to add / change / destroy against the version deployed in the
   environment (apps/deployments/plan.py), kept in the step's and the execution's metadata;
6. *Apply*: **not executed**. Dharma has no cloud credentials configured and applies nothing;
   the step is recorded `skipped` saying so.

A run that gets through the plan ends `completed` with `metadata.applied = false` and
`metadata.outcome = "planned"`: **completed means planned, never applied**. A failing step
fails the execution (error_message, error_count, an error log) and the later steps are
skipped. A cancelled execution stops before its next step.

**Deployed** means the version of the environment's latest completed execution (selectors.py).
`deployment_id` is the same for every approval and execution of one version to one environment
(a UUID5 of both ids), so the original's column groups them.

**Rollback** of the environment's current deployment creates a new execution (type rollback) of
the version deployed before it, through the same gates. When that execution completes, the
original is marked rolled-back (rollback_executed, rollback_version, rollback_reason).
"""

import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Environment, User
from apps.blueprints.models import BlueprintVersion
from apps.core.exceptions import Conflict, DomainError
from apps.core.models import Priority
from apps.costing import services as costing_services
from apps.deployments import gates, selectors, transitions
from apps.deployments.choices import (
    ApprovalAction,
    ApprovalStatus,
    DeploymentType,
    ExecutionStatus,
    LogLevel,
    StepStatus,
)
from apps.deployments.exceptions import (
    ApprovalPending,
    ExecutionActive,
    IllegalTransition,
    InvalidTarget,
    NoPreviousDeployment,
)
from apps.deployments.models import (
    ApprovalHistory,
    DeploymentApproval,
    DeploymentExecution,
    DeploymentLog,
    DeploymentStep,
)
from apps.deployments.plan import build_plan
from apps.iac import services as iac_services
from apps.iac.choices import GenerationStatus, IacFormat
from apps.iac.models import IacGeneration

logger = logging.getLogger(__name__)

DEPLOYMENT_NAMESPACE = uuid.UUID("5b0c1f3e-6d4a-4e8e-9a57-2f0d6c1b8e41")
HOST = socket.gethostname()[:255]
SERVICE = "deployments"
NOT_APPLIED = (
    "Not executed: no cloud credentials are configured and Dharma does not apply plans. "
    "Nothing was created, changed or destroyed."
)


def deployment_id_for(*, environment_id, version_id) -> uuid.UUID:
    """One id for "this version to this environment", shared by its approvals and executions."""
    return uuid.uuid5(DEPLOYMENT_NAMESPACE, f"{environment_id}:{version_id}")


# --- shared checks -----------------------------------------------------------------------------


def _check_target(version: BlueprintVersion, environment: Environment) -> None:
    blueprint = version.blueprint
    if blueprint.deleted_at is not None:
        raise InvalidTarget(
            "The blueprint of this version was deleted.",
            fields={"blueprint_version": ["Its blueprint was deleted."]},
        )
    if environment.deleted_at is not None:
        raise InvalidTarget("The environment was deleted.", fields={"environment": ["Deleted."]})
    if blueprint.project_id != environment.project_id:
        raise InvalidTarget(
            "The environment is not one of the blueprint's project: a version deploys only to "
            "the environments of its own project.",
            fields={"environment": ["Not an environment of the blueprint's project."]},
        )


def _check_generation(generation: IacGeneration, version: BlueprintVersion) -> None:
    if generation.blueprint_version_id != version.pk:
        raise InvalidTarget(
            "The generation was made from another blueprint version.",
            fields={"generation": ["A generation of another version."]},
        )
    if generation.status != GenerationStatus.COMPLETED:
        raise InvalidTarget(
            f"The generation is {generation.status}: only a completed generation can be deployed.",
            fields={"generation": [f"The generation is {generation.status}."]},
        )


def _violates(exc: IntegrityError, constraint: str, column: str) -> bool:
    """Whether `exc` is the violation of `constraint` (PostgreSQL names it; SQLite names the
    unique columns)."""
    text = str(exc)
    return constraint in text or (f".{column}" in text and "UNIQUE" in text)


# --- approvals ---------------------------------------------------------------------------------


def _approval_state(approval: DeploymentApproval) -> dict[str, Any]:
    return {
        "id": str(approval.pk),
        "status": approval.status,
        "reviewed_by": str(approval.reviewed_by_id) if approval.reviewed_by_id else None,
        "reviewed_at": approval.reviewed_at.isoformat() if approval.reviewed_at else None,
        "estimated_monthly_cost": (
            None
            if approval.estimated_monthly_cost is None
            else str(approval.estimated_monthly_cost)
        ),
    }


def _illegal(what: str, table, current: str, target: str, state: dict) -> IllegalTransition:
    return IllegalTransition(
        f"The {what} is {current}: it cannot become {target}.",
        details={
            "current": state,
            "requested": target,
            "allowed": sorted(table.get(current, ())),
        },
    )


def approval_create(
    *,
    user: User,
    version: BlueprintVersion,
    environment: Environment,
    generation: IacGeneration | None = None,
    priority: str = Priority.MEDIUM,
    deployment_window_start: datetime | None = None,
    deployment_window_end: datetime | None = None,
    estimated_duration: int | None = None,
    reason: str = "",
    comments: str = "",
    affected_services: list | None = None,
    conditions: list | None = None,
) -> DeploymentApproval:
    """A pending request to deploy `version` to `environment`. It records the version's
    monthly estimate now (the figure the approver sees) against the environment's budget."""
    _check_target(version, environment)
    if generation is not None:
        _check_generation(generation, version)
    if (
        deployment_window_start is not None
        and deployment_window_end is not None
        and deployment_window_start >= deployment_window_end
    ):
        raise DomainError(
            "The deployment window must end after it starts.",
            fields={"deployment_window_end": ["Not after deployment_window_start."]},
        )
    cost = gates.cost_figures(version=version, environment=environment, tenant_id=user.tenant_id)
    required_for = ["production"] if gates.is_production(environment) else []
    if cost.over_budget:
        required_for.append("cost")
    with transaction.atomic():
        try:
            with transaction.atomic():
                approval = DeploymentApproval.objects.create(
                    tenant_id=environment.project.tenant_id,
                    project_id=environment.project_id,
                    target_environment=environment,
                    environment=environment.name[:50],
                    blueprint_version=version,
                    generation=generation,
                    deployment_id=deployment_id_for(
                        environment_id=environment.pk, version_id=version.pk
                    ),
                    requested_by=user,
                    priority=priority,
                    deployment_window_start=deployment_window_start,
                    deployment_window_end=deployment_window_end,
                    estimated_duration=estimated_duration,
                    reason=reason,
                    comments=comments,
                    affected_services=affected_services or [],
                    conditions=conditions or [],
                    estimated_monthly_cost=cost.monthly_estimate,
                    metadata={"cost": cost.as_dict(), "required_for": required_for},
                )
        except IntegrityError as exc:
            if not _violates(exc, "deployment_approvals_one_pending", "blueprint_version"):
                raise
            pending = DeploymentApproval.objects.filter(
                blueprint_version=version,
                target_environment=environment,
                status=ApprovalStatus.PENDING,
                deleted_at__isnull=True,
            ).first()
            if pending is None:  # decided in between
                raise ApprovalPending(
                    "Another request for this version and environment was pending; it has "
                    "been decided since. Try again."
                ) from exc
            raise ApprovalPending(
                f"A request to deploy this version to {environment.name} is already pending "
                f"({pending.pk}).",
                details={"approval": str(pending.pk), "current": _approval_state(pending)},
            ) from exc
        ApprovalHistory.objects.create(
            approval=approval,
            action=ApprovalAction.CREATED,
            performed_by=user,
            notes=reason or comments,
            previous_state=None,
            new_state=_approval_state(approval),
        )
    return approval


@transaction.atomic
def _approval_move(
    *, user: User, approval: DeploymentApproval, target: str, action: str, comment: str
) -> DeploymentApproval:
    def refused() -> IllegalTransition:
        now_row = DeploymentApproval.objects.get(pk=approval.pk)
        return _illegal(
            "approval", transitions.APPROVAL, now_row.status, target, _approval_state(now_row)
        )

    current = DeploymentApproval.objects.values_list("status", flat=True).get(pk=approval.pk)
    if not transitions.allowed(transitions.APPROVAL, current, target):
        raise refused()
    now = timezone.now()
    updates: dict[str, Any] = {"status": target, "updated_at": now}
    if target in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}:
        updates.update(reviewed_by=user, reviewed_at=now, feedback=comment)
        updates["approved_by" if target == ApprovalStatus.APPROVED else "rejected_by"] = user
    moved = DeploymentApproval.objects.filter(
        pk=approval.pk, status=current, deleted_at__isnull=True
    ).update(**updates)
    if not moved:  # another change won (the row lock made this one wait, then miss)
        raise refused()
    fresh = DeploymentApproval.objects.get(pk=approval.pk)
    ApprovalHistory.objects.create(
        approval=fresh,
        action=action,
        performed_by=user,
        performed_at=now,
        notes=comment,
        previous_state={"status": current},
        new_state=_approval_state(fresh),
    )
    return fresh


def approval_approve(
    *, user: User, approval: DeploymentApproval, comment: str = ""
) -> DeploymentApproval:
    return _approval_move(
        user=user,
        approval=approval,
        target=ApprovalStatus.APPROVED,
        action=ApprovalAction.APPROVED,
        comment=comment,
    )


def approval_reject(
    *, user: User, approval: DeploymentApproval, comment: str = ""
) -> DeploymentApproval:
    return _approval_move(
        user=user,
        approval=approval,
        target=ApprovalStatus.REJECTED,
        action=ApprovalAction.REJECTED,
        comment=comment,
    )


def approval_cancel(
    *, user: User, approval: DeploymentApproval, comment: str = ""
) -> DeploymentApproval:
    return _approval_move(
        user=user,
        approval=approval,
        target=ApprovalStatus.CANCELLED,
        action=ApprovalAction.CANCELLED,
        comment=comment,
    )


# --- executions --------------------------------------------------------------------------------


def _execution_state(execution: DeploymentExecution) -> dict[str, Any]:
    return {
        "id": str(execution.pk),
        "status": execution.status,
        "current_step": execution.current_step,
        "progress": execution.progress,
        "completed_at": execution.completed_at.isoformat() if execution.completed_at else None,
        "error_message": execution.error_message,
    }


def _log(
    execution_id,
    level: str,
    message: str,
    *,
    step_id=None,
    context: dict | None = None,
    error_details: dict | None = None,
    stack_trace: str = "",
) -> DeploymentLog:
    return DeploymentLog.objects.create(
        execution_id=execution_id,
        step_id=step_id,
        log_level=level,
        service=SERVICE,
        message=message,
        host=HOST,
        pid=os.getpid(),
        context=context or {},
        error_details=error_details or {},
        stack_trace=stack_trace,
    )


def execution_create(
    *,
    user: User,
    version: BlueprintVersion,
    environment: Environment,
    approval: DeploymentApproval | None = None,
    generation: IacGeneration | None = None,
    format: str = IacFormat.TERRAFORM,
    deployment_type: str = DeploymentType.FULL,
    rollback_of: DeploymentExecution | None = None,
    reason: str = "",
) -> DeploymentExecution:
    """A pending execution of `version` in `environment`, queued on commit, once every gate
    passes (GateRefused, 409, names the gate and its figures). One execution at a time runs
    per environment (ExecutionActive, 409)."""
    _check_target(version, environment)
    if deployment_type == DeploymentType.ROLLBACK and rollback_of is None:
        raise DomainError(
            "A rollback is made from the execution it rolls back (its rollback action).",
            fields={"deployment_type": ["Use the execution's rollback action."]},
        )
    if (
        generation is None
        and approval is not None
        and approval.generation_id is not None
        and approval.generation is not None
        and approval.generation.status == GenerationStatus.COMPLETED
    ):
        generation = approval.generation  # the code the approver was shown
    if generation is not None:
        _check_generation(generation, version)
        format = generation.format
    iac_services.check_format(graph=version.graph_json or {}, format=format)
    # Kept even when a gate refuses: the refusal names it.
    evaluation = gates.evaluation_for(user=user, version=version, environment=environment)
    with transaction.atomic():
        report = gates.check_gates(
            user=user,
            version=version,
            environment=environment,
            evaluation=evaluation,
            approval=approval,
        )
        gates.enforce(report)
        deployed = selectors.deployed_execution(environment_id=environment.pk)
        try:
            with transaction.atomic():
                execution = DeploymentExecution.objects.create(
                    tenant_id=environment.project.tenant_id,
                    project_id=environment.project_id,
                    target_environment=environment,
                    environment=environment.name[:50],
                    blueprint_version=version,
                    target_version=str(version.version_number),
                    source_version=(
                        str(deployed.blueprint_version.version_number) if deployed else ""
                    ),
                    deployment_id=deployment_id_for(
                        environment_id=environment.pk, version_id=version.pk
                    ),
                    approval=report.approval.approval,
                    generation=generation,
                    deployment_type=deployment_type,
                    started_by=user,
                    rollback_of=rollback_of,
                    rollback_reason=reason if rollback_of is not None else "",
                    pre_checks_passed=True,
                    pre_check_results=report.as_dict(),
                    total_services=len(costing_services.components_of(version)),
                    metadata={"format": format, "applied": False},
                )
        except IntegrityError as exc:
            if not _violates(exc, "deployment_executions_one_active", "target_environment"):
                raise
            active = selectors.active_execution(environment_id=environment.pk)
            if active is None:  # it finished in between
                raise ExecutionActive(
                    f"Another execution of {environment.name} was running; it has finished "
                    "since. Try again.",
                ) from exc
            raise ExecutionActive(
                f"Environment {environment.name} already has a {active.status} execution "
                f"({active.pk}); one execution runs at a time per environment.",
                details={"current": _execution_state(active)},
            ) from exc
        what = "Rollback" if rollback_of is not None else "Execution"
        _log(
            execution.pk,
            LogLevel.INFO,
            f"{what} created by {user.email}: version {version.version_number} of "
            f"{version.blueprint.name} to {environment.name}; every gate passed.",
            context={"gates": report.as_dict()},
        )
        transaction.on_commit(lambda: _enqueue(execution.pk))
    return execution


def _enqueue(execution_id) -> None:
    """Queue `deployments.execute`. A broker that cannot be reached cancels the execution with
    the reason (freeing the environment) instead of leaving it pending for ever."""
    from apps.deployments.tasks import execute

    try:
        execute.delay(str(execution_id))
    except Exception as exc:
        logger.exception("could not queue deployment execution %s", execution_id)
        now = timezone.now()
        if DeploymentExecution.objects.filter(
            pk=execution_id, status=ExecutionStatus.PENDING
        ).update(
            status=ExecutionStatus.CANCELLED,
            error_message=f"The execution could not be queued: {type(exc).__name__}: {exc}",
            completed_at=now,
            updated_at=now,
        ):
            _log(execution_id, LogLevel.ERROR, f"Not queued: {type(exc).__name__}: {exc}")


@transaction.atomic
def execution_cancel(
    *, user: User, execution: DeploymentExecution, reason: str = ""
) -> DeploymentExecution:
    """pending or in-progress → cancelled. An in-progress execution finishes the step it is in
    and stops before the next one (its later steps are skipped)."""

    def refused() -> IllegalTransition:
        row = DeploymentExecution.objects.get(pk=execution.pk)
        return _illegal(
            "execution",
            transitions.EXECUTION,
            row.status,
            ExecutionStatus.CANCELLED,
            _execution_state(row),
        )

    current = DeploymentExecution.objects.values_list("status", flat=True).get(pk=execution.pk)
    if not transitions.allowed(transitions.EXECUTION, current, ExecutionStatus.CANCELLED):
        raise refused()
    now = timezone.now()
    message = f"Cancelled by {user.email}" + (f": {reason}" if reason else ".")
    moved = DeploymentExecution.objects.filter(pk=execution.pk, status=current).update(
        status=ExecutionStatus.CANCELLED, error_message=message, completed_at=now, updated_at=now
    )
    if not moved:
        raise refused()
    _log(execution.pk, LogLevel.WARN, f"{message} (was {current}).")
    return DeploymentExecution.objects.get(pk=execution.pk)


def execution_rollback(
    *, user: User, execution: DeploymentExecution, reason: str = ""
) -> DeploymentExecution:
    """A new execution (type rollback) of the version deployed before `execution`, which must
    be the environment's current deployment. Gates apply as to any execution."""
    execution = DeploymentExecution.objects.select_related(
        "blueprint_version__blueprint", "target_environment__project"
    ).get(pk=execution.pk)
    if execution.status != ExecutionStatus.COMPLETED:
        raise Conflict(
            f"The execution is {execution.status}: only a completed execution (the "
            "environment's current deployment) can be rolled back.",
            code="not_rollbackable",
            details={"current": _execution_state(execution)},
        )
    current = selectors.deployed_execution(environment_id=execution.target_environment_id)
    if current is not None and current.pk != execution.pk:
        raise Conflict(
            f"Only the environment's current deployment can be rolled back: that is execution "
            f"{current.pk} (version {current.target_version}).",
            code="not_current_deployment",
            details={"current": _execution_state(execution), "deployed": str(current.pk)},
        )
    previous = selectors.previous_deployment(execution=execution)
    if previous is None:
        raise NoPreviousDeployment(
            f"Nothing was deployed to {execution.environment} before version "
            f"{execution.target_version}: there is no version to roll back to.",
            details={"current": _execution_state(execution)},
        )
    return execution_create(
        user=user,
        version=previous.blueprint_version,
        environment=execution.target_environment,
        format=execution.metadata.get("format", IacFormat.TERRAFORM),
        deployment_type=DeploymentType.ROLLBACK,
        rollback_of=execution,
        reason=reason or f"Roll back to version {previous.target_version}.",
    )


# --- the execution task ------------------------------------------------------------------------


class StepFailed(Exception):
    def __init__(self, message: str, metadata: dict | None = None):
        super().__init__(message)
        self.message = message
        self.metadata = metadata or {}


@dataclass
class StepOutcome:
    output: str
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = StepStatus.COMPLETED
    logs: list[tuple[str, str]] = field(default_factory=list)  # (level, message)


@dataclass
class _Run:
    execution: DeploymentExecution
    metadata: dict[str, Any]
    warnings: int = 0
    generation: IacGeneration | None = None

    @property
    def version(self) -> BlueprintVersion:
        return self.execution.blueprint_version

    @property
    def environment(self) -> Environment:
        return self.execution.target_environment

    @property
    def user(self) -> User:
        return self.execution.started_by


def _step_generate(run: _Run) -> StepOutcome:
    execution = run.execution
    generation = execution.generation
    reused = generation is not None
    if generation is None:
        created = iac_services.generation_create(
            user=run.user,
            version=run.version,
            format=run.metadata.get("format", IacFormat.TERRAFORM),
            environment=run.environment.name,
            enqueue=False,
        )
        generation = iac_services.generation_execute(created.pk) or created
        DeploymentExecution.objects.filter(pk=execution.pk).update(generation=generation)
    run.generation = generation
    files = sorted(generation.files or {})
    metadata = {
        "generation": str(generation.pk),
        "format": generation.format,
        "files": files,
        "content_hash": generation.content_hash,
        "reused": reused,
    }
    if generation.status != GenerationStatus.COMPLETED and not files:
        raise StepFailed(f"IaC generation {generation.pk} failed: {generation.error}", metadata)
    verb = "Reused" if reused else "Generated"
    return StepOutcome(
        output=f"{verb} {len(files)} {generation.get_format_display()} file(s) "
        f"({', '.join(files)}); content hash {generation.content_hash[:12]}.",
        metadata=metadata,
    )


def _step_validate(run: _Run) -> StepOutcome:
    generation = run.generation
    assert generation is not None
    problems = list(generation.validation or [])
    errors = [problem for problem in problems if problem.get("level") == "error"]
    warnings = [problem for problem in problems if problem.get("level") != "error"]
    run.warnings += len(warnings)
    metadata = {"problems": problems, "errors": len(errors), "warnings": len(warnings)}
    if errors:
        first = "; ".join(f"{p.get('file')}: {p.get('message')}" for p in errors[:3])
        raise StepFailed(
            f"Validation found {len(errors)} error(s) in the generated files: {first}", metadata
        )
    return StepOutcome(
        output=f"{len(generation.files or {})} file(s) valid; {len(warnings)} warning(s).",
        metadata=metadata,
        logs=[(LogLevel.WARN, f"{p.get('file')}: {p.get('message')}") for p in warnings],
    )


def _step_guardrails(run: _Run) -> StepOutcome:
    evaluation = gates.evaluation_for(
        user=run.user, version=run.version, environment=run.environment, fresh=True
    )
    result = gates.guardrail_result(evaluation)
    if not result["passed"]:
        standing = result["standing_findings"]
        raise StepFailed(
            f"Guardrail evaluation {evaluation.pk} refuses this version: {len(standing)} "
            f"unwaived blocking or critical/high finding(s) (score {evaluation.score}).",
            {"guardrails": result},
        )
    return StepOutcome(
        output=f"Evaluation {evaluation.pk} ({result['environment'] or 'no environment'}): "
        f"score {evaluation.score}, {len(evaluation.findings)} finding(s), none standing.",
        metadata={"guardrails": result},
    )


def _step_cost(run: _Run) -> StepOutcome:
    execution = run.execution
    estimate = costing_services.cost_estimate_create(user=run.user, version=run.version)
    cost = gates.figures_of(
        monthly_total=estimate.monthly_total,
        currency=estimate.currency,
        unpriced=len(estimate.unpriced),
        environment=run.environment,
    )
    approval = None
    if execution.approval_id is not None:
        approval = DeploymentApproval.objects.get(pk=execution.approval_id)
    outcome = gates.approval_gate(
        version=run.version, environment=run.environment, cost=cost, approval=approval
    )
    if approval is not None and outcome.approval is None:
        # The approval chosen at creation no longer opens the gate: another one may.
        outcome = gates.approval_gate(version=run.version, environment=run.environment, cost=cost)
    report = gates.GateReport(cost=cost, approval=outcome)
    metadata = {"estimate": str(estimate.pk), **report.as_dict()}
    if report.refusal is not None:
        raise StepFailed(report.message(), metadata)
    if outcome.approval is not None and outcome.approval.pk != execution.approval_id:
        DeploymentExecution.objects.filter(pk=execution.pk).update(approval=outcome.approval)
    budget = (
        "no budget allocation applies"
        if cost.monthly_budget is None
        else f"{cost.budget_scope} budget {cost.monthly_budget} {cost.currency} a month"
    )
    verdict = "over budget" if cost.over_budget else "within budget"
    output = f"Monthly estimate {cost.monthly_estimate} {cost.currency} ({budget}): {verdict}." + (
        f" {cost.unpriced} component(s) unpriced." if cost.unpriced else ""
    )
    if outcome.required_for:
        assert outcome.approval is not None
        output += (
            f" Approval {outcome.approval.pk} (required for {' and '.join(outcome.required_for)})"
            " is approved."
        )
    return StepOutcome(output=output, metadata=metadata)


def _step_plan(run: _Run) -> StepOutcome:
    execution = run.execution
    deployed = selectors.deployed_execution(
        environment_id=execution.target_environment_id, exclude_id=execution.pk
    )
    plan = build_plan(
        deployed.blueprint_version.graph_json if deployed else None,
        run.version.graph_json or {},
    )
    summary = {
        **plan.as_dict(),
        "from_version": deployed.blueprint_version.version_number if deployed else None,
        "from_execution": str(deployed.pk) if deployed else None,
        "to_version": run.version.version_number,
    }
    run.metadata["plan"] = summary
    source = str(deployed.blueprint_version.version_number) if deployed else ""
    DeploymentExecution.objects.filter(pk=execution.pk).update(source_version=source)
    lines = [plan.headline()]
    lines += [f"  + {resource['address']}" for resource in summary["add"]]
    lines += [f"  ~ {resource['address']}" for resource in summary["change"]]
    lines += [f"-/+ {resource['address']}" for resource in summary["replace"]]
    lines += [f"  - {resource['address']}" for resource in summary["destroy"]]
    return StepOutcome(output="\n".join(lines), metadata={"plan": summary})


def _step_apply(run: _Run) -> StepOutcome:
    return StepOutcome(
        output=NOT_APPLIED,
        metadata={"applied": False, "reason": "no_cloud_credentials"},
        status=StepStatus.SKIPPED,
        logs=[(LogLevel.WARN, NOT_APPLIED)],
    )


STEPS: tuple[tuple[str, str, Callable[[_Run], StepOutcome]], ...] = (
    ("generate", "Generate IaC", _step_generate),
    ("validate", "Validate generated code", _step_validate),
    ("guardrails", "Guardrail re-check", _step_guardrails),
    ("cost", "Cost and approval check", _step_cost),
    ("plan", "Plan", _step_plan),
    ("apply", "Apply", _step_apply),
)


def _claim(execution_id) -> DeploymentExecution | None:
    """pending → in-progress, with the six steps created pending. None: not pending (a
    redelivered or duplicate task, or a cancelled execution)."""
    now = timezone.now()
    with transaction.atomic():
        moved = DeploymentExecution.objects.filter(
            pk=execution_id, status=ExecutionStatus.PENDING
        ).update(
            status=ExecutionStatus.IN_PROGRESS,
            started_at=now,
            current_step=STEPS[0][1],
            progress=0,
            updated_at=now,
        )
        if not moved:
            return None
        DeploymentStep.objects.bulk_create(
            [
                DeploymentStep(
                    execution_id=execution_id,
                    step_name=name,
                    step_order=order,
                    metadata={"key": key},
                )
                for order, (key, name, _) in enumerate(STEPS, start=1)
            ]
        )
        _log(execution_id, LogLevel.INFO, f"Execution started on {HOST} (pid {os.getpid()}).")
    return DeploymentExecution.objects.select_related(
        "blueprint_version__blueprint",
        "target_environment__project",
        "started_by",
        "generation",
    ).get(pk=execution_id)


def _duration_minutes(started: datetime | None, ended: datetime) -> int | None:
    return None if started is None else round((ended - started).total_seconds() / 60)


def _skip_rest(execution_id, why: str) -> None:
    DeploymentStep.objects.filter(execution_id=execution_id, status=StepStatus.PENDING).update(
        status=StepStatus.SKIPPED, output=why, updated_at=timezone.now()
    )


def _stopped(execution_id) -> str | None:
    """The execution's status when it is no longer in progress (cancelled meanwhile)."""
    status = DeploymentExecution.objects.values_list("status", flat=True).get(pk=execution_id)
    return None if status == ExecutionStatus.IN_PROGRESS else status


def execution_run(execution_id) -> DeploymentExecution | None:
    """The task's work: run a pending execution's steps (see the module docstring). Returns
    the execution, or None when it was not pending (nothing is done twice)."""
    execution = _claim(execution_id)
    if execution is None:
        return None
    return _run_claimed(execution)


def _run_claimed(execution: DeploymentExecution) -> DeploymentExecution:
    run = _Run(execution=execution, metadata=dict(execution.metadata))
    steps = list(DeploymentStep.objects.filter(execution=execution).order_by("step_order"))
    for index, (step, (_, _, work)) in enumerate(zip(steps, STEPS, strict=True)):
        stopped = _stopped(execution.pk)
        if stopped is not None:
            why = f"Skipped: the execution was {stopped} before this step."
            _skip_rest(execution.pk, why)
            _log(execution.pk, LogLevel.WARN, f"Execution {stopped}: remaining steps skipped.")
            return DeploymentExecution.objects.get(pk=execution.pk)
        if not _run_step(run, step, work, index):
            return DeploymentExecution.objects.get(pk=execution.pk)
    _finish(run)
    return DeploymentExecution.objects.get(pk=execution.pk)


def _run_step(run: _Run, step: DeploymentStep, work, index: int) -> bool:
    """Run one step; False when it failed (the execution is then failed)."""
    execution = run.execution
    started = timezone.now()
    clock = time.monotonic()
    DeploymentStep.objects.filter(pk=step.pk, status=StepStatus.PENDING).update(
        status=StepStatus.IN_PROGRESS, started_at=started, updated_at=started
    )
    DeploymentExecution.objects.filter(pk=execution.pk, status=ExecutionStatus.IN_PROGRESS).update(
        current_step=step.step_name,
        progress=round(index / len(STEPS) * 100),
        updated_at=started,
    )
    _log(execution.pk, LogLevel.INFO, f"Step {step.step_order} started: {step.step_name}.",
         step_id=step.pk)  # fmt: skip
    try:
        outcome = work(run)
    except StepFailed as exc:
        _fail(run, step, exc.message, exc.metadata, clock)
        return False
    except DomainError as exc:
        metadata = {"code": exc.code, "details": exc.details or {}, "fields": exc.fields}
        _fail(run, step, exc.message, metadata, clock)
        return False
    except Exception as exc:  # a defect: recorded on the execution, never left in progress
        logger.exception("deployment step %s of %s failed", step.step_name, execution.pk)
        _fail(
            run,
            step,
            f"Unexpected error: {type(exc).__name__}: {exc}",
            {},
            clock,
            stack_trace=traceback.format_exc(),
        )
        return False
    ended = timezone.now()
    with transaction.atomic():
        DeploymentStep.objects.filter(pk=step.pk, status=StepStatus.IN_PROGRESS).update(
            status=outcome.status,
            completed_at=ended,
            duration=round(time.monotonic() - clock),
            progress=100 if outcome.status == StepStatus.COMPLETED else 0,
            output=outcome.output,
            metadata={"key": step.metadata.get("key"), **outcome.metadata},
            updated_at=ended,
        )
        for level, message in outcome.logs:
            _log(execution.pk, level, message, step_id=step.pk)
        verb = "skipped" if outcome.status == StepStatus.SKIPPED else "completed"
        _log(
            execution.pk,
            LogLevel.INFO,
            f"Step {step.step_order} {verb}: {outcome.output.splitlines()[0]}",
            step_id=step.pk,
        )
        DeploymentExecution.objects.filter(
            pk=execution.pk, status=ExecutionStatus.IN_PROGRESS
        ).update(
            progress=round((index + 1) / len(STEPS) * 100),
            warning_count=run.warnings,
            metadata=run.metadata,
            updated_at=ended,
        )
    return True


def _fail(
    run: _Run,
    step: DeploymentStep,
    message: str,
    metadata: dict,
    clock: float,
    stack_trace: str = "",
) -> None:
    execution = run.execution
    now = timezone.now()
    error = f"Step {step.step_order} ({step.step_name}) failed: {message}"
    with transaction.atomic():
        DeploymentStep.objects.filter(pk=step.pk, status=StepStatus.IN_PROGRESS).update(
            status=StepStatus.FAILED,
            completed_at=now,
            duration=round(time.monotonic() - clock),
            error_message=message,
            metadata={"key": step.metadata.get("key"), **metadata},
            updated_at=now,
        )
        _log(
            execution.pk,
            LogLevel.ERROR,
            error,
            step_id=step.pk,
            error_details=metadata,
            stack_trace=stack_trace,
        )
        _skip_rest(execution.pk, f"Skipped: step {step.step_order} failed.")
        DeploymentExecution.objects.filter(
            pk=execution.pk, status=ExecutionStatus.IN_PROGRESS
        ).update(
            status=ExecutionStatus.FAILED,
            error_message=error,
            error_count=F("error_count") + 1,
            warning_count=run.warnings,
            completed_at=now,
            actual_duration=_duration_minutes(execution.started_at, now),
            current_step=step.step_name,
            metadata=run.metadata,
            updated_at=now,
        )


def _finish(run: _Run) -> None:
    """in-progress → completed: planned, not applied. A rollback marks what it rolled back."""
    execution = run.execution
    now = timezone.now()
    metadata = {**run.metadata, "applied": False, "outcome": "planned"}
    with transaction.atomic():
        moved = DeploymentExecution.objects.filter(
            pk=execution.pk, status=ExecutionStatus.IN_PROGRESS
        ).update(
            status=ExecutionStatus.COMPLETED,
            completed_at=now,
            actual_duration=_duration_minutes(execution.started_at, now),
            progress=100,
            current_step="",
            warning_count=run.warnings,
            post_check_results={"run": False, "reason": NOT_APPLIED},
            metadata=metadata,
            updated_at=now,
        )
        if not moved:
            _log(execution.pk, LogLevel.WARN, "The execution was stopped before it completed.")
            return
        _log(
            execution.pk,
            LogLevel.INFO,
            "Execution completed: planned, not applied. "
            + metadata.get("plan", {}).get("headline", ""),
        )
        original_id = execution.rollback_of_id
        if original_id is None:
            return
        rolled_back = DeploymentExecution.objects.filter(
            pk=original_id, status=ExecutionStatus.COMPLETED
        ).update(
            status=ExecutionStatus.ROLLED_BACK,
            rollback_executed=True,
            rollback_version=execution.target_version,
            rollback_reason=execution.rollback_reason,
            updated_at=now,
        )
        if rolled_back:
            _log(
                original_id,
                LogLevel.WARN,
                f"Rolled back to version {execution.target_version} by execution {execution.pk}.",
            )
        else:
            _log(
                execution.pk,
                LogLevel.WARN,
                f"Execution {original_id} was no longer completed: not marked rolled-back.",
            )


def stale_after() -> timedelta:
    """How long an in-progress execution may stand still before the reaper fails it
    (DHARMA_DEPLOYMENT_STALE_SECONDS). Its steps each take seconds and touch the row as they
    start and end: one left this long lost its worker (killed mid-run; the redelivered task
    finds it in progress and does nothing, so nothing else would ever end it)."""
    return timedelta(seconds=settings.DHARMA_DEPLOYMENT_STALE_SECONDS)


def _span(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} minutes" if seconds >= 120 and not seconds % 60 else f"{seconds} s"


def reap_stale_executions(*, now: datetime | None = None) -> int:
    """Fail the in-progress executions that have not moved for `stale_after()`, with the
    reason, their running step failed and the rest skipped; the environment is free again."""
    now = now or timezone.now()
    window = stale_after()
    cutoff = now - window
    reason = (
        f"No progress for more than {_span(window.total_seconds())}: the worker running it "
        "stopped (killed or lost) before the execution finished."
    )
    reaped = 0
    stale = DeploymentExecution.objects.filter(
        status=ExecutionStatus.IN_PROGRESS, updated_at__lt=cutoff
    ).values_list("pk", "current_step", "started_at")
    for pk, current_step, started_at in stale:
        with transaction.atomic():
            moved = DeploymentExecution.objects.filter(
                pk=pk, status=ExecutionStatus.IN_PROGRESS, updated_at__lt=cutoff
            ).update(
                status=ExecutionStatus.FAILED,
                error_message=reason,
                error_count=F("error_count") + 1,
                completed_at=now,
                actual_duration=_duration_minutes(started_at, now),
                updated_at=now,
            )
            if not moved:
                continue  # it moved meanwhile: its worker is alive
            DeploymentStep.objects.filter(execution_id=pk, status=StepStatus.IN_PROGRESS).update(
                status=StepStatus.FAILED, error_message=reason, completed_at=now, updated_at=now
            )
            _skip_rest(pk, "Skipped: the execution's worker was lost.")
            _log(pk, LogLevel.ERROR, f"Execution failed at {current_step or 'start'}: {reason}")
            reaped += 1
    return reaped
