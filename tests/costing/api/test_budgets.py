"""/api/v1/budgets/, spending, /api/v1/budget-alerts/: thresholds once each, roles, tenancy."""

import pytest
from django.utils import timezone

from apps.costing.models import BudgetAlert, BudgetAllocation, BudgetSpending
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/budgets/"


@pytest.fixture
def manager(make_user):
    return make_user("PM")


@pytest.fixture
def budget(api, manager):
    project = ProjectFactory(tenant=manager.tenant, members=[manager])
    response = api(manager).post(
        URL,
        {
            "project": str(project.pk), "category": "infrastructure", "amount": "1000.00",
            "fiscal_year": timezone.localdate().year, "effective_date": "2026-01-01",
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()


def spend(client, budget, amount, **extra):
    body = {"amount": amount, "description": "invoice", "spending_date": "2026-03-01", **extra}
    return client.post(f"{URL}{budget['id']}/spending/", body, format="json")


def test_a_manager_creates_a_budget_in_their_project(budget, manager):
    assert budget["spent"] == "0.00"
    assert budget["status"] == "active"
    assert budget["allocated_by"] == str(manager.pk)


def test_spending_past_90_then_100_percent_alerts_once_each(api, manager, budget):
    client = api(manager)
    first = spend(client, budget, "905.00")
    assert first.status_code == 201, first.json()
    [warning] = first.json()["alerts"]
    assert (warning["severity"], warning["threshold_percent"], warning["trigger"]) == (
        "warning", 90, "spending",
    )  # fmt: skip
    assert warning["allocation"] == budget["id"]
    assert spend(client, budget, "10.00").json()["alerts"] == []
    [critical] = spend(client, budget, "90.00").json()["alerts"]
    assert (critical["severity"], critical["current_spend"]) == ("critical", "1005.00")
    assert spend(client, budget, "1.00").json()["alerts"] == []
    detail = client.get(f"{URL}{budget['id']}/").json()
    assert (detail["spent"], detail["utilization_percent"]) == ("1006.00", "100.6")
    alerts = client.get("/api/v1/budget-alerts/").json()
    assert sorted(a["severity"] for a in alerts["results"]) == ["critical", "warning"]
    listed = client.get(f"{URL}{budget['id']}/spending/").json()
    assert listed["count"] == 4


def test_alerts_are_acknowledged_once(api, manager, budget):
    client = api(manager)
    spend(client, budget, "950.00")
    alert = BudgetAlert.objects.get()
    url = f"/api/v1/budget-alerts/{alert.pk}/acknowledge/"
    first = client.post(url)
    assert first.status_code == 200
    assert (first.json()["acknowledged"], first.json()["acknowledged_by"]) == (
        True,
        str(manager.pk),
    )
    assert client.post(url).json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert client.get("/api/v1/budget-alerts/", {"acknowledged": "false"}).json()["count"] == 0
    assert client.get("/api/v1/budget-alerts/", {"severity": "loud"}).status_code == 400
    assert client.post("/api/v1/budget-alerts/", {}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"amount": "0"}, {"amount"}),
        ({"amount": "ten"}, {"amount"}),
        ({"spending_date": "yesterday"}, {"spending_date"}),
        ({"recorded_by": "me"}, {"recorded_by"}),
    ],
)
def test_bad_spending_is_a_400_and_writes_nothing(api, manager, budget, body, fields):
    response = spend(api(manager), budget, **{"amount": "10.00", **body})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    assert not BudgetSpending.objects.exists()


def test_bad_budgets_are_400s(api, manager, budget):
    client = api(manager)
    bad = {"project": budget["project"], "category": "beer", "amount": "-5", "fiscal_year": 1900,
           "effective_date": "2026-01-01", "currency": "usd"}  # fmt: skip
    response = client.post(URL, bad, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "category",
        "amount",
        "fiscal_year",
        "currency",
    }
    response = client.patch(f"{URL}{budget['id']}/", {"expiry_date": "2025-01-01"}, format="json")
    assert set(response.json()["error"]["fields"]) == {"expiry_date"}
    assert BudgetAllocation.objects.count() == 1


def test_spending_on_a_cancelled_budget_is_a_409(api, manager, budget):
    client = api(manager)
    assert (
        client.patch(f"{URL}{budget['id']}/", {"status": "cancelled"}, format="json").status_code
        == 200
    )
    response = spend(client, budget, "10.00")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "allocation_not_active"
    assert not BudgetSpending.objects.exists()


def test_roles_and_projects(api, make_user, manager, budget):
    tenant = manager.tenant
    alerting = spend(api(manager), budget, "999.00")
    alert_id = alerting.json()["alerts"][0]["id"]
    architect = api(make_user("SA", tenant=tenant))  # no budget grant
    assert architect.get(URL).status_code == 403
    assert architect.get(f"{URL}{budget['id']}/").status_code == 403
    assert spend(architect, budget, "1.00").status_code == 403
    assert architect.get("/api/v1/budget-alerts/").status_code == 403
    assert architect.post(f"/api/v1/budget-alerts/{alert_id}/acknowledge/").status_code == 403
    # A PM of another project of the tenant: sees nothing, may not write into this one.
    other = make_user("PM", tenant=tenant)
    client = api(other)
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{budget['id']}/").status_code == 403
    assert spend(client, budget, "1.00").status_code == 403
    assert client.get("/api/v1/budget-alerts/").json()["count"] == 0
    body = {"project": budget["project"], "category": "licenses", "amount": "5",
            "fiscal_year": 2026, "effective_date": "2026-01-01"}  # fmt: skip
    assert client.post(URL, body, format="json").status_code == 403
    # The administrator manages budgets tenant-wide.
    admin = api(make_user("Admin", tenant=tenant))
    assert admin.get(f"{URL}{budget['id']}/").status_code == 200
    assert spend(admin, budget, "1.00").status_code == 201
    assert BudgetSpending.objects.count() == 2


def test_another_tenant_sees_404s(api, make_user, manager, budget):
    spend(api(manager), budget, "999.00")
    alert = BudgetAlert.objects.get()
    stranger = api(make_user("Admin"))
    assert stranger.get(f"{URL}{budget['id']}/").status_code == 404
    assert spend(stranger, budget, "1.00").status_code == 404
    assert stranger.get(f"/api/v1/budget-alerts/{alert.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/budget-alerts/{alert.pk}/acknowledge/").status_code == 404
    assert stranger.get(URL).json()["count"] == 0
    body = {"project": budget["project"], "category": "licenses", "amount": "5",
            "fiscal_year": 2026, "effective_date": "2026-01-01"}  # fmt: skip
    response = stranger.post(URL, body, format="json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"project"}
