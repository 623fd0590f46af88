"""Costing: estimates, the price catalog, budgets and recommendations. Keyword-only, atomic
writes; refusals are domain errors.

Budget alerts (budget_alerts) fire at 90 % (warning) and 100 % (critical) of an allocation's
amount, **once each** per allocation, threshold and source:

- source `spending`: the allocation's recorded spending (sum of budget_spending) reaches the
  threshold, checked when spending is recorded and when the allocation's amount changes;
- source `estimate`: a cost estimate's *yearly* total, for a blueprint of the project, reaches
  the threshold of each allocation that applies to it — status active, same project, category
  `infrastructure` (what a cloud bill is), `fiscal_year` = the current calendar year (Dharma has
  no fiscal calendar), effective on or before today and not expired before today, same currency.

budget_alerts has no allocation column, so an alert's `category` names what it is about:
`<source>:<percent>:<allocation id>` (e.g. `spending:90:6f1c…`), which is how "once" is checked.
The check runs with the allocation row locked (SELECT … FOR UPDATE), so two concurrent writers
cannot both see "no alert yet" and both create one.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Project, User
from apps.blueprints.models import BlueprintVersion
from apps.core.models import AlertSeverity
from apps.costing import selectors
from apps.costing.calculator import (
    Estimate,
    EstimateOptions,
    PriceIndex,
    money,
    price_plans,
)
from apps.costing.choices import AllocationStatus, BudgetCategory, RecommendationStatus
from apps.costing.exceptions import AllocationNotActive, InvalidStatusChange
from apps.costing.models import (
    BudgetAlert,
    BudgetAllocation,
    BudgetSpending,
    CostEstimate,
    CostOptimizationRecommendation,
    PriceCatalog,
)
from apps.costing.optimization import recommend
from apps.costing.price_files import KEY as PRICE_KEY
from apps.costing.products import plan_components

THRESHOLDS: tuple[tuple[int, str], ...] = (
    (90, AlertSeverity.WARNING),
    (100, AlertSeverity.CRITICAL),
)


# --- estimates ---------------------------------------------------------------------------------


def _estimate(
    components: Sequence[Mapping[str, Any]],
    options: EstimateOptions | Mapping[str, Any] | None,
    as_of: date | None,
    tenant_id=None,
) -> tuple[Estimate, PriceIndex]:
    planned = plan_components(components)
    today = as_of or timezone.localdate()
    rows = selectors.price_rows(keys=planned.price_keys(), as_of=today, tenant_id=tenant_id)
    index = PriceIndex(rows, as_of=today)
    return price_plans(planned, index, options=options), index


def estimate_components(
    components: Sequence[Mapping[str, Any]],
    *,
    options: EstimateOptions | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    tenant_id=None,
) -> Estimate:
    """Price blueprint graph components (`{name, type, provider, region, properties}` dicts)
    with the catalog prices effective on `as_of` (default today). Reads the prices in ONE
    query (none when nothing needs a price), writes nothing. `options`: include_support,
    include_network_egress, include_backup (a mapping or EstimateOptions). `tenant_id`: also
    use that tenant's negotiated prices (public list prices only when None).

    The result's `monthly_total` (and hourly/daily/yearly_total) are Decimals rounded to the
    cent (hourly to 4 places); `lines`, `unpriced` and `breakdown` explain them."""
    return _estimate(components, options, as_of, tenant_id)[0]


def components_of(version: BlueprintVersion) -> Sequence[Mapping[str, Any]]:
    graph = version.graph_json if isinstance(version.graph_json, dict) else {}
    components = graph.get("components")
    return components if isinstance(components, list) else []


@transaction.atomic
def cost_estimate_create(
    *, user: User, version: BlueprintVersion, options: Mapping[str, Any] | None = None
) -> CostEstimate:
    """Price `version` and keep the result; raises the project's estimate budget alerts."""
    estimate = estimate_components(
        components_of(version), options=options, tenant_id=user.tenant_id
    )
    project_id = version.blueprint.project_id
    stored = CostEstimate.objects.create(
        tenant_id=user.tenant_id,
        project_id=project_id,
        blueprint_version=version,
        options=estimate.options.as_dict(),
        lines=[line.as_dict() for line in estimate.lines],
        unpriced=[entry.as_dict() for entry in estimate.unpriced],
        hourly_total=estimate.hourly_total,
        daily_total=estimate.daily_total,
        monthly_total=estimate.monthly_total,
        yearly_total=estimate.yearly_total,
        breakdown={key: str(value) for key, value in estimate.breakdown.items()},
        currency=estimate.currency,
        created_by=user,
    )
    _estimate_alerts(project_id=project_id, estimate=stored)
    return stored


# --- price catalog -----------------------------------------------------------------------------


