"""The deployment gates: checked when an execution is created and again by its task.

1. **Guardrails.** The version's latest guardrail evaluation *for the environment* (production
   rules run only in production evaluations) must pass: no finding stands that is unwaived and
   blocking (soft-fail, hard-fail) or critical/high. Waivers are read as they stand now, the same
   rule the IaC generation gate applies (apps.guardrails.selectors.standing_findings); a version
   failing only with waived findings passes. At creation the latest evaluation is used (one is
   made when there is none); the task evaluates again, so a policy or waiver changed since counts.
   Environment types map to guardrail environments: prod and dr → production; staging, preprod
   and uat → staging; dev and test → dev.
2. **Cost.** The version's monthly estimate (catalog prices, the tenant's negotiated ones
   included) against the environment's monthly budget, read from the project's budget
   allocations (`budget_allocations`, which has no environment column):
   - the allocations that apply are those costing's estimate alerts use: status active, category
     `infrastructure`, fiscal year = this calendar year, effective today, the estimate's currency;
   - an allocation whose `metadata.environment` is the environment's id is that environment's
     own budget; when the environment has any, only those count. Otherwise the project's
     allocations that name no environment count (the environment shares the project budget);
   - allocations are yearly: the monthly budget is their sum / 12. No allocation: no budget, and
     the cost gate passes (the figures say so).
   Above budget, the execution needs an approved approval whose `estimated_monthly_cost` is at
   least the current estimate.
3. **Approval.** A production environment (type prod) needs an approved approval for that
   version and environment. An approval with a deployment window is usable only inside it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.accounts.choices import EnvironmentType
from apps.accounts.models import Environment, User
from apps.blueprints.models import BlueprintVersion
from apps.costing import services as costing_services
from apps.costing.calculator import money
from apps.costing.choices import AllocationStatus, BudgetCategory
from apps.costing.models import BudgetAllocation
from apps.deployments import selectors
from apps.deployments.exceptions import GateRefused
from apps.deployments.models import DeploymentApproval
from apps.guardrails import services as guardrail_services
from apps.guardrails.models import GuardrailEvaluation
from apps.guardrails.selectors import standing_findings

GUARDRAIL_ENVIRONMENT = {
    EnvironmentType.PROD: "production",
    EnvironmentType.DR: "production",
    EnvironmentType.PREPROD: "staging",
    EnvironmentType.STAGING: "staging",
    EnvironmentType.UAT: "staging",
    EnvironmentType.TEST: "dev",
    EnvironmentType.DEV: "dev",
}
MONTHS = Decimal(12)


def guardrail_environment(environment: Environment) -> str:
    return GUARDRAIL_ENVIRONMENT.get(EnvironmentType(environment.type), "")


def is_production(environment: Environment) -> bool:
    return environment.type == EnvironmentType.PROD


# --- guardrails --------------------------------------------------------------------------------


def evaluation_for(
    *, user: User, version: BlueprintVersion, environment: Environment, fresh: bool = False
) -> GuardrailEvaluation:
    """The latest evaluation of `version` for the environment's guardrail environment, or a
    new one (always new when `fresh`). Commits on its own: a refusal names it."""
    name = guardrail_environment(environment)
    if not fresh:
        latest = (
            GuardrailEvaluation.objects.filter(blueprint_version=version, environment=name)
            .order_by("-created_at")
            .first()
        )
        if latest is not None:
            return latest
    return guardrail_services.evaluation_create(user=user, version=version, environment=name)


def guardrail_result(evaluation: GuardrailEvaluation) -> dict[str, Any]:
    standing = standing_findings(evaluation)
    return {
        "passed": not standing,
        "evaluation": str(evaluation.pk),
        "environment": evaluation.environment,
        "evaluated_at": evaluation.created_at.isoformat(),
        "score": evaluation.score,
        "blocked": evaluation.blocked,
        "standing_findings": standing,
    }


# --- cost --------------------------------------------------------------------------------------


@dataclass
class CostFigures:
    monthly_estimate: Decimal
    currency: str
    unpriced: int
    monthly_budget: Decimal | None
    budget_scope: str | None  # "environment", "project" or None (no budget)
    allocations: list[str] = field(default_factory=list)
    yearly_budget: Decimal | None = None

    @property
    def over_budget(self) -> bool:
        return self.monthly_budget is not None and self.monthly_estimate > self.monthly_budget

    def as_dict(self) -> dict[str, Any]:
        return {
            "monthly_estimate": str(self.monthly_estimate),
            "currency": self.currency,
            "unpriced_components": self.unpriced,
            "monthly_budget": None if self.monthly_budget is None else str(self.monthly_budget),
            "yearly_budget": None if self.yearly_budget is None else str(self.yearly_budget),
            "budget_scope": self.budget_scope,
            "allocations": self.allocations,
            "over_budget": self.over_budget,
        }


def environment_budget(
    *, environment: Environment, currency: str, today: date | None = None
) -> tuple[Decimal | None, str | None, list[BudgetAllocation]]:
    """(yearly budget, scope, allocations) of the environment; see the module's rule."""
    today = today or timezone.localdate()
    allocations = list(
        BudgetAllocation.objects.filter(
            project_id=environment.project_id,
            status=AllocationStatus.ACTIVE,
            category=BudgetCategory.INFRASTRUCTURE,
            fiscal_year=today.year,
            effective_date__lte=today,
            currency=currency,
        )
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
        .order_by("effective_date", "pk")
    )

    def target(allocation: BudgetAllocation) -> str | None:
        metadata = allocation.metadata if isinstance(allocation.metadata, dict) else {}
        named = metadata.get("environment")
        return str(named) if named else None

    own = [a for a in allocations if target(a) == str(environment.pk)]
    if own:
        return sum((a.amount for a in own), Decimal(0)), "environment", own
    shared = [a for a in allocations if target(a) is None]
    if shared:
        return sum((a.amount for a in shared), Decimal(0)), "project", shared
    return None, None, []


