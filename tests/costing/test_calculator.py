"""The pure calculator: lines per price unit, unpriced reasons, options, totals."""

from datetime import date
from decimal import Decimal

import pytest

from apps.costing.calculator import PriceIndex, PriceRow, calculate
from tests.costing.conftest import component

DAY = date(2024, 6, 1)


def row(resource_type, sku, price, unit="hour", *, provider="aws", region="us-east-1",
        model="on_demand", currency="USD", effective=DAY, id_=None):  # fmt: skip
    return PriceRow(
        id=id_ or f"{resource_type}:{sku}:{model}:{effective}",
        provider=provider, region=region, resource_type=resource_type, sku=sku,
        pricing_model=model, unit=unit, price=Decimal(price), currency=currency,
        effective_date=effective,
    )  # fmt: skip


PRICES = PriceIndex(
    [
        row("ec2", "t3.large", "0.0832"),
        row("ec2", "t3.large", "0.052", model="reserved_1y"),
        row("rds-postgresql", "db.t3.medium", "0.072"),
        row("rds-storage", "gp2", "0.115", "gb_month"),
        row("s3", "standard", "0.023", "gb_month"),
        row("s3", "standard-get-requests", "0.40", "million_requests"),
        row("s3", "standard-put-requests", "5.00", "million_requests"),
        row("ebs", "gp3", "0.08", "gb_month"),
        row("managed-disk", "P10", "19.71", "month", provider="azure", region="eastus"),
        row("vm", "Standard_D2s_v3", "0.096", provider="azure", region="eastus"),
    ]
)


def one(components, **options):
    return calculate(components, PRICES, options=options or None)


def test_hourly_compute_is_the_hourly_price_times_730_hours_per_instance():
    estimate = one([component("web", "ec2", instance_type="t3.large", count=2)])
    [line] = estimate.lines
    assert (line.unit, line.quantity, line.unit_price) == ("hour", 1460, Decimal("0.0832"))
    assert line.hourly == Decimal("0.1664")  # two instances running for one hour
    assert line.monthly == Decimal("0.0832") * 730 * 2
    assert line.as_dict()["monthly"] == "121.47"
    assert line.price is not None and line.as_dict()["price"]["sku"] == "t3.large"
    assert line.as_dict()["price"]["effective_date"] == "2024-06-01"


def test_monthly_hours_replace_the_730_hour_month():
    [line] = one([component("batch", "ec2", instance_type="t3.large", monthly_hours=100)]).lines
    assert line.quantity == 100
    assert line.monthly == Decimal("8.32")


def test_storage_is_priced_per_gb_month_and_requests_per_million():
    estimate = one(
        [
            component(
                "assets", "s3", storage_gb=500, monthly_requests_millions=3,
                monthly_write_requests_millions="0.5",
            )
        ]
    )  # fmt: skip
    by_name = {line.name: line for line in estimate.lines}
    storage = by_name["Storage (standard)"]
    assert (storage.unit, storage.quantity, storage.monthly) == ("gb_month", 500, Decimal("11.5"))
    assert storage.hourly == Decimal("11.5") / 730
    get = by_name["GET requests (standard)"]
    assert (get.unit, get.monthly) == ("million_requests", Decimal("1.2"))
    assert by_name["PUT requests (standard)"].monthly == Decimal("2.5")


def test_a_database_has_an_instance_line_and_a_storage_line():
    estimate = one(
        [component("db", "rds", engine="postgres", instance_class="db.t3.medium",
                   allocated_storage=100)]
    )  # fmt: skip
    assert [(line.name, line.category, str(line.monthly)) for line in estimate.lines] == [
        ("Database instance (db.t3.medium)", "database", "52.560"),
        ("Storage (gp2)", "database", "11.500"),
    ]


def test_an_azure_disk_tier_comes_from_its_type_and_size_and_is_priced_per_disk():
    [line] = one(
        [component("data", "managed-disk", "azure", "eastus",
                   storage_account_type="Premium_LRS", disk_size_gb=100)]
    ).lines  # fmt: skip
    assert (line.sku, line.unit, line.monthly) == ("P10", "month", Decimal("19.71"))


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (component("q", "aws_sqs_queue"), "no catalog product for kind 'queue' on provider 'aws'"),
        (component("t", "aws_dynamodb_table"), "no catalog product for aws_dynamodb_table"),
        (component("web", "ec2"), "no sku: set one of instance_type, size, sku"),
        (component("web", "ec2", instance_type="t3.nano"),
         "no on_demand price for ec2 't3.nano' in aws/us-east-1"),
        (component("web", "ec2", "aws", "us-west-1", instance_type="t3.large"),
         "no prices for ec2 in aws/us-west-1"),
        (component("web", "ec2", region="", instance_type="t3.large"), "no region"),
        (component("web", "ec2", instance_type="t3.large", count=-1),
         "count must be a whole number ≥ 0, got -1"),
        (component("web", "ec2", instance_type="t3.large", count="two"),
         "count must be a whole number ≥ 0, got 'two'"),
        (component("web", "ec2", instance_type="t3.large", monthly_hours=800),
         "monthly_hours must be at most 744, got 800"),
        (component("web", "ec2", instance_type="t3.large", pricing_model="cheap"),
         "pricing_model must be one of on_demand, reserved_1y, reserved_3y, spot, got 'cheap'"),
        (component("assets", "s3"), "no storage size: set one of storage_gb, size_gb"),
        (component("db", "rds", instance_class="db.t3.medium"),
         "no engine: set engine (mysql, postgresql)"),
        (component("vm", "vm", "azure", "eastus", vm_size="Standard_D2s_v3",
                   pricing_model="reserved_1y"),
         "no reserved_1y price for vm 'Standard_D2s_v3' in azure/eastus"),
    ],
)  # fmt: skip
def test_unpriced_components_say_why_and_cost_nothing(spec, reason):
    estimate = one([spec])
    assert reason in [entry.reason for entry in estimate.unpriced]
    assert estimate.monthly_total == 0
    assert all(line.price is None for line in estimate.lines)


