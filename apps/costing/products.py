"""Which catalog product prices a component, and how much of it the component uses. Pure.

A component is priced by a *product* of the price catalog (`price_catalog.resource_type`):

1. its type's entry in `FREE_TYPES` makes it a free line (resources the providers do not bill:
   networks, subnets, security groups / firewall rules, IAM, templates);
2. else its type's entry in `PRODUCT_BY_TYPE` names the product (block storage and other types
   whose kind alone is ambiguous), or `None`: a known type with no product in the catalog;
3. else the product of its (provider, kind) in `PRODUCT_BY_KIND`, the kind coming from
   `apps.blueprints.kinds.kind_of`;
4. else it is unpriced ("no catalog product for <kind> on <provider>").

The product decides the SKU and the monthly usage from the component's properties (see each
`_plan_*` function). Defaults are only the providers' own documented defaults (S3 and Cloud
Storage create STANDARD objects, an Azure account's access tier is Hot, EBS CreateVolume and
RDS default to gp2, GCE disks to pd-standard, Cloud SQL to SSD, `aws_lb` to an application load
balancer); anything else missing leaves the line unpriced with the reason.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from apps.blueprints.kinds import kind_of

HOURS_PER_MONTH: Final = Decimal(730)
MAX_MONTHLY_HOURS: Final = Decimal(744)  # 31 days
PRICING_MODELS: Final = ("on_demand", "reserved_1y", "reserved_3y", "spot")

CATEGORY_BY_KIND: Final[dict[str, str]] = {
    "compute": "compute",
    "function": "compute",
    "kubernetes": "compute",
    "app_service": "compute",
    "database": "database",
    "cache": "database",
    "storage": "storage",
    "network": "network",
    "subnet": "network",
    "firewall": "network",
    "load_balancer": "network",
    "api_gateway": "network",
}
CATEGORIES: Final = ("compute", "storage", "network", "database", "other")

_NO_CHARGE = "the provider does not bill for this resource"
_TEMPLATE = "a template: the instances made from it are billed, not the template"
FREE_TYPES: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "vpc", "subnet", "security-group", "iam-role", "iam-policy", "vnet", "nsg",
            "firewall", "aws_vpc", "aws_subnet", "aws_security_group", "aws_security_group_rule",
            "aws_iam_role", "aws_iam_policy", "aws_iam_user", "AWS::EC2::VPC",
            "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "azurerm_virtual_network",
            "azurerm_subnet", "azurerm_network_security_group", "azurerm_network_security_rule",
            "Microsoft.Network/virtualNetworks", "Microsoft.Network/networkSecurityGroups",
            "google_compute_network", "google_compute_subnetwork", "google_compute_firewall",
        ),
        _NO_CHARGE,
    ),
    **dict.fromkeys(
        ("aws_launch_template", "google_compute_instance_template"), _TEMPLATE
    ),
}  # fmt: skip

PRODUCT_BY_TYPE: Final[dict[str, str | None]] = {
    "ebs": "ebs",
    "aws_ebs_volume": "ebs",
    "managed-disk": "managed-disk",
    "azurerm_managed_disk": "managed-disk",
    "Microsoft.Compute/disks": "managed-disk",
    "persistent-disk": "persistent-disk",
    "google_compute_disk": "persistent-disk",
    # Known types the catalog has no product for (priced differently from their kind's product).
    "aws_dynamodb_table": None,
    "aws_rds_cluster": None,
    "aws_efs_file_system": None,
    "azurerm_cosmosdb_account": None,
    "azurerm_postgresql_flexible_server": None,
}

PRODUCT_BY_KIND: Final[dict[tuple[str, str], str]] = {
    ("aws", "compute"): "ec2",
    ("aws", "database"): "rds",
    ("aws", "storage"): "s3",
    ("aws", "load_balancer"): "elb",
    ("aws", "function"): "lambda",
    ("azure", "compute"): "vm",
    ("azure", "database"): "sql-database",
    ("azure", "storage"): "storage-account",
    ("gcp", "compute"): "compute-instance",
    ("gcp", "database"): "cloud-sql",
    ("gcp", "storage"): "storage-bucket",
}


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One priced line a component needs: `usage` is its monthly quantity per price unit, so
    the line can be priced whatever unit the catalog row is in (an hourly instance line offers
    hours; a disk offers GB-months or disks). `count` is the number of instances, used for the
    cost of one running hour."""

    name: str
    resource_type: str
    sku: str
    usage: Mapping[str, Decimal]
    count: Decimal = Decimal(1)
    pricing_model: str = "on_demand"