def cost_figures(*, version: BlueprintVersion, environment: Environment, tenant_id) -> CostFigures:
    """Prices the version now (nothing is stored) and reads the environment's budget."""
    estimate = costing_services.estimate_components(
        costing_services.components_of(version), tenant_id=tenant_id
    )
    return figures_of(
        monthly_total=estimate.monthly_total,
        currency=estimate.currency,
        unpriced=len(estimate.unpriced),
        environment=environment,
    )


def figures_of(
    *, monthly_total: Decimal, currency: str, unpriced: int, environment: Environment
) -> CostFigures:
    """An estimate's figures against the environment's budget."""
    yearly, scope, allocations = environment_budget(environment=environment, currency=currency)
    return CostFigures(
        monthly_estimate=monthly_total,
        currency=currency,
        unpriced=unpriced,
        monthly_budget=None if yearly is None else money(yearly / MONTHS),
        yearly_budget=yearly,
        budget_scope=scope,
        allocations=[str(a.pk) for a in allocations],
    )


# --- approval ----------------------------------------------------------------------------------


def approval_unusable(
    approval: DeploymentApproval,
    *,
    version: BlueprintVersion,
    environment: Environment,
    cost: CostFigures | None,
    now: datetime,
) -> str | None:
    """Why `approval` cannot open the gates for this deployment (None: it can)."""
    if approval.blueprint_version_id != version.pk or (
        approval.target_environment_id != environment.pk
    ):
        return "it is for another version or environment"
    if approval.deleted_at is not None:
        return "it was deleted"
    if approval.status != "approved":
        return f"it is {approval.status}"
    if approval.deployment_window_start and now < approval.deployment_window_start:
        return f"its deployment window opens at {approval.deployment_window_start.isoformat()}"
    if approval.deployment_window_end and now > approval.deployment_window_end:
        return f"its deployment window closed at {approval.deployment_window_end.isoformat()}"
    if cost is not None and cost.over_budget:
        approved = approval.estimated_monthly_cost
        if approved is None or approved < cost.monthly_estimate:
            return (
                f"it approved {approved if approved is not None else 'no'} {cost.currency} a "
                f"month, less than the current estimate of {cost.monthly_estimate} "
                f"{cost.currency}"
            )
    return None


@dataclass
class ApprovalOutcome:
    required_for: list[str]  # "production", "cost"
    approval: DeploymentApproval | None  # the approval that opens the gate (None: none does)
    refusals: list[dict[str, str]]  # approvals considered and why each cannot be used
    named: bool = False  # the caller named the approval to use

    @property
    def passed(self) -> bool:
        return self.approval is not None or (not self.required_for and not self.named)

    def as_dict(self) -> dict[str, Any]:
        return {
            "required_for": self.required_for,
            "approval": None if self.approval is None else str(self.approval.pk),
            "passed": self.passed,
            "refused": self.refusals,
        }