@transaction.atomic
def price_catalog_upsert(*, rows: list[dict[str, Any]], tenant=None) -> tuple[int, int]:
    """Store checked rows (apps/costing/price_files.py) as public list prices, or as `tenant`'s
    negotiated prices: a row with the key of an existing one replaces its unit, price,
    currency and source; others are added. Returns (added, updated)."""
    tenant_id = getattr(tenant, "pk", tenant)
    existing = {
        tuple(getattr(price, field) for field in PRICE_KEY): price
        for price in PriceCatalog.objects.select_for_update().filter(
            tenant_id=tenant_id,
            provider__in={row["provider"] for row in rows},
            resource_type__in={row["resource_type"] for row in rows},
            effective_date__in={row["effective_date"] for row in rows},
        )
    }
    new, changed = [], []
    for row in rows:
        price = existing.get(tuple(row[field] for field in PRICE_KEY))
        if price is None:
            new.append(PriceCatalog(tenant_id=tenant_id, **row))
            continue
        for field in ("unit", "price", "currency", "source"):
            setattr(price, field, row[field])
        changed.append(price)
    PriceCatalog.objects.bulk_create(new, batch_size=500)
    PriceCatalog.objects.bulk_update(
        changed, ["unit", "price", "currency", "source", "updated_at"], batch_size=500
    )
    return len(new), len(changed)


# --- budgets -----------------------------------------------------------------------------------


def _alert_category(source: str, percent: int, allocation: BudgetAllocation) -> str:
    return f"{source}:{percent}:{allocation.pk}"


def _raise_alerts(
    *, allocation: BudgetAllocation, source: str, amount: Decimal, what: str
) -> list[BudgetAlert]:
    """Alerts for each threshold `amount` reached that has none yet. The caller holds the
    allocation's row lock."""
    categories = {
        _alert_category(source, percent, allocation): (percent, severity)
        for percent, severity in THRESHOLDS
    }
    existing = set(
        BudgetAlert.objects.filter(
            project_id=allocation.project_id, category__in=categories
        ).values_list("category", flat=True)
    )
    raised = []
    for category, (percent, severity) in categories.items():
        threshold = money(allocation.amount * percent / 100)
        if category in existing or amount < threshold:
            continue
        share = money(amount / allocation.amount * 100, Decimal("0.1"))
        raised.append(
            BudgetAlert(
                tenant_id=allocation.tenant_id,
                project_id=allocation.project_id,
                severity=severity,
                category=category,
                message=(
                    f"{what} is {money(amount)} {allocation.currency}, {share} % of the "
                    f"{allocation.fiscal_year} {allocation.category} budget of "
                    f"{allocation.amount} {allocation.currency}: past its {percent} % threshold."
                ),
                current_spend=money(amount),
                threshold=threshold,
            )
        )
    return BudgetAlert.objects.bulk_create(raised)


def _spending_alerts(allocation: BudgetAllocation) -> list[BudgetAlert]:
    return _raise_alerts(
        allocation=allocation,
        source="spending",
        amount=selectors.budget_spent(allocation=allocation),
        what="Recorded spending",
    )


def _estimate_alerts(*, project_id, estimate: CostEstimate) -> list[BudgetAlert]:
    today = timezone.localdate()
    allocations = (
        BudgetAllocation.objects.select_for_update()
        .filter(
            project_id=project_id,
            status=AllocationStatus.ACTIVE,
            category=BudgetCategory.INFRASTRUCTURE,
            fiscal_year=today.year,
            effective_date__lte=today,
            currency=estimate.currency,
        )
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
        .order_by("pk")  # one lock order for every writer
    )
    raised = []
    for allocation in allocations:
        raised += _raise_alerts(
            allocation=allocation,
            source="estimate",
            amount=estimate.yearly_total,
            what=f"The yearly cost estimate of blueprint version {estimate.blueprint_version_id}",
        )
    return raised


@transaction.atomic
def budget_allocation_create(*, user: User, project: Project, **fields) -> BudgetAllocation:
    return BudgetAllocation.objects.create(
        tenant_id=project.tenant_id, project=project, allocated_by=user, **fields
    )


@transaction.atomic
def budget_allocation_update(*, allocation: BudgetAllocation, **fields) -> BudgetAllocation:
    """A changed amount can put recorded spending past a threshold: checked here too."""
    locked = BudgetAllocation.objects.select_for_update().get(pk=allocation.pk)
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.save(update_fields=[*fields, "updated_at"])
    if "amount" in fields:
        _spending_alerts(locked)
    return locked


@transaction.atomic
def budget_spending_record(
    *,
    user: User,
    allocation: BudgetAllocation,
    amount: Decimal,
    description: str,
    spending_date: date,
) -> tuple[BudgetSpending, list[BudgetAlert]]:
    """Append spending to an active allocation; returns it and the alerts it raised."""
    locked = BudgetAllocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.status != AllocationStatus.ACTIVE:
        raise AllocationNotActive(
            f"The allocation is {locked.status}: spending is recorded only on active ones."
        )
    spending = BudgetSpending.objects.create(
        allocation=locked,
        tenant_id=locked.tenant_id,
        amount=amount,
        description=description,
        spending_date=spending_date,
        recorded_by=user,
    )
    return spending, _spending_alerts(locked)