@dataclass(frozen=True, slots=True)
class Plan:
    component: str
    component_type: str
    kind: str
    category: str
    provider: str
    region: str
    product: str | None = None
    requests: tuple[LineRequest, ...] = ()
    problems: tuple[tuple[str | None, str], ...] = ()  # (line name or None, reason)
    free_reason: str | None = None


class _Props:
    """Reads usage figures from a component's properties; each failure is a stated reason."""

    def __init__(self, properties: Mapping[str, Any]):
        self.properties = properties
        self.problems: list[tuple[str | None, str]] = []

    def text(self, *keys: str) -> str | None:
        for key in keys:
            value = self.properties.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    def number(self, line: str | None, *keys: str, integer: bool = False) -> Decimal | None:
        for key in keys:
            if key not in self.properties or self.properties[key] in (None, ""):
                continue
            value = self.properties[key]
            try:
                if isinstance(value, bool):
                    raise TypeError
                number = Decimal(str(value))
            except (InvalidOperation, TypeError, ValueError):
                number = None
            if (
                number is None
                or not number.is_finite()
                or number < 0
                or (integer and number != number.to_integral_value())
            ):
                kind = "a whole number ≥ 0" if integer else "a number ≥ 0"
                self.problems.append((line, f"{key} must be {kind}, got {value!r}"))
                return None
            return number
        return None

    def count(self) -> Decimal | None:
        seen = len(self.problems)
        count = self.number(None, "count", "instance_count", integer=True)
        if count is None:
            return None if len(self.problems) > seen else Decimal(1)
        if count == 0:
            self.problems.append((None, "count is 0: nothing runs"))
            return None
        return count

    def hours(self) -> Decimal | None:
        seen = len(self.problems)
        hours = self.number(None, "monthly_hours")
        if hours is None:
            return None if len(self.problems) > seen else HOURS_PER_MONTH
        if hours > MAX_MONTHLY_HOURS:
            self.problems.append((None, f"monthly_hours must be at most 744, got {hours}"))
            return None
        return hours


def _hourly(props: _Props, name: str, resource_type: str, sku_keys: tuple[str, ...]):
    sku = props.text(*sku_keys)
    if sku is None:
        props.problems.append((name, f"no sku: set one of {', '.join(sku_keys)}"))
        return None
    count, hours = props.count(), props.hours()
    if count is None or hours is None:
        return None
    return LineRequest(
        name=f"{name} ({sku})",
        resource_type=resource_type,
        sku=sku,
        usage={"hour": hours * count},
        count=count,
        pricing_model=props.text("pricing_model") or "on_demand",
    )


def _stored(props: _Props, name: str, resource_type: str, sku: str, size_keys: tuple[str, ...]):
    """A GB-month line; the size is usage, so without it the line is unpriced, not zero."""
    gb = props.number(name, *size_keys)
    if gb is None:
        if not any(line == name for line, _ in props.problems):
            props.problems.append((name, f"no storage size: set one of {', '.join(size_keys)}"))
        return None
    count = props.count()
    if count is None:
        return None
    return LineRequest(
        name=f"{name} ({sku})", resource_type=resource_type, sku=sku, usage={"gb_month": gb * count}
    )


def _plan_instance(label: str, sku_keys: tuple[str, ...]) -> Callable[[str, _Props], list]:
    def plan(product: str, props: _Props) -> list:
        return [_hourly(props, label, product, sku_keys)]

    return plan


def _plan_rds(product: str, props: _Props) -> list:
    engine = (props.text("engine") or "").lower()
    engine = {"postgres": "postgresql", "aurora-postgresql": "", "aurora-mysql": ""}.get(
        engine, engine
    )
    lines = []
    if not engine:
        props.problems.append(("Database instance", "no engine: set engine (mysql, postgresql)"))
    else:
        lines.append(
            _hourly(
                props,
                "Database instance",
                f"rds-{engine}",
                ("instance_class", "instance_type", "size", "sku"),
            )
        )
    storage_type = (props.text("storage_type") or "gp2").lower()
    lines.append(
        _stored(props, "Storage", "rds-storage", storage_type, ("allocated_storage", "storage_gb"))
    )
    return lines