def test_a_missing_price_is_never_guessed():
    estimate = one(
        [
            component("web", "ec2", instance_type="t3.large"),
            component("big", "ec2", instance_type="m5.24xlarge"),
        ]
    )
    assert estimate.monthly_total == Decimal("60.74")
    assert [(u.component, u.line) for u in estimate.unpriced] == [
        ("big", "Instance usage (m5.24xlarge)")
    ]


def test_free_components_are_zero_lines_that_say_why():
    estimate = one([component("net", "vpc"), component("sg", "aws_security_group")])
    assert [(line.name, line.monthly, line.note) for line in estimate.lines] == [
        ("No charge", 0, "the provider does not bill for this resource"),
    ] * 2
    assert estimate.unpriced == []


def test_options_are_explicit_lines_support_then_egress_then_backup():
    components = [
        component("web", "ec2", instance_type="t3.large"),  # 60.736
        component("vol", "ebs", volume_type="gp3", size_gb=100),  # 8
    ]
    estimate = one(
        components, include_support=True, include_network_egress=True, include_backup=True
    )
    options = {line.option: line for line in estimate.lines if line.option}
    resources = Decimal("60.736") + Decimal(8)
    assert options["include_support"].monthly == resources * Decimal("0.10")
    assert options["include_network_egress"].monthly == resources * Decimal("1.10") * Decimal(
        "0.05"
    )
    assert options["include_backup"].monthly == Decimal(8) * Decimal("0.15")
    assert options["include_support"].note == "10 % of 68.74"
    expected = resources * Decimal("1.10") * Decimal("1.05") + Decimal("1.2")
    assert estimate.monthly_total == expected.quantize(Decimal("0.01"))
    assert one(components).monthly_total == Decimal("68.74")


def test_totals_and_breakdown_follow_the_original_formulas():
    estimate = one(
        [
            component("web", "ec2", instance_type="t3.large"),
            component("db", "rds", engine="postgresql", instance_class="db.t3.medium",
                      allocated_storage=100),
            component("assets", "s3", storage_gb=1000),
            component("vm", "vm", "azure", "eastus", vm_size="standard_d2s_v3"),
        ]
    )  # fmt: skip
    monthly = Decimal("60.736") + Decimal("52.56") + Decimal("11.5") + 23 + Decimal("70.08")
    assert estimate.monthly_total == Decimal("217.88")
    assert estimate.hourly_total == (monthly / 730).quantize(Decimal("0.0001"))
    assert estimate.daily_total == (monthly / 30).quantize(Decimal("0.01"))
    assert estimate.yearly_total == (monthly * 12).quantize(Decimal("0.01"))
    assert estimate.breakdown == {
        "compute": Decimal("130.82"),
        "storage": Decimal("23.00"),
        "network": Decimal("0.00"),
        "database": Decimal("64.06"),
        "other": Decimal("0.00"),
    }
    body = estimate.as_dict()
    assert body["totals"] == {
        "hourly": "0.2985", "daily": "7.26", "monthly": "217.88", "yearly": "2614.51",
    }  # fmt: skip


def test_the_latest_price_not_in_the_future_is_used():
    rows = [
        row("ec2", "t3.large", "0.10", effective=date(2023, 1, 1)),
        row("ec2", "t3.large", "0.0832", effective=date(2024, 6, 1)),
        row("ec2", "t3.large", "0.05", effective=date(2030, 1, 1)),
    ]
    index = PriceIndex(rows, as_of=date(2025, 1, 1))
    [line] = calculate([component("web", "ec2", instance_type="t3.large")], index).lines
    assert line.unit_price == Decimal("0.0832")
    assert line.price is not None and line.price.effective_date == date(2024, 6, 1)


def test_a_price_in_another_currency_is_not_mixed_in():
    index = PriceIndex([row("ec2", "t3.large", "0.08", currency="EUR")])
    estimate = calculate([component("web", "ec2", instance_type="t3.large")], index)
    assert estimate.lines == []
    assert estimate.unpriced[0].reason == "the catalog price is in EUR, the estimate in USD"


def test_a_component_may_ask_for_a_reserved_price():
    [line] = one([component("web", "ec2", instance_type="t3.large",
                            pricing_model="reserved_1y")]).lines  # fmt: skip
    assert (line.pricing_model, line.unit_price) == ("reserved_1y", Decimal("0.052"))


def test_a_tenants_negotiated_price_wins_over_the_public_one():
    rows = [
        row("ec2", "t3.large", "0.0832", effective=date(2024, 6, 1)),
        PriceRow("mine", "aws", "us-east-1", "ec2", "t3.large", "on_demand", "hour",
                 Decimal("0.07"), "USD", date(2024, 1, 1), tenant_id="t-1"),
    ]  # fmt: skip
    [line] = calculate([component("web", "ec2", instance_type="t3.large")], PriceIndex(rows)).lines
    assert line.unit_price == Decimal("0.07")
    assert line.as_dict()["price"]["negotiated"] is True
