"""Approvals through the API: requests with the estimate the approver sees, approve / reject /
cancel with comments and history, refusals with the current state, filters and query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.costing import services as costing_services
from apps.deployments.models import DeploymentApproval
from tests.deployments.fixtures import APPROVALS

pytestmark = pytest.mark.django_db


def request_body(version, environment, **fields):
    return {"blueprint_version": str(version.pk), "environment": str(environment.pk), **fields}


def test_a_request_records_what_it_deploys_and_its_estimate(api, team, prod, make_version):
    version = make_version()
    window = timezone.now() + timedelta(days=1)
    response = api(team["se"]).post(
        APPROVALS,
        request_body(
            version, prod, priority="high", reason="Quarterly release",
            deployment_window_start=window.isoformat(),
            deployment_window_end=(window + timedelta(hours=2)).isoformat(),
            affected_services=["shop"], estimated_duration=30,
        ),
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    estimate = costing_services.estimate_components(
        costing_services.components_of(version), tenant_id=team["se"].tenant_id
    ).monthly_total
    assert body["status"] == "pending" and body["priority"] == "high"
    assert body["environment"] == str(prod.pk) and body["environment_name"] == "prod"
    assert body["environment_type"] == "prod" and body["project"] == str(prod.project_id)
    assert body["blueprint_version"] == str(version.pk) and body["version_number"] == 1
    assert body["estimated_monthly_cost"] == str(estimate)
    assert body["cost"]["monthly_estimate"] == str(estimate)
    assert body["cost"]["monthly_budget"] is None and body["cost"]["over_budget"] is False
    assert body["required_for"] == ["production"]
    assert body["requested_by"] == str(team["se"].pk)
    assert [(h["action"], h["previous_state"]) for h in body["history"]] == [("created", None)]
    assert body["history"][0]["notes"] == "Quarterly release"


def test_approve_reject_and_cancel_with_comments_and_history(api, team, dev, make_version):
    version = make_version()
    first = api(team["se"]).post(APPROVALS, request_body(version, dev), format="json").json()
    response = api(team["pm"]).post(
        f"{APPROVALS}{first['id']}/approve/", {"comment": "Go ahead."}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["feedback"] == "Go ahead."
    assert body["approved_by"] == body["reviewed_by"] == str(team["pm"].pk)
    assert body["rejected_by"] is None and body["reviewed_at"]
    assert [h["action"] for h in body["history"]] == ["created", "approved"]
    assert body["history"][1]["previous_state"] == {"status": "pending"}
    assert body["history"][1]["new_state"]["status"] == "approved"
    # A decided request cannot change again: 409 with the state it is in.
    again = api(team["admin"]).post(f"{APPROVALS}{first['id']}/reject/", {}, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["current"]["status"] == "approved"
    assert error["details"]["current"]["reviewed_by"] == str(team["pm"].pk)
    # A new request for the same version and environment can be rejected ...
    second = api(team["se"]).post(APPROVALS, request_body(version, dev), format="json").json()
    rejected = (
        api(team["pm"])
        .post(f"{APPROVALS}{second['id']}/reject/", {"comment": "Not this week."}, format="json")
        .json()
    )
    assert rejected["status"] == "rejected" and rejected["rejected_by"] == str(team["pm"].pk)
    # ... and a third cancelled by its requester.
    third = api(team["se"]).post(APPROVALS, request_body(version, dev), format="json").json()
    cancelled = api(team["se"]).post(f"{APPROVALS}{third['id']}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_one_pending_request_per_version_and_environment(api, team, dev, prod, make_version):
    version = make_version()
    first = api(team["se"]).post(APPROVALS, request_body(version, dev), format="json")
    duplicate = api(team["ta"]).post(APPROVALS, request_body(version, dev), format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "approval_pending"
    assert duplicate.json()["error"]["details"]["approval"] == first.json()["id"]
    assert (
        api(team["se"]).post(APPROVALS, request_body(version, prod), format="json").status_code
        == 201
    )
    assert DeploymentApproval.objects.count() == 2


def test_an_over_budget_request_says_a_cost_approval_is_needed(
    api, team, project, dev, make_version
):
    today = timezone.localdate()
    costing_services.budget_allocation_create(
        user=team["pm"], project=project, category="infrastructure", amount=Decimal("12"),
        fiscal_year=today.year, effective_date=today,
    )  # fmt: skip
    body = api(team["se"]).post(APPROVALS, request_body(make_version(), dev), format="json").json()
    assert body["required_for"] == ["cost"]
    assert body["cost"]["over_budget"] is True and body["cost"]["monthly_budget"] == "1.00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"estimated_duration": -5}, "estimated_duration"),
        ({"deployment_window_start": "2030-01-02T00:00:00Z",
          "deployment_window_end": "2030-01-01T00:00:00Z"}, "deployment_window_end"),
        ({"blueprint_version": "nope"}, "blueprint_version"),
        ({"colour": "blue"}, "colour"),
        ({"affected_services": "shop"}, "affected_services"),
    ],
)  # fmt: skip
def test_bad_requests_are_400s_naming_the_field(api, team, dev, make_version, fields, field):
    body = {**request_body(make_version(), dev), **fields}
    response = api(team["se"]).post(APPROVALS, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not DeploymentApproval.objects.exists()


def test_comments_are_checked(api, team, dev, make_version):
    approval = (
        api(team["se"]).post(APPROVALS, request_body(make_version(), dev), format="json").json()
    )
    response = api(team["pm"]).post(
        f"{APPROVALS}{approval['id']}/approve/", {"comment": "x" * 5001}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()["error"]["fields"]
    assert DeploymentApproval.objects.get(pk=approval["id"]).status == "pending"


def test_listing_filters_and_does_not_query_per_row(
    api, team, dev, prod, make_version, django_assert_max_num_queries
):
    version = make_version()
    client = api(team["se"])
    for environment in (dev, prod):
        client.post(APPROVALS, request_body(version, environment), format="json")
    other = make_version(name="other")
    client.post(APPROVALS, request_body(other, dev), format="json")
    assert client.get(f"{APPROVALS}?environment={dev.pk}").json()["count"] == 2
    assert client.get(f"{APPROVALS}?blueprint_version={other.pk}").json()["count"] == 1
    assert client.get(f"{APPROVALS}?status=approved").json()["count"] == 0
    assert client.get(f"{APPROVALS}?status=bogus").status_code == 400
    reader = api(team["consultant"])
    with django_assert_max_num_queries(8):
        response = reader.get(APPROVALS)
    assert response.json()["count"] == 3