def _plan_cloud_sql(product: str, props: _Props) -> list:
    disk = (props.text("disk_type") or "PD_SSD").lower().removeprefix("pd_")
    return [
        _hourly(props, "Database instance", product, ("tier", "sku", "instance_class", "size")),
        _stored(props, "Storage", "cloud-sql-storage", disk, ("disk_size", "storage_gb")),
    ]


def _object_storage(default_class: str, class_keys: tuple[str, ...]):
    def plan(product: str, props: _Props) -> list:
        storage_class = (props.text(*class_keys) or default_class).lower().replace("_", "-")
        lines = [_stored(props, "Storage", product, storage_class, ("storage_gb", "size_gb"))]
        for key, kind in (
            ("monthly_requests_millions", "get"),
            ("monthly_write_requests_millions", "put"),
        ):
            millions = props.number("Requests", key)
            if millions is not None:
                label = "GET requests" if kind == "get" else "PUT requests"
                lines.append(
                    LineRequest(
                        name=f"{label} ({storage_class})",
                        resource_type=product,
                        sku=f"{storage_class}-{kind}-requests",
                        usage={"million_requests": millions},
                    )
                )
        return lines

    return plan


def _plan_storage_account(product: str, props: _Props) -> list:
    tier = (props.text("access_tier", "tier") or "hot").lower()
    replication = props.text("account_replication_type", "replication", "redundancy")
    account_sku = props.text("sku")  # ARM's sku.name, e.g. Standard_LRS
    if replication is None and account_sku and "_" in account_sku:
        replication = account_sku.rsplit("_", 1)[1]
    if replication is None:
        props.problems.append(
            ("Storage", "no redundancy: set account_replication_type (LRS, GRS …) or sku")
        )
        return []
    sku = f"{tier}-{replication.lower()}"
    return [_stored(props, "Storage", product, sku, ("storage_gb", "size_gb"))]


def _plan_block_storage(default_type: str, type_keys: tuple[str, ...]):
    def plan(product: str, props: _Props) -> list:
        volume_type = (props.text(*type_keys) or default_type).lower()
        return [_stored(props, "Storage", product, volume_type, ("size_gb", "storage_gb", "size"))]

    return plan


# Azure managed disks are billed per disk by tier; a tier's capacity in GiB (Azure's table).
_DISK_TIERS: Final = ((4, 32), (6, 64), (10, 128), (15, 256), (20, 512), (30, 1024), (40, 2048))
_DISK_PREFIX: Final = {"premium": "P", "standardssd": "E", "standard": "S"}


def _plan_managed_disk(product: str, props: _Props) -> list:
    tier = props.text("disk_sku", "tier")
    if tier is None:
        account_type = (props.text("storage_account_type", "sku") or "").lower()
        prefix = _DISK_PREFIX.get(account_type.split("_")[0])
        size = props.number("Disk", "disk_size_gb", "size_gb")
        if prefix and size is not None:
            tier = next((f"{prefix}{n}" for n, gib in _DISK_TIERS if size <= gib), None)
    if tier is None:
        props.problems.append(
            ("Disk", "no disk tier: set disk_sku (P10 …) or storage_account_type and disk_size_gb")
        )
        return []
    count = props.count()
    if count is None:
        return []
    return [
        LineRequest(
            name=f"Disk ({tier.upper()})",
            resource_type=product,
            sku=tier.upper(),
            usage={"month": count},
            count=count,
        )
    ]


def _plan_elb(product: str, props: _Props) -> list:
    kind = (props.text("load_balancer_type") or "application").lower()
    count, hours = props.count(), props.hours()
    if count is None or hours is None:
        return []
    return [
        LineRequest(
            name=f"Load balancer ({kind})",
            resource_type=product,
            sku=kind,
            usage={"hour": hours * count},
            count=count,
        )
    ]


