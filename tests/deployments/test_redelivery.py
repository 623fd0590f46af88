"""`deployments.execute` delivered again for an execution that has ended (as the broker hands a
task back when its acknowledgement was lost, or its worker was killed after the execution ended
through the reaper) is a no-op on a real Celery worker: no step or log row is added, nothing
moves."""

import pytest

from apps.deployments.models import DeploymentExecution
from apps.deployments.tasks import execute
from tests.accounts.factories import EnvironmentFactory
from tests.celery_worker import log_path, real_worker, wait_for
from tests.deployments.fixtures import EXECUTIONS

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot(execution_id) -> dict:
    execution = DeploymentExecution.objects.get(pk=execution_id)
    return {
        "execution": (
            execution.status, execution.updated_at, execution.completed_at, execution.progress,
            execution.metadata, execution.error_count,
        ),
        "steps": list(
            execution.steps.order_by("step_order").values_list("pk", "status", "updated_at")
        ),
        "logs": list(execution.logs.order_by("pk").values_list("pk", flat=True)),
    }  # fmt: skip


def test_a_redelivered_execution_that_has_ended_changes_nothing(
    api, team, project, dev, make_version
):
    def start(environment) -> str:
        response = api(team["se"]).post(
            EXECUTIONS,
            {"blueprint_version": str(make_version().pk), "environment": str(environment.pk)},
            format="json",
        )
        assert response.status_code == 202, response.json()
        return response.json()["id"]

    def ended(execution_id) -> bool:
        status = DeploymentExecution.objects.get(pk=execution_id).status
        return status not in {"pending", "in-progress"}

    with real_worker("deployments.execute", label="deployments-redelivery") as (worker, _):
        execution_id = start(dev)
        assert wait_for(lambda: ended(execution_id), timeout=90), log_path(
            "deployments-redelivery"
        ).read_text()[-2000:]
        before = snapshot(execution_id)
        assert before["execution"][0] == "completed" and len(before["steps"]) == 6

        # The same message again; an execution queued behind it on the same worker shows that
        # the delivery was handled.
        execute.delay(execution_id)
        after = start(EnvironmentFactory(project=project, name="qa", type="dev"))
        assert wait_for(lambda: ended(after), timeout=90), log_path(
            "deployments-redelivery"
        ).read_text()[-2000:]
        assert worker.poll() is None
    assert snapshot(execution_id) == before
    assert DeploymentExecution.objects.get(pk=after).steps.count() == 6
