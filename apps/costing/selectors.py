"""Reads for the costing views, services and other apps."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.costing.calculator import PriceRow
from apps.costing.models import BudgetAllocation, BudgetSpending, PriceCatalog

_PRICE_FIELDS = (
    "id", "provider", "region", "resource_type", "sku", "pricing_model", "unit", "price",
    "currency", "effective_date", "source", "tenant_id",
)  # fmt: skip


def price_rows(
    *, keys: Iterable[tuple[str, str, str]], as_of: date, tenant_id=None
) -> list[PriceRow]:
    """Every catalog row, effective on or before `as_of`, of the given (provider, region,
    resource_type) combinations — public rows, and `tenant_id`'s own when given — in ONE
    query whatever their number (no query for none).
    All SKUs and pricing models of a product come back: the calculator picks the latest row
    per key, and the recommendations compare sizes, terms and storage classes."""
    by_place: dict[tuple[str, str], set[str]] = defaultdict(set)
    for provider, region, resource_type in keys:
        by_place[(provider, region)].add(resource_type)
    if not by_place:
        return []
    where = Q()
    for (provider, region), resource_types in sorted(by_place.items()):
        where |= Q(provider=provider, region=region, resource_type__in=sorted(resource_types))
    visible = Q(tenant__isnull=True)
    if tenant_id is not None:
        visible |= Q(tenant_id=tenant_id)
    rows = PriceCatalog.objects.filter(where, visible, effective_date__lte=as_of).values(
        *_PRICE_FIELDS
    )
    return [
        PriceRow(
            **{
                **row,
                "id": str(row["id"]),
                "tenant_id": str(row["tenant_id"]) if row["tenant_id"] else None,
            }
        )
        for row in rows
    ]


def tenant_versions(*, tenant_id) -> QuerySet[BlueprintVersion]:
    """Versions of the tenant's live blueprints, with the blueprint (and its project id)."""
    return BlueprintVersion.objects.for_tenant(tenant_id).filter(
        blueprint__deleted_at__isnull=True
    ).select_related("blueprint__project")  # fmt: skip


def blueprint_version_get(*, tenant_id, pk) -> BlueprintVersion:
    return get_object_or_404(tenant_versions(tenant_id=tenant_id), pk=pk)


def blueprint_get(*, tenant_id, pk) -> Blueprint:
    blueprints = Blueprint.objects.for_tenant(tenant_id).filter(deleted_at__isnull=True)
    return get_object_or_404(blueprints, pk=pk)


def budget_allocation_list() -> QuerySet[BudgetAllocation]:
    """Allocations with what has been spent against them (one query, no per-row sums)."""
    return BudgetAllocation.objects.select_related("project").annotate(
        spent=Coalesce(
            Sum("spendings__amount"),
            Value(0),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


def budget_spent(*, allocation: BudgetAllocation):
    return BudgetSpending.objects.filter(allocation=allocation).aggregate(
        total=Coalesce(
            Sum("amount"), Value(0), output_field=DecimalField(max_digits=14, decimal_places=2)
        )
    )["total"]
