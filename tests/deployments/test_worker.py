"""`deployments.execute` queued on commit: run by a real Celery worker on Redis, and in the
request itself when no broker is configured (the first run)."""

import os

import pytest

from apps.deployments.models import DeploymentExecution
from tests.celery_worker import log_path, real_worker, wait_for
from tests.deployments.fixtures import EXECUTIONS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deployments_worker():
    with real_worker("deployments.execute", label="deployments") as (worker, _):
        yield worker


def test_an_execution_through_a_real_celery_worker(
    api, team, dev, make_version, deployments_worker
):
    response = api(team["se"]).post(
        EXECUTIONS,
        {"blueprint_version": str(make_version().pk), "environment": str(dev.pk)},
        format="json",
    )
    assert response.status_code == 202, response.json()
    execution_id = response.json()["id"]

    def finished() -> bool:
        status = DeploymentExecution.objects.get(pk=execution_id).status
        return status not in {"pending", "in-progress"}

    assert wait_for(finished, timeout=90), log_path("deployments").read_text()[-2000:]
    execution = DeploymentExecution.objects.get(pk=execution_id)
    assert execution.status == "completed", execution.error_message
    assert execution.metadata["applied"] is False
    assert execution.steps.count() == 6
    # The worker, another process, wrote the logs.
    assert execution.logs.exclude(pid=os.getpid()).exists()


def test_without_a_broker_the_execution_runs_in_the_request(api, team, dev, make_version):
    from dharma.celery import app

    assert app.conf.task_always_eager
    response = api(team["se"]).post(
        EXECUTIONS,
        {"blueprint_version": str(make_version().pk), "environment": str(dev.pk)},
        format="json",
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "completed", body["error_message"]
    assert body["outcome"] == "planned" and len(body["steps"]) == 6