@transaction.atomic
def budget_alert_acknowledge(*, user: User, alert: BudgetAlert) -> BudgetAlert:
    """Idempotent: acknowledging again keeps the first acknowledgement."""
    locked = BudgetAlert.objects.select_for_update().get(pk=alert.pk)
    if not locked.acknowledged:
        locked.acknowledged = True
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.save(
            update_fields=["acknowledged", "acknowledged_by", "acknowledged_at", "updated_at"]
        )
    return locked


# --- recommendations ---------------------------------------------------------------------------


@transaction.atomic
def cost_recommendations_generate(
    *, user: User, version: BlueprintVersion
) -> tuple[list[CostOptimizationRecommendation], int]:
    """Recommendations for `version` from catalog prices. Each candidate is stored once per
    version whatever its later status (a dismissed one is not raised again). Returns all of
    the version's recommendations and how many were new."""
    # Serialises generations for one version, so the "once" check cannot race.
    BlueprintVersion.objects.select_for_update().filter(pk=version.pk).values_list("pk").get()
    estimate, index = _estimate(components_of(version), None, None, user.tenant_id)
    mine = CostOptimizationRecommendation.objects.filter(
        tenant_id=user.tenant_id, metadata__blueprint_version=str(version.pk)
    )
    known = set(mine.values_list("metadata__key", flat=True))
    new = []
    for candidate in recommend(estimate, index):
        if candidate.key in known:
            continue
        known.add(candidate.key)
        current, proposed = candidate.prices
        new.append(
            CostOptimizationRecommendation(
                tenant_id=user.tenant_id,
                project_id=version.blueprint.project_id,
                recommendation_type=candidate.recommendation_type,
                resource_type=candidate.component_type[:50],
                resource_id=candidate.component[:255],
                current_cost=money(candidate.current_cost),
                projected_cost=money(candidate.projected_cost),
                potential_savings=money(candidate.potential_savings),
                savings_percentage=candidate.savings_percentage,
                priority=candidate.priority,
                recommendation_details=candidate.details,
                implementation_effort=candidate.effort,
                metadata={
                    "key": candidate.key,
                    "blueprint": str(version.blueprint_id),
                    "blueprint_version": str(version.pk),
                    "version_number": version.version_number,
                    "line": candidate.line,
                    "target": candidate.target,
                    "currency": current.currency,
                    "prices": {
                        "current": current.reference(),
                        "proposed": proposed.reference(),
                    },
                },
            )
        )
    CostOptimizationRecommendation.objects.bulk_create(new)
    return list(mine.order_by("-potential_savings", "created_at")), len(new)


# Which statuses a recommendation may move to from each one.
_NEXT_STATUS = {
    RecommendationStatus.OPEN: {
        RecommendationStatus.IN_PROGRESS,
        RecommendationStatus.IMPLEMENTED,
        RecommendationStatus.DISMISSED,
    },
    RecommendationStatus.IN_PROGRESS: {
        RecommendationStatus.OPEN,
        RecommendationStatus.IMPLEMENTED,
        RecommendationStatus.DISMISSED,
    },
    RecommendationStatus.DISMISSED: {RecommendationStatus.OPEN},
    RecommendationStatus.IMPLEMENTED: set(),
}


@transaction.atomic
def cost_recommendation_set_status(
    *,
    user: User,
    recommendation: CostOptimizationRecommendation,
    status: str,
    dismissal_reason: str = "",
) -> CostOptimizationRecommendation:
    """Move a recommendation along open → in-progress → implemented | dismissed (a reason is
    required to dismiss; a dismissed one may be reopened; implemented is final)."""
    locked = CostOptimizationRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    if status == locked.status:
        return locked
    if status not in _NEXT_STATUS[RecommendationStatus(locked.status)]:
        raise InvalidStatusChange(
            f"A recommendation that is {locked.status} cannot become {status}.",
            fields={"status": [f"Not allowed from {locked.status}."]},
        )
    now = timezone.now()
    locked.status = status
    if status == RecommendationStatus.DISMISSED:
        if not dismissal_reason.strip():
            raise InvalidStatusChange(
                "Say why the recommendation is dismissed.",
                fields={"dismissal_reason": ["Required to dismiss."]},
            )
        locked.dismissed_by, locked.dismissed_at = user, now
        locked.dismissal_reason = dismissal_reason.strip()
    elif status == RecommendationStatus.IMPLEMENTED:
        locked.implemented_by, locked.implemented_at = user, now
    locked.save()
    return locked
