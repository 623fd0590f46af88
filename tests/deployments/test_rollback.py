"""Rollback: a new execution of the version deployed before, marking the original rolled-back
once it completes; refused when there is nothing to go back to."""

import pytest

from apps.deployments.models import DeploymentExecution
from tests.deployments.fixtures import BUCKET, EXECUTIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_deployments(team, dev, make_version, deploy):
    """v1 then v2 (v1 plus a bucket) deployed to dev: (execution of v1, execution of v2)."""
    first = make_version()
    second = make_version([*first.graph_json["components"], BUCKET])
    ids = [deploy(team["se"], version, dev).json()["id"] for version in (first, second)]
    executions = [DeploymentExecution.objects.get(pk=pk) for pk in ids]
    assert [e.status for e in executions] == ["completed", "completed"]
    return executions


def rollback(api, user, execution, **body):
    return api(user).post(f"{EXECUTIONS}{execution.pk}/rollback/", body, format="json")


def test_rollback_returns_to_the_previous_version_and_marks_the_original(
    api, team, two_deployments, django_capture_on_commit_callbacks
):
    first, second = two_deployments
    with django_capture_on_commit_callbacks(execute=True):
        response = rollback(api, team["se"], second, reason="Checkout errors after release")
    assert response.status_code == 202, response.json()
    created = response.json()
    assert created["deployment_type"] == "rollback"
    assert created["rollback_of"] == str(second.pk)
    assert created["blueprint_version"] == str(first.blueprint_version_id)
    assert created["target_version"] == "1" and created["source_version"] == "2"
    assert created["deployment_id"] == str(first.deployment_id)  # v1 to dev, again
    body = api(team["se"]).get(f"{EXECUTIONS}{created['id']}/").json()
    assert body["status"] == "completed", body["error_message"]
    # The plan goes back: the bucket v2 added is destroyed.
    assert [r["address"] for r in body["plan"]["destroy"]] == [f"s3.{BUCKET['name']}"]
    assert body["plan"]["summary"]["add"] == 0 and body["plan"]["from_version"] == 2
    second.refresh_from_db()
    assert second.status == "rolled-back" and second.rollback_executed
    assert second.rollback_version == "1"
    assert second.rollback_reason == "Checkout errors after release"
    assert second.logs.filter(message__startswith="Rolled back to version 1").exists()
    first.refresh_from_db()
    assert first.status == "completed"


def test_nothing_deployed_before_is_a_409(api, team, two_deployments):
    first, _ = two_deployments
    # v1 is not the current deployment any more.
    refused = rollback(api, team["se"], first)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_current_deployment"
    # Once v2 is rolled back to v1, the rollback execution is current, and nothing other than
    # v1 completed before it (v2 is rolled back): there is nothing to go back to.
    _, second = two_deployments
    rollback(api, team["se"], second)  # the test's transaction holds the task back ...
    from apps.deployments.services import execution_run

    rolled = DeploymentExecution.objects.get(rollback_of=second)
    execution_run(rolled.pk)  # ... so it runs here
    again = rollback(api, team["se"], DeploymentExecution.objects.get(pk=rolled.pk))
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "no_previous_deployment"
    assert error["details"]["current"]["status"] == "completed"


def test_a_first_deployment_has_nothing_to_roll_back_to(api, team, dev, make_version, deploy):
    execution = deploy(team["se"], make_version(), dev).json()["id"]
    refused = api(team["se"]).post(f"{EXECUTIONS}{execution}/rollback/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_previous_deployment"
    assert DeploymentExecution.objects.count() == 1


def test_a_failed_execution_is_not_rolled_back(api, team, failed_execution):
    refused = rollback(api, team["se"], failed_execution)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_rollbackable"
    assert refused.json()["error"]["details"]["current"]["status"] == "failed"
