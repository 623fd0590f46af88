"""Incidents opened from failed deployment executions (real PostgreSQL)."""

import pytest

from apps.operations.models import Incident, IncidentTimeline

# The deployment workflow's fixtures (users per role, a dev environment, failed executions).
pytest_plugins = ["tests.deployments.fixtures"]

pytestmark = pytest.mark.django_db


def url(execution_id) -> str:
    return f"/api/v1/deployments/executions/{execution_id}/incident/"


def test_an_incident_is_opened_from_a_failed_execution(api, team, failed_execution):
    response = api(team["se"]).post(url(failed_execution.pk), {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert (body["severity"], body["priority"], body["detected_by"]) == (
        "medium",
        "p3",
        "automated",
    )
    assert body["title"] == "Deployment of shop v1 to dev failed"
    assert body["description"] == failed_execution.error_message
    assert body["reported_by"] == str(team["se"].pk)
    metadata = body["metadata"]
    assert metadata["deployment_execution"] == str(failed_execution.pk)
    assert metadata["failed_step"] == "Guardrail re-check"
    assert metadata["environment"] == str(failed_execution.target_environment_id)
    assert metadata["error_message"] == failed_execution.error_message
    [event] = body["timeline"]
    assert event["event_type"] == "created" and event["user"] == str(team["se"].pk)
    assert str(failed_execution.pk) in event["details"]
    assert IncidentTimeline.objects.filter(incident_id=body["id"]).count() == 1


def test_the_reporter_may_set_title_severity_and_priority(api, team, failed_execution):
    response = api(team["admin"]).post(
        url(failed_execution.pk),
        {"title": "Checkout down", "severity": "critical", "detected_by": "monitoring"},
        format="json",
    )
    body = response.json()
    assert (body["title"], body["severity"], body["priority"]) == (
        "Checkout down",
        "critical",
        "p1",
    )
    assert body["detected_by"] == "monitoring"


def test_one_open_incident_per_execution(api, team, failed_execution):
    first = api(team["se"]).post(url(failed_execution.pk), {}, format="json").json()
    again = api(team["se"]).post(url(failed_execution.pk), {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "incident_exists"
    assert again.json()["error"]["details"]["incident"] == first["id"]
    Incident.objects.filter(pk=first["id"]).update(status="closed")
    assert api(team["se"]).post(url(failed_execution.pk), {}, format="json").status_code == 201


def test_a_completed_execution_is_a_409(api, team, dev, make_version, deploy):
    execution = deploy(team["se"], make_version(), dev).json()["id"]
    response = api(team["se"]).post(url(execution), {}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "execution_not_failed"
    assert error["details"]["current"]["status"] == "completed"
    assert not Incident.objects.exists()


def test_bad_input_roles_and_tenants(api, make_user, team, failed_execution):
    bad = api(team["se"]).post(url(failed_execution.pk), {"severity": "dire"}, format="json")
    assert bad.status_code == 400 and "severity" in bad.json()["error"]["fields"]
    for role in ("pm", "consultant", "ta"):  # no incident:create grant
        assert api(team[role]).post(url(failed_execution.pk), {}, format="json").status_code == 403
    stranger = make_user("Admin")
    assert api(stranger).post(url(failed_execution.pk), {}, format="json").status_code == 404
    assert api(team["se"]).post(url("not-a-uuid"), {}, format="json").status_code == 404
    assert not Incident.objects.exists()
