"""The cost calculator: blueprint components × catalog prices → priced lines and totals. Pure.

No ORM: prices come in as a `PriceIndex` built from `PriceRow`s (apps/costing/services.py loads
them in one query), so pricing 10,000 components is dictionary lookups and Decimal arithmetic.

- Each component becomes lines (apps/costing/products.py says which). A line's monthly cost is
  hourly × running hours (730 unless `monthly_hours`) for hourly prices, price × monthly usage
  for usage prices (GB-months, million requests, GB-seconds, disks). Every priced line names the
  catalog row it used.
- A line without a price is *unpriced*, with the reason; nothing is guessed and there is no
  fallback price (the original system priced any miss at a made-up 0.02–0.10 $/h).
- The options of the original are explicit extra lines: support +10 % of the resources, then
  network egress +5 % of resources and support (compounded, as the original), then backup =
  15 % of the resources' storage cost.
- Totals as the original: monthly; hourly = monthly / 730; daily = monthly / 30; yearly =
  12 × monthly. Breakdown by category: compute, storage, network, database, other.
- Decimal throughout; amounts are rounded only when shown (`as_dict`) and totals are summed from
  the unrounded lines.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from apps.costing.products import (
    CATEGORIES,
    HOURS_PER_MONTH,
    LineRequest,
    Plan,
    PlannedComponents,
    plan_components,
)

CENT: Final = Decimal("0.01")
HOURLY_PLACES: Final = Decimal("0.0001")
DAYS_PER_MONTH: Final = Decimal(30)
MONTHS_PER_YEAR: Final = Decimal(12)
SUPPORT_RATE: Final = Decimal("0.10")
EGRESS_RATE: Final = Decimal("0.05")
BACKUP_RATE: Final = Decimal("0.15")

PriceKey = tuple[str, str, str, str, str]  # provider, region, resource_type, sku (lower), model


def money(amount: Decimal, places: Decimal = CENT) -> Decimal:
    return amount.quantize(places, rounding=ROUND_HALF_UP)


def plain_number(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: '730', '0.0832', '0.0000166667'."""
    text = format(number.normalize(), "f")
    return text


@dataclass(frozen=True, slots=True)
class PriceRow:
    id: str
    provider: str
    region: str
    resource_type: str
    sku: str
    pricing_model: str
    unit: str
    price: Decimal
    currency: str
    effective_date: date
    source: str = ""
    tenant_id: str | None = None  # a tenant's negotiated price; None: the public list price

    def reference(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "region": self.region,
            "resource_type": self.resource_type,
            "sku": self.sku,
            "pricing_model": self.pricing_model,
            "unit": self.unit,
            "price": plain_number(self.price),
            "effective_date": self.effective_date.isoformat(),
            "negotiated": self.tenant_id is not None,
        }


class PriceIndex:
    """Catalog rows by (provider, region, resource_type, sku, pricing_model), keeping for each
    the row with the latest effective date on or before `as_of` (later rows are ignored); a
    tenant's negotiated row wins over the public one whatever their dates. SKUs match
    case-insensitively (`standard_d2s_v3` finds `Standard_D2s_v3`)."""

    def __init__(self, rows: Iterable[PriceRow], *, as_of: date | None = None):
        self._rows: dict[PriceKey, PriceRow] = {}
        for row in rows:
            if as_of is not None and row.effective_date > as_of:
                continue
            key = (row.provider, row.region, row.resource_type, row.sku.lower(), row.pricing_model)
            kept = self._rows.get(key)
            if kept is None or (row.tenant_id is not None, row.effective_date) > (
                kept.tenant_id is not None,
                kept.effective_date,
            ):
                self._rows[key] = row
        self._products: dict[tuple[str, str, str], list[PriceRow]] = {}
        for row in self._rows.values():
            self._products.setdefault((row.provider, row.region, row.resource_type), []).append(row)

    def __len__(self) -> int:
        return len(self._rows)

    def get(
        self, provider: str, region: str, resource_type: str, sku: str, pricing_model: str
    ) -> PriceRow | None:
        return self._rows.get((provider, region, resource_type, sku.lower(), pricing_model))

    def covers(self, provider: str, region: str, resource_type: str) -> bool:
        """Whether the catalog has any price for the product in the region."""
        return (provider, region, resource_type) in self._products

    def rows_for(
        self, provider: str, region: str, resource_type: str, pricing_model: str
    ) -> list[PriceRow]:
        return [
            row
            for row in self._products.get((provider, region, resource_type), [])
            if row.pricing_model == pricing_model
        ]


