"""One tenant with one of every object the API serves, built through the API itself by a
tenant Administrator (who also holds the Solution Architect role, so that every resource of the
role matrix is open to them). The tests of the API as a whole walk its routes with these ids."""

import copy
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.deployments.models import DeploymentExecution, DeploymentStep
from tests.accounts.factories import EnvironmentFactory, ProjectFactory, UserFactory
from tests.deployments.fixtures import BASE, BUCKET, catalog  # noqa: F401 - fixture


@dataclass
class World:
    user: object
    client: APIClient
    ids: dict[str, str] = field(default_factory=dict)


def _created(response, *statuses: int) -> dict:
    assert response.status_code in (statuses or (201,)), (response.status_code, response.content)
    return response.json()


def build_world(user, client: APIClient, capture_on_commit) -> World:
    """Every kind of row of `user`'s tenant, created through the API (`capture_on_commit`:
    pytest-django's django_capture_on_commit_callbacks, so queued tasks run in the request)."""
    ids: dict[str, str] = {"user": str(user.pk)}
    project = ProjectFactory(tenant=user.tenant, members=[user])
    environment = EnvironmentFactory(project=project, name="dev", type="dev")
    member_user = UserFactory(tenant=user.tenant)
    ids["project"] = str(project.pk)
    ids["environment"] = str(environment.pk)
    ids["member"] = _created(
        client.post(
            f"/api/v1/projects/{project.pk}/members/", {"user": str(member_user.pk)}, format="json"
        )
    )["id"]
    blueprint = _created(
        client.post("/api/v1/blueprints/", {"project": ids["project"], "name": "shop"}, "json")
    )
    ids["blueprint"] = blueprint["id"]
    version = _created(
        client.post(
            f"/api/v1/blueprints/{ids['blueprint']}/versions/",
            {"graph": {"components": copy.deepcopy(BASE), "relations": []}},
            format="json",
        )
    )
    ids["blueprint_version"] = version["id"]
    ids["version_number"] = str(version["version_number"])
    ids["template"] = _created(
        client.post(
            "/api/v1/templates/",
            {"blueprint": ids["blueprint"], "version": 1, "name": "shop template"},
            format="json",
        )
    )["id"]
    ids["policy"] = _created(
        client.post(
            "/api/v1/guardrails/policies/",
            {
                "code": "change-ticket", "name": "A change ticket", "category": "operational",
                "severity": "low", "enforcement_level": "advisory",
                "policy_rules": {"kind": "required", "path": "change_ticket"},
            },
            format="json",
        )
    )["id"]  # fmt: skip
    ids["evaluation"] = _created(
        client.post(
            "/api/v1/guardrails/evaluations/",
            {"blueprint_version": ids["blueprint_version"]},
            format="json",
        )
    )["id"]
    # A second blueprint whose bucket fails a soft-fail rule: a finding to waive.
    risky = _created(
        client.post("/api/v1/blueprints/", {"project": ids["project"], "name": "risky"}, "json")
    )
    bucket = copy.deepcopy(BUCKET)
    del bucket["properties"]["block_public_acls"]
    risky_version = _created(
        client.post(
            f"/api/v1/blueprints/{risky['id']}/versions/",
            {"graph": {"components": [bucket], "relations": []}},
            format="json",
        )
    )
    evaluation = _created(
        client.post(
            "/api/v1/guardrails/evaluations/",
            {"blueprint_version": risky_version["id"]},
            format="json",
        )
    )
    soft = next(
        f for f in evaluation["findings"] if f["enforcement"] == "soft-fail" and f["blocking"]
    )
    ids["finding"] = soft["id"]
    ids["waiver"] = _created(
        client.post(
            "/api/v1/guardrails/waivers/",
            {
                "finding": soft["id"], "reason": "Reviewed by the security team.",
                "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
            },
            format="json",
        )
    )["id"]  # fmt: skip
    ids["cost_estimate"] = _created(
        client.post(
            "/api/v1/cost-estimates/", {"blueprint_version": ids["blueprint_version"]}, "json"
        )
    )["id"]
    ids["budget"] = _created(
        client.post(
            "/api/v1/budgets/",
            {
                "project": ids["project"], "category": "infrastructure", "amount": "100000.00",
                "fiscal_year": timezone.localdate().year, "effective_date": "2026-01-01",
            },
            format="json",
        )
    )["id"]  # fmt: skip
    spending = _created(
        client.post(
            f"/api/v1/budgets/{ids['budget']}/spending/",
            {"amount": "95000.00", "description": "invoice", "spending_date": "2026-03-01"},
            format="json",
        )
    )
    ids["budget_alert"] = spending["alerts"][0]["id"]
    recommendations = _created(
        client.post(
            "/api/v1/cost-recommendations/",
            {"blueprint_version": ids["blueprint_version"]},
            format="json",
        ),
        200,
        201,
    )
    if recommendations["results"]:
        ids["cost_recommendation"] = recommendations["results"][0]["id"]
    with capture_on_commit(execute=True):
        ids["generation"] = _created(
            client.post(
                "/api/v1/iac/generations/",
                {"blueprint_version": ids["blueprint_version"], "format": "terraform"},
                format="json",
            ),
            202,
        )["id"]
    ids["approval"] = _created(
        client.post(
            "/api/v1/deployments/approvals/",
            {"blueprint_version": ids["blueprint_version"], "environment": ids["environment"]},
            format="json",
        )
    )["id"]
    with capture_on_commit(execute=True):
        ids["execution"] = _created(
            client.post(
                "/api/v1/deployments/executions/",
                {"blueprint_version": ids["blueprint_version"], "environment": ids["environment"]},
                format="json",
            ),
            202,
        )["id"]
    execution = DeploymentExecution.objects.get(pk=ids["execution"])
    step = DeploymentStep.objects.filter(execution=execution).first()
    if step is not None:
        ids["step"] = str(step.pk)
    return World(user=user, client=client, ids=ids)


@pytest.fixture
def admin(make_user, catalog):  # noqa: F811
    """A tenant Administrator who is also a Solution Architect: every API resource is open."""
    return make_user("Admin", "SA")


@pytest.fixture
def world(admin, api, django_capture_on_commit_callbacks):
    return build_world(admin, api(admin), django_capture_on_commit_callbacks)


@pytest.fixture
def other_world(make_user, api, django_capture_on_commit_callbacks, catalog):  # noqa: F811
    """The same objects in another tenant."""
    user = make_user("Admin", "SA")
    return build_world(user, api(user), django_capture_on_commit_callbacks)
