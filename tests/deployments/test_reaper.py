"""An execution whose worker died (killed mid-run; the redelivered task finds it in progress and
does nothing) is failed by the reaper with the reason, and its environment is free again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.deployments import services
from apps.deployments.choices import ExecutionStatus, StepStatus
from apps.deployments.models import DeploymentExecution, DeploymentStep
from apps.deployments.tasks import execute

pytestmark = pytest.mark.django_db


def stranded(deploy, user, version, environment):
    """An execution claimed by a worker that then died during its second step."""
    execution = DeploymentExecution.objects.get(
        pk=deploy(user, version, environment, run=False).json()["id"]
    )
    claimed = services._claim(execution.pk)
    assert claimed is not None
    steps = list(claimed.steps.order_by("step_order"))
    DeploymentStep.objects.filter(pk=steps[0].pk).update(status=StepStatus.COMPLETED)
    DeploymentStep.objects.filter(pk=steps[1].pk).update(status=StepStatus.IN_PROGRESS)
    return claimed


def test_a_stalled_execution_is_failed_with_the_reason(team, dev, make_version, deploy):
    execution = stranded(deploy, team["se"], make_version(), dev)
    # The redelivered task finds it in progress and leaves it alone.
    assert execute.apply(args=[str(execution.pk)]).get() is None
    assert services.reap_stale_executions() == 0  # it moved a moment ago: alive
    later = timezone.now() + services.stale_after() + timedelta(seconds=1)
    assert services.reap_stale_executions(now=later) == 1
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.FAILED
    assert "worker running it stopped" in execution.error_message
    assert execution.error_count == 1 and execution.completed_at == later
    statuses = list(execution.steps.order_by("step_order").values_list("status", flat=True))
    assert statuses == ["completed", "failed", "skipped", "skipped", "skipped", "skipped"]
    assert execution.logs.filter(log_level="error", message__contains="stopped").exists()
    assert services.reap_stale_executions(now=later) == 0  # once


def test_the_environment_takes_a_new_execution_after_the_reaper(team, dev, make_version, deploy):
    version = make_version()
    stranded(deploy, team["se"], version, dev)
    assert deploy(team["se"], version, dev, run=False).status_code == 409  # one at a time
    services.reap_stale_executions(now=timezone.now() + timedelta(hours=1))
    again = deploy(team["se"], version, dev)
    assert again.status_code == 202, again.json()
    assert DeploymentExecution.objects.get(pk=again.json()["id"]).status == "completed"


def test_the_window_follows_the_setting(team, dev, make_version, deploy, settings):
    settings.DHARMA_DEPLOYMENT_STALE_SECONDS = 90
    assert services.stale_after() == timedelta(seconds=90)
    execution = stranded(deploy, team["se"], make_version(), dev)
    moved = DeploymentExecution.objects.get(pk=execution.pk).updated_at
    assert services.reap_stale_executions(now=moved + timedelta(seconds=89)) == 0
    assert services.reap_stale_executions(now=moved + timedelta(seconds=91)) == 1
    execution.refresh_from_db()
    assert "more than 90 s" in execution.error_message