def approval_gate(
    *,
    version: BlueprintVersion,
    environment: Environment,
    cost: CostFigures,
    approval: DeploymentApproval | None = None,
    now: datetime | None = None,
) -> ApprovalOutcome:
    """Whether an approval is needed and which one opens the gate. With `approval` given, only
    that one is considered; otherwise the newest usable approved one is chosen."""
    now = now or timezone.now()
    required_for = []
    if is_production(environment):
        required_for.append("production")
    if cost.over_budget:
        required_for.append("cost")
    candidates = (
        [approval]
        if approval is not None
        else list(
            selectors.approved_approvals(version_id=version.pk, environment_id=environment.pk)
        )
    )
    refusals: list[dict[str, str]] = []
    for candidate in candidates:
        why = approval_unusable(
            candidate, version=version, environment=environment, cost=cost, now=now
        )
        if why is None:
            return ApprovalOutcome(required_for, candidate, refusals, approval is not None)
        refusals.append({"approval": str(candidate.pk), "reason": why})
    return ApprovalOutcome(required_for, None, refusals, approval is not None)


@dataclass
class GateReport:
    cost: CostFigures
    approval: ApprovalOutcome
    guardrails: dict[str, Any] | None = None  # None: not part of this check

    @property
    def refusal(self) -> str | None:
        """The code of the first gate that refuses, or None."""
        if self.guardrails is not None and not self.guardrails["passed"]:
            return "guardrails_refused"
        approval = self.approval
        if approval.passed:
            return None
        if approval.named:
            return "approval_unusable"
        if approval.required_for == ["cost"] or (self.cost.over_budget and approval.refusals):
            return "cost_approval_required"
        return "approval_required"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.guardrails is not None:
            out["guardrails"] = self.guardrails
        out.update(
            cost=self.cost.as_dict(), approval=self.approval.as_dict(), passed=not self.refusal
        )
        return out

    def message(self) -> str:
        code = self.refusal
        if code == "guardrails_refused":
            assert self.guardrails is not None
            standing = self.guardrails["standing_findings"]
            blocking = sum(1 for finding in standing if finding["blocking"])
            return (
                f"Guardrails refuse this version for this environment: {blocking} blocking and "
                f"{len(standing) - blocking} other unwaived critical or high finding(s) in "
                f"evaluation {self.guardrails['evaluation']} (score {self.guardrails['score']})."
            )
        refusals = self.approval.refusals
        if code == "approval_unusable":
            first = refusals[0]
            return f"The approval {first['approval']} cannot be used: {first['reason']}."
        required_for = self.approval.required_for
        cost = self.cost
        reasons = []
        if "production" in required_for:
            reasons.append("the environment is production")
        if "cost" in required_for:
            reasons.append(
                f"the monthly estimate of {cost.monthly_estimate} {cost.currency} is above the "
                f"{cost.budget_scope} monthly budget of {cost.monthly_budget} {cost.currency} "
                f"({cost.yearly_budget} {cost.currency} a year)"
            )
        needed = "An approved approval for this version and environment is needed"
        if "cost" in required_for:
            needed += f", approving at least {cost.monthly_estimate} {cost.currency} a month"
        tried = "; ".join(f"{r['approval']}: {r['reason']}" for r in refusals)
        return f"{needed}: {' and '.join(reasons)}." + (f" Not usable: {tried}." if tried else "")


def check_gates(
    *,
    user: User,
    version: BlueprintVersion,
    environment: Environment,
    evaluation: GuardrailEvaluation,
    approval: DeploymentApproval | None = None,
) -> GateReport:
    """Every gate's outcome for deploying `version` to `environment`."""
    cost = cost_figures(version=version, environment=environment, tenant_id=user.tenant_id)
    return GateReport(
        cost=cost,
        approval=approval_gate(
            version=version, environment=environment, cost=cost, approval=approval
        ),
        guardrails=guardrail_result(evaluation),
    )


def enforce(report: GateReport) -> None:
    code = report.refusal
    if code is not None:
        raise GateRefused(report.message(), code=code, details={"gate": code, **report.as_dict()})