@dataclass(frozen=True, slots=True)
class EstimateOptions:
    include_support: bool = False
    include_network_egress: bool = False
    include_backup: bool = False

    @classmethod
    def of(cls, options: "EstimateOptions | Mapping[str, Any] | None") -> "EstimateOptions":
        if options is None:
            return cls()
        if isinstance(options, EstimateOptions):
            return options
        return cls(**{key: bool(options.get(key, False)) for key in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, bool]:
        return {
            "include_support": self.include_support,
            "include_network_egress": self.include_network_egress,
            "include_backup": self.include_backup,
        }


@dataclass(slots=True)
class Line:
    component: str | None  # None for the option lines
    component_type: str
    name: str
    category: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    hourly: Decimal
    monthly: Decimal
    pricing_model: str | None = None
    price: PriceRow | None = None
    option: str | None = None  # include_support, include_network_egress, include_backup
    note: str | None = None  # why a line is free, or what an option line is a share of
    sku: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "component_type": self.component_type,
            "name": self.name,
            "category": self.category,
            "sku": self.sku,
            "quantity": plain_number(self.quantity),
            "unit": self.unit,
            "unit_price": plain_number(self.unit_price),
            "pricing_model": self.pricing_model,
            "hourly": str(money(self.hourly, HOURLY_PLACES)),
            "monthly": str(money(self.monthly)),
            "price": self.price.reference() if self.price is not None else None,
            "option": self.option,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Unpriced:
    component: str
    component_type: str
    line: str | None  # None: the whole component
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "component_type": self.component_type,
            "line": self.line,
            "reason": self.reason,
        }


@dataclass
class Estimate:
    currency: str
    options: EstimateOptions
    lines: list[Line] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)
    monthly_exact: Decimal = Decimal(0)
    breakdown_exact: dict[str, Decimal] = field(default_factory=dict)

    @property
    def monthly_total(self) -> Decimal:
        return money(self.monthly_exact)

    @property
    def hourly_total(self) -> Decimal:
        return money(self.monthly_exact / HOURS_PER_MONTH, HOURLY_PLACES)

    @property
    def daily_total(self) -> Decimal:
        return money(self.monthly_exact / DAYS_PER_MONTH)

    @property
    def yearly_total(self) -> Decimal:
        return money(self.monthly_exact * MONTHS_PER_YEAR)

    @property
    def breakdown(self) -> dict[str, Decimal]:
        return {category: money(self.breakdown_exact[category]) for category in CATEGORIES}

    def totals(self) -> dict[str, str]:
        return {
            "hourly": str(self.hourly_total),
            "daily": str(self.daily_total),
            "monthly": str(self.monthly_total),
            "yearly": str(self.yearly_total),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "options": self.options.as_dict(),
            "totals": self.totals(),
            "breakdown": {key: str(value) for key, value in self.breakdown.items()},
            "lines": [line.as_dict() for line in self.lines],
            "unpriced": [entry.as_dict() for entry in self.unpriced],
        }


def _price_line(plan: Plan, request: LineRequest, row: PriceRow) -> Line | str:
    """The priced line, or why the row cannot price it (a unit the request has no usage in)."""
    quantity = request.usage.get(row.unit)
    if quantity is None:
        offered = ", ".join(sorted(request.usage))
        return f"the catalog prices {row.sku} per {row.unit}; this line's usage is in {offered}"
    monthly = row.price * quantity
    hourly = row.price * request.count if row.unit == "hour" else monthly / HOURS_PER_MONTH
    return Line(
        component=plan.component,
        component_type=plan.component_type,
        name=request.name,
        category=plan.category,
        quantity=quantity,
        unit=row.unit,
        unit_price=row.price,
        hourly=hourly,
        monthly=monthly,
        pricing_model=row.pricing_model,
        price=row,
        sku=row.sku,
    )


