"""The costing admin: no hand-typed estimates; budgets, alerts and recommendations change
through the services with the API's rights."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.costing import services
from apps.costing.models import BudgetAlert, BudgetAllocation, CostEstimate
from tests.accounts.factories import UserFactory
from tests.costing.conftest import component

pytestmark = pytest.mark.django_db

ADD_ESTIMATE = reverse("admin:costing_costestimate_add")


def staff(make_user, *roles, perms=(), **fields):
    user = make_user(*roles, is_staff=True, **fields)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def levels(response) -> list[str]:
    return [message.level_tag for message in get_messages(response.wsgi_request)]


def test_an_estimate_is_made_by_the_calculator_never_typed(
    client, make_user, member_project, make_version, snapshot_prices
):
    pm = staff(make_user, "PM", perms=["add_costestimate", "view_costestimate"])
    web = component("prod-shop-web-useast1", "ec2", instance_type="t3.micro")
    version = make_version(pm, member_project(pm), [web])
    client.force_login(pm)
    typed = client.post(
        ADD_ESTIMATE,
        {"blueprint_version": str(version.pk), "monthly_total": "1.00", "currency": "EUR",
         "lines": "[]"},
    )  # fmt: skip
    assert typed.status_code == 302
    estimate = CostEstimate.objects.get()
    assert estimate.created_by == pm and estimate.currency == "USD"
    assert estimate.monthly_total > Decimal("1.00") and estimate.lines
    change = reverse("admin:costing_costestimate_change", args=[estimate.pk])
    assert client.post(change, {"monthly_total": "0"}).status_code == 403
    outsider = staff(make_user, "SA", tenant=pm.tenant, perms=["add_costestimate"])
    client.force_login(outsider)  # costing read only in their own projects
    refused = client.post(ADD_ESTIMATE, {"blueprint_version": str(version.pk)})
    assert refused.status_code == 200 and b"roles do not allow" in refused.content
    assert CostEstimate.objects.count() == 1


def test_budgets_are_written_through_the_service_with_the_budget_right(
    client, make_user, member_project
):
    pm = staff(make_user, "PM", perms=["add_budgetallocation", "change_budgetallocation",
                                       "view_budgetallocation"])  # fmt: skip
    project = member_project(pm)
    consultant = staff(make_user, "Consultant", tenant=pm.tenant,
                       perms=["add_budgetallocation"])  # fmt: skip
    project.members.create(user=consultant)
    add = reverse("admin:costing_budgetallocation_add")
    data = {"project": str(project.pk), "fiscal_year": "2026", "category": "infrastructure",
            "amount": "1200.00", "currency": "USD", "description": "", "effective_date":
            "2026-01-01", "expiry_date": "", "status": "active", "metadata": "{}"}  # fmt: skip
    client.force_login(consultant)
    refused = client.post(add, data)
    assert refused.status_code == 200 and b"roles do not allow" in refused.content
    assert not BudgetAllocation.objects.exists()
    client.force_login(pm)
    assert client.post(add, data).status_code == 302
    allocation = BudgetAllocation.objects.get()
    assert allocation.allocated_by == pm and allocation.tenant_id == pm.tenant_id
    services.budget_spending_record(
        user=pm, allocation=allocation, amount=Decimal("1000"), description="x",
        spending_date=allocation.effective_date,
    )  # fmt: skip
    # Lowering the amount through the admin raises the alerts, as the service does.
    change = reverse("admin:costing_budgetallocation_change", args=[allocation.pk])
    assert client.post(change, {**data, "amount": "1000.00"}).status_code == 302
    assert BudgetAlert.objects.filter(severity="critical").exists()
    delete = reverse("admin:costing_budgetallocation_delete", args=[allocation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:costing_budgetspending_add")).status_code == 403


def test_alerts_are_acknowledged_through_the_service(client, make_user, member_project):
    pm = staff(make_user, "PM", perms=["view_budgetalert"])
    project = member_project(pm)
    allocation = services.budget_allocation_create(
        user=pm, project=project, fiscal_year=2026, category="infrastructure",
        amount=Decimal("100"), effective_date="2026-01-01",
    )  # fmt: skip
    services.budget_spending_record(
        user=pm, allocation=allocation, amount=Decimal("95"), description="x",
        spending_date="2026-01-02",
    )  # fmt: skip
    alert = BudgetAlert.objects.get()
    changelist = reverse("admin:costing_budgetalert_changelist")
    consultant = staff(make_user, "Consultant", tenant=pm.tenant, perms=["view_budgetalert"])
    project.members.create(user=consultant)
    client.force_login(consultant)
    body = {"action": "acknowledge", "_selected_action": [str(alert.pk)]}
    assert levels(client.post(changelist, body, follow=True)) == ["error"]
    alert.refresh_from_db()
    assert not alert.acknowledged
    client.force_login(pm)
    assert levels(client.post(changelist, body, follow=True)) == ["success"]
    alert.refresh_from_db()
    assert alert.acknowledged and alert.acknowledged_by == pm
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:costing_budgetalert_change", args=[alert.pk])
    assert client.post(change, {"acknowledged": ""}).status_code == 403


def test_the_estimate_action_on_blueprint_versions(
    client, make_user, member_project, make_version, snapshot_prices
):
    pm = staff(make_user, "PM", perms=["view_blueprintversion"])
    web = component("prod-shop-web-useast1", "ec2", instance_type="t3.micro")
    version = make_version(pm, member_project(pm), [web])
    versions = reverse("admin:blueprints_blueprintversion_changelist")
    body = {"action": "estimate_versions", "_selected_action": [str(version.pk)]}
    outsider = staff(make_user, "SE", tenant=pm.tenant, perms=["view_blueprintversion"])
    client.force_login(outsider)
    assert levels(client.post(versions, body, follow=True)) == ["error"]
    assert not CostEstimate.objects.exists()
    client.force_login(pm)
    assert levels(client.post(versions, body, follow=True)) == ["success"]
    estimate = CostEstimate.objects.get()
    assert estimate.blueprint_version == version and estimate.created_by == pm
