"""Cost optimisation candidates from a priced estimate and the catalog. Pure.

Every saving is a difference of two catalog prices applied to the line's own quantity — never a
percentage constant (the original claimed a flat 30–70 %):

- rightsizing: an hourly instance line → the next smaller size of the same family in the same
  catalog product, region and pricing model (the dearest SKU of the family that is cheaper),
  e.g. t3.large → t3.medium, Standard_D4s_v3 → Standard_D2s_v3, e2-standard-4 → e2-standard-2.
  Dharma has no utilisation metrics, so this is a proposal to check against real load;
- reserved-instances: the same SKU's reserved_1y and reserved_3y prices, when the catalog has them;
- spot-instances: the same SKU's spot price, when the catalog has one;
- storage-optimization: object storage in a class → the next colder class the catalog prices
  (S3 standard → standard-ia → glacier → deep-archive; Azure hot → cool → archive; Cloud Storage
  standard → nearline → coldline → archive). Retrieval and early-deletion fees are not in the
  catalog, so the saving holds for data that is rarely read.

Priority from the share saved: ≥ 50 % high, ≥ 20 % medium, else low.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from apps.costing.calculator import Estimate, Line, PriceIndex, PriceRow, money

RIGHTSIZABLE: Final = ("ec2", "vm", "compute-instance", "sql-database", "cloud-sql")
STORAGE_TIERS: Final[dict[str, tuple[str, ...]]] = {
    "s3": ("standard", "standard-ia", "glacier", "deep-archive"),
    "storage-account": ("hot", "cool", "archive"),
    "storage-bucket": ("standard", "nearline", "coldline", "archive"),
}

_AWS_SIZE = re.compile(r"^(?P<family>.+)\.(nano|micro|small|medium|\d*x?large|metal)$", re.I)
_AZURE_VM = re.compile(r"^(?P<prefix>standard_[a-z]+)\d+(?P<suffix>[a-z0-9_]*)$", re.I)
_DASH_SIZE = re.compile(r"^(?P<family>.+)-\d+$")
_DTU_TIER = re.compile(r"^(?P<family>[a-z]+)\d+$", re.I)
_CLOUD_SQL = re.compile(r"^db-custom-\d+-\d+$")


def sku_family(resource_type: str, sku: str) -> str | None:
    """The family a SKU's size belongs to (None when the SKU has no size ladder)."""
    is_rds_instance = resource_type.startswith("rds-") and resource_type != "rds-storage"
    if resource_type == "ec2" or is_rds_instance:
        match = _AWS_SIZE.match(sku)
        return match["family"].lower() if match else None
    if resource_type == "vm":
        match = _AZURE_VM.match(sku)
        return f"{match['prefix']}*{match['suffix']}".lower() if match else None
    if resource_type == "compute-instance":
        match = _DASH_SIZE.match(sku)
        return match["family"].lower() if match else None
    if resource_type == "sql-database":
        match = _DTU_TIER.match(sku)
        return match["family"].upper() if match else None
    if resource_type == "cloud-sql":
        return "db-custom" if _CLOUD_SQL.match(sku) else None
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    recommendation_type: str
    component: str
    component_type: str
    line: str
    target: str
    current_cost: Decimal  # monthly, unrounded
    projected_cost: Decimal
    details: str
    effort: str
    prices: tuple[PriceRow, PriceRow]  # (current, proposed)

    @property
    def potential_savings(self) -> Decimal:
        return self.current_cost - self.projected_cost

    @property
    def savings_percentage(self) -> Decimal:
        return money(self.potential_savings / self.current_cost * 100)

    @property
    def priority(self) -> str:
        share = self.savings_percentage
        return "high" if share >= 50 else "medium" if share >= 20 else "low"

    @property
    def key(self) -> str:
        """Identifies the candidate among a version's recommendations (no duplicates)."""
        return f"{self.recommendation_type}:{self.component}:{self.line}:{self.target}"


