"""Estimates from the catalog (one query), budget alerts once each, estimate-triggered alerts."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.costing import services
from apps.costing.models import BudgetAlert, BudgetAllocation, CostEstimate, PriceCatalog
from tests.accounts.factories import ProjectFactory
from tests.costing.conftest import component

pytestmark = pytest.mark.django_db

MIXED = [
    component("web", "ec2", instance_type="t3.large", count=3),
    component("db", "rds", engine="mysql", instance_class="db.m5.large", allocated_storage=200),
    component("assets", "s3", storage_gb=2000),
    component("vm", "vm", "azure", "eastus", vm_size="Standard_D4s_v3"),
    component("sql", "sql-database", "azure", "eastus", sku="S1"),
    component("gce", "compute-instance", "gcp", "us-central1", machine_type="n2-standard-4"),
    component("bucket", "storage-bucket", "gcp", "us-east1", storage_gb=300),
    component("disk", "persistent-disk", "gcp", "us-west1", disk_type="pd-ssd", size_gb=50),
]


def test_prices_are_loaded_in_one_query_for_every_provider(
    snapshot_prices, django_assert_num_queries
):
    with django_assert_num_queries(1):
        estimate = services.estimate_components(MIXED * 50)
    assert estimate.unpriced == []
    assert len(estimate.lines) == 9 * 50
    # The lines name the catalog rows they used.
    line = next(line for line in estimate.lines if line.component == "vm")
    stored = PriceCatalog.objects.get(
        provider="azure", region="eastus", resource_type="vm", sku="Standard_D4s_v3"
    )
    assert line.as_dict()["price"]["id"] == str(stored.pk)
    assert line.monthly == stored.price * 730


def test_nothing_to_price_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        estimate = services.estimate_components([component("net", "vpc")])
    assert estimate.monthly_total == 0


def test_the_catalog_price_of_today_is_used(snapshot_prices):
    PriceCatalog.objects.create(
        provider="aws", region="us-east-1", resource_type="ec2", sku="t3.large",
        pricing_model="on_demand", unit="hour", price=Decimal("0.09"), currency="USD",
        effective_date=timezone.localdate().replace(year=timezone.localdate().year + 1),
        source="https://aws.amazon.com/ec2/pricing/on-demand/",
    )  # fmt: skip
    estimate = services.estimate_components([component("web", "ec2", instance_type="t3.large")])
    assert estimate.lines[0].unit_price == Decimal("0.0832")
    later = services.estimate_components(
        [component("web", "ec2", instance_type="t3.large")],
        as_of=date(timezone.localdate().year + 1, 12, 31),
    )
    assert later.lines[0].unit_price == Decimal("0.09")


def allocation(user, project, amount="1000.00", **fields):
    today = timezone.localdate()
    values = {
        "category": "infrastructure", "amount": Decimal(amount), "fiscal_year": today.year,
        "effective_date": today.replace(month=1, day=1), **fields,
    }  # fmt: skip
    return services.budget_allocation_create(user=user, project=project, **values)


def spend(user, budget, amount):
    return services.budget_spending_record(
        user=user, allocation=budget, amount=Decimal(amount), description="invoice",
        spending_date=timezone.localdate(),
    )  # fmt: skip


def test_budget_thresholds_fire_once_each(make_user):
    manager = make_user("PM")
    budget = allocation(manager, ProjectFactory(tenant=manager.tenant, members=[manager]))
    assert spend(manager, budget, "500")[1] == []
    assert [a.severity for a in spend(manager, budget, "410")[1]] == ["warning"]  # 91 %
    assert spend(manager, budget, "50")[1] == []  # 96 %: warned already
    [critical] = spend(manager, budget, "40")[1]  # 100 %
    assert critical.severity == "critical"
    assert (critical.current_spend, critical.threshold) == (Decimal("1000.00"), Decimal("1000"))
    assert critical.category == f"spending:100:{budget.pk}"
    assert spend(manager, budget, "300")[1] == []
    alerts = BudgetAlert.objects.filter(project=budget.project)
    assert sorted(alerts.values_list("severity", "threshold")) == [
        ("critical", Decimal("1000.00")),
        ("warning", Decimal("900.00")),
    ]


def test_jumping_past_both_thresholds_raises_both(make_user):
    manager = make_user("PM")
    budget = allocation(manager, ProjectFactory(tenant=manager.tenant))
    assert sorted(a.severity for a in spend(manager, budget, "1200")[1]) == [
        "critical", "warning",
    ]  # fmt: skip


def test_lowering_the_amount_below_the_spending_raises_the_alert(make_user):
    manager = make_user("PM")
    budget = allocation(manager, ProjectFactory(tenant=manager.tenant))
    spend(manager, budget, "800")
    services.budget_allocation_update(allocation=budget, amount=Decimal("850"))
    assert list(BudgetAlert.objects.values_list("severity", flat=True)) == ["warning"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_spending_raises_one_alert(make_user):
    """Two writers cross 90 % at the same time: the allocation lock lets one alert through."""
    manager = make_user("PM")
    budget = allocation(manager, ProjectFactory(tenant=manager.tenant))
    spend(manager, budget, "850")
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def record():
        try:
            barrier.wait(timeout=10)
            spend(manager, BudgetAllocation.objects.get(pk=budget.pk), "60")
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert list(BudgetAlert.objects.values_list("severity", flat=True)) == ["warning"]


def test_an_estimate_past_the_yearly_budget_raises_alerts_once(
    make_user, snapshot_prices, make_version
):
    architect = make_user("SA", "PM")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    # 3 × t3.large: 182.208/month → 2186.50/year.
    version = make_version(
        architect, project, [component("web", "ec2", instance_type="t3.large", count=3)]
    )
    warned = allocation(architect, project, amount="2400.00")  # 91 %
    exceeded = allocation(architect, project, amount="2000.00")  # 109 %
    allocation(architect, project, amount="100.00", category="licenses")  # not infrastructure
    allocation(architect, project, amount="100.00", fiscal_year=timezone.localdate().year - 1)
    allocation(architect, project, amount="100.00", status="cancelled")
    allocation(architect, ProjectFactory(tenant=architect.tenant), amount="100.00")
    estimate = services.cost_estimate_create(user=architect, version=version, options=None)
    assert estimate.yearly_total == Decimal("2186.50")
    services.cost_estimate_create(user=architect, version=version, options=None)
    alerts = BudgetAlert.objects.filter(project=project)
    assert sorted(alerts.values_list("category", "severity")) == sorted(
        [
            (f"estimate:90:{warned.pk}", "warning"),
            (f"estimate:90:{exceeded.pk}", "warning"),
            (f"estimate:100:{exceeded.pk}", "critical"),
        ]
    )
    assert all(alert.current_spend == Decimal("2186.50") for alert in alerts)
    assert CostEstimate.objects.filter(blueprint_version=version).count() == 2


def test_negotiated_prices_apply_to_their_tenant_only(make_user, snapshot_prices, make_version):
    architect = make_user("SA")
    stranger = make_user("SA")
    rows = [
        {
            "provider": "aws", "region": "us-east-1", "resource_type": "ec2",
            "sku": "t3.large", "pricing_model": "on_demand", "unit": "hour",
            "price": Decimal("0.05"), "currency": "USD", "effective_date": date(2024, 1, 1),
            "source": "https://aws.amazon.com/ec2/pricing/on-demand/",
        }
    ]  # fmt: skip
    assert services.price_catalog_upsert(rows=rows, tenant=architect.tenant) == (1, 0)
    web = [component("web", "ec2", instance_type="t3.large")]
    mine = services.estimate_components(web, tenant_id=architect.tenant_id)
    theirs = services.estimate_components(web, tenant_id=stranger.tenant_id)
    assert (mine.monthly_total, theirs.monthly_total) == (Decimal("36.50"), Decimal("60.74"))
    assert services.estimate_components(web).monthly_total == Decimal("60.74")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    stored = services.cost_estimate_create(
        user=architect, version=make_version(architect, project, web), options=None
    )
    assert stored.monthly_total == Decimal("36.50")