def _plan_lambda(product: str, props: _Props) -> list:
    millions = props.number("Requests", "monthly_requests_millions")
    if millions is None:
        if not props.problems:
            props.problems.append(("Requests", "no monthly_requests_millions: usage unknown"))
        return []
    lines = [
        LineRequest(
            name="Requests",
            resource_type=product,
            sku="requests",
            usage={"million_requests": millions},
        )
    ]
    memory = props.number("Duration", "memory_mb", "memory_size")
    duration = props.number("Duration", "avg_duration_ms", "duration_ms")
    if memory is None or duration is None:
        props.problems.append(("Duration", "no memory_mb and avg_duration_ms: duration unknown"))
        return lines
    gb_seconds = millions * 1_000_000 * duration / 1000 * memory / 1024
    lines.append(
        LineRequest(
            name="Duration",
            resource_type=product,
            sku="duration-x86",
            usage={"gb_second": gb_seconds},
        )
    )
    return lines


PLANNERS: Final[dict[str, Callable[[str, _Props], list]]] = {
    "ec2": _plan_instance("Instance usage", ("instance_type", "size", "sku")),
    "vm": _plan_instance("Virtual machine", ("vm_size", "size", "sku", "instance_type")),
    "compute-instance": _plan_instance(
        "Instance usage", ("machine_type", "size", "sku", "instance_type")
    ),
    "sql-database": _plan_instance("Database", ("sku", "tier", "service_objective", "size")),
    "rds": _plan_rds,
    "cloud-sql": _plan_cloud_sql,
    "s3": _object_storage("standard", ("storage_class", "tier")),
    "storage-bucket": _object_storage("standard", ("storage_class", "tier")),
    "storage-account": _plan_storage_account,
    "ebs": _plan_block_storage("gp2", ("volume_type", "disk_type", "sku")),
    "persistent-disk": _plan_block_storage("pd-standard", ("disk_type", "type", "sku")),
    "managed-disk": _plan_managed_disk,
    "elb": _plan_elb,
    "lambda": _plan_lambda,
}


def product_of(provider: str, component_type: str, kind: str) -> tuple[str | None, str | None]:
    """(product, None) or (None, why there is none)."""
    if component_type in PRODUCT_BY_TYPE:
        product = PRODUCT_BY_TYPE[component_type]
        if product is None:
            return None, f"no catalog product for {component_type}"
        return product, None
    product = PRODUCT_BY_KIND.get((provider, kind))
    if product is None:
        return None, f"no catalog product for kind {kind!r} on provider {provider!r}"
    return product, None


def plan_component(component: Mapping[str, Any]) -> Plan:
    """What `component` (a blueprint graph component) needs priced, or why it cannot be."""
    name = str(component.get("name") or "")
    component_type = str(component.get("type") or "")
    raw = component.get("properties")
    properties: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    provider = str(component.get("provider") or properties.get("provider") or "").lower()
    region = str(component.get("region") or properties.get("region") or "")
    kind = kind_of(component_type)
    base: dict[str, Any] = {
        "component": name,
        "component_type": component_type,
        "kind": kind,
        "category": CATEGORY_BY_KIND.get(kind, "other"),
        "provider": provider,
        "region": region,
    }
    if component_type in FREE_TYPES:
        return Plan(**base, free_reason=FREE_TYPES[component_type])
    product, reason = product_of(provider, component_type, kind)
    if product is None:
        return Plan(**base, problems=((None, reason or "no catalog product"),))
    if not region:
        return Plan(**base, product=product, problems=((None, "no region"),))
    props = _Props(properties)
    model = props.text("pricing_model") or "on_demand"
    if model not in PRICING_MODELS:
        allowed = ", ".join(PRICING_MODELS)
        return Plan(
            **base,
            product=product,
            problems=((None, f"pricing_model must be one of {allowed}, got {model!r}"),),
        )
    requests = tuple(line for line in PLANNERS[product](product, props) if line is not None)
    return Plan(
        **base,
        product=product,
        requests=requests,
        problems=tuple(dict.fromkeys(props.problems)),  # each reason once, in order
    )


@dataclass(frozen=True, slots=True)
class PlannedComponents:
    plans: list[Plan] = field(default_factory=list)

    def price_keys(self) -> set[tuple[str, str, str]]:
        """The (provider, region, resource_type) combinations the plans need prices for."""
        return {
            (plan.provider, plan.region, request.resource_type)
            for plan in self.plans
            for request in plan.requests
        }


def plan_components(components: Sequence[Mapping[str, Any]]) -> PlannedComponents:
    return PlannedComponents([plan_component(component) for component in components])