def _candidate(
    kind: str, line: Line, row: PriceRow, target: str, details: str, effort: str
) -> Candidate | None:
    assert line.price is not None and line.component is not None
    projected = row.price * line.quantity
    if projected >= line.monthly or line.monthly <= 0:
        return None
    current, proposed = money(line.monthly), money(projected)
    return Candidate(
        recommendation_type=kind,
        component=line.component,
        component_type=line.component_type,
        line=line.name,
        target=target,
        current_cost=line.monthly,
        projected_cost=projected,
        details=(
            f"{details}: {current} → {proposed} {row.currency}/month, saving "
            f"{money(line.monthly - projected)} ({row.provider}/{row.region} list prices of "
            f"{row.effective_date.isoformat()})."
        ),
        effort=effort,
        prices=(line.price, row),
    )


def _rightsizing(line: Line, prices: PriceIndex) -> Candidate | None:
    current = line.price
    assert current is not None
    family = sku_family(current.resource_type, current.sku)
    if family is None:
        return None
    smaller = [
        row
        for row in prices.rows_for(
            current.provider, current.region, current.resource_type, current.pricing_model
        )
        if row.unit == "hour"
        and row.price < current.price
        and sku_family(row.resource_type, row.sku) == family
    ]
    if not smaller:
        return None
    target = max(smaller, key=lambda row: (row.price, row.sku))
    return _candidate(
        "rightsizing",
        line,
        target,
        target.sku,
        f"Right-size {line.component} from {current.sku} to {target.sku}, the next smaller size "
        "of its family, if its measured load allows",
        "low",
    )


def _commitments(line: Line, prices: PriceIndex) -> list[Candidate]:
    current = line.price
    assert current is not None
    found = []
    for model, kind, wording, effort in (
        ("reserved_1y", "reserved-instances", "a 1-year reservation", "low"),
        ("reserved_3y", "reserved-instances", "a 3-year reservation", "low"),
        ("spot", "spot-instances", "spot capacity (interruptible)", "high"),
    ):
        row = prices.get(
            current.provider, current.region, current.resource_type, current.sku, model
        )
        if row is None or row.unit != "hour" or row.currency != current.currency:
            continue
        candidate = _candidate(
            kind, line, row, model, f"Run {line.component} ({current.sku}) on {wording}", effort
        )
        if candidate is not None:
            found.append(candidate)
    return found


def _tiering(line: Line, prices: PriceIndex) -> Candidate | None:
    current = line.price
    assert current is not None
    tiers = STORAGE_TIERS.get(current.resource_type)
    if tiers is None:
        return None
    storage_class, suffix = current.sku.lower(), ""
    if current.resource_type == "storage-account":  # <access tier>-<redundancy>
        storage_class, _, suffix = storage_class.partition("-")
    if storage_class not in tiers:
        return None
    for colder in tiers[tiers.index(storage_class) + 1 :]:
        sku = f"{colder}-{suffix}" if suffix else colder
        row = prices.get(current.provider, current.region, current.resource_type, sku, "on_demand")
        if row is None or row.unit != current.unit or row.currency != current.currency:
            continue
        return _candidate(
            "storage-optimization",
            line,
            row,
            sku,
            f"Move rarely read data of {line.component} from {current.sku} to {sku} "
            "(retrieval and early-deletion fees not included)",
            "medium",
        )
    return None


def recommend(estimate: Estimate, prices: PriceIndex) -> list[Candidate]:
    """The candidates for every priced on-demand line of `estimate`, largest saving first."""
    found: list[Candidate] = []
    for line in estimate.lines:
        row = line.price
        if row is None or line.component is None or row.pricing_model != "on_demand":
            continue
        if row.unit == "hour" and (
            row.resource_type in RIGHTSIZABLE or row.resource_type.startswith("rds-")
        ):
            if (candidate := _rightsizing(line, prices)) is not None:
                found.append(candidate)
            found.extend(_commitments(line, prices))
        elif row.unit == "gb_month" and (candidate := _tiering(line, prices)) is not None:
            found.append(candidate)
    found.sort(key=lambda candidate: (-candidate.potential_savings, candidate.key))
    return found