def _missing_reason(plan: Plan, request: LineRequest, prices: PriceIndex) -> str:
    if not prices.covers(plan.provider, plan.region, request.resource_type):
        return f"no prices for {request.resource_type} in {plan.provider}/{plan.region}"
    return (
        f"no {request.pricing_model} price for {request.resource_type} {request.sku!r} "
        f"in {plan.provider}/{plan.region}"
    )


def _option_line(option: str, name: str, category: str, rate: Decimal, base: Decimal) -> Line:
    monthly = base * rate
    return Line(
        component=None,
        component_type="",
        name=name,
        category=category,
        quantity=Decimal(1),
        unit="month",
        unit_price=monthly,
        hourly=monthly / HOURS_PER_MONTH,
        monthly=monthly,
        option=option,
        note=f"{plain_number(rate * 100)} % of {money(base)}",
    )


def price_plans(
    planned: PlannedComponents,
    prices: PriceIndex,
    *,
    options: EstimateOptions | Mapping[str, Any] | None = None,
    currency: str = "USD",
) -> Estimate:
    chosen = EstimateOptions.of(options)
    estimate = Estimate(currency=currency, options=chosen)
    lines, unpriced = estimate.lines, estimate.unpriced
    for plan in planned.plans:
        if plan.free_reason is not None:
            lines.append(
                Line(
                    component=plan.component,
                    component_type=plan.component_type,
                    name="No charge",
                    category=plan.category,
                    quantity=Decimal(0),
                    unit="month",
                    unit_price=Decimal(0),
                    hourly=Decimal(0),
                    monthly=Decimal(0),
                    note=plan.free_reason,
                )
            )
            continue
        for line_name, reason in plan.problems:
            unpriced.append(Unpriced(plan.component, plan.component_type, line_name, reason))
        for request in plan.requests:
            row = prices.get(
                plan.provider,
                plan.region,
                request.resource_type,
                request.sku,
                request.pricing_model,
            )
            if row is None:
                reason = _missing_reason(plan, request, prices)
            elif row.currency != currency:
                reason = f"the catalog price is in {row.currency}, the estimate in {currency}"
            else:
                priced = _price_line(plan, request, row)
                if isinstance(priced, Line):
                    lines.append(priced)
                    continue
                reason = priced
            unpriced.append(Unpriced(plan.component, plan.component_type, request.name, reason))

    breakdown = dict.fromkeys(CATEGORIES, Decimal(0))
    for line in lines:
        breakdown[line.category] += line.monthly
    resources = sum(breakdown.values(), Decimal(0))
    storage = breakdown["storage"]
    extra: list[Line] = []
    support = Decimal(0)
    if chosen.include_support:
        extra.append(_option_line("include_support", "Support", "other", SUPPORT_RATE, resources))
        support = extra[-1].monthly
    if chosen.include_network_egress:
        extra.append(
            _option_line(
                "include_network_egress",
                "Network egress",
                "network",
                EGRESS_RATE,
                resources + support,
            )
        )
    if chosen.include_backup:
        extra.append(_option_line("include_backup", "Backup", "storage", BACKUP_RATE, storage))
    for line in extra:
        breakdown[line.category] += line.monthly
    lines.extend(extra)
    estimate.breakdown_exact = breakdown
    estimate.monthly_exact = sum(breakdown.values(), Decimal(0))
    return estimate


def calculate(
    components: Sequence[Mapping[str, Any]],
    prices: PriceIndex,
    *,
    options: EstimateOptions | Mapping[str, Any] | None = None,
    currency: str = "USD",
) -> Estimate:
    """Price `components` (blueprint graph components) with `prices`."""
    return price_plans(plan_components(components), prices, options=options, currency=currency)
