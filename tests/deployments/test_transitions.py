"""The state machines: every (from, to) pair of each table, allowed and refused, and the
services that move rows refusing exactly what the tables refuse (409 with the current state)."""

import itertools

import pytest

from apps.core.exceptions import Conflict
from apps.deployments import services, transitions
from apps.deployments.choices import ApprovalStatus, ExecutionStatus, StepStatus
from apps.deployments.exceptions import IllegalTransition
from apps.deployments.models import ApprovalHistory, DeploymentApproval, DeploymentExecution

APPROVAL_ALLOWED = {
    ("pending", "approved"),
    ("pending", "rejected"),
    ("pending", "cancelled"),
}
EXECUTION_ALLOWED = {
    ("pending", "in-progress"),
    ("pending", "cancelled"),
    ("in-progress", "completed"),
    ("in-progress", "failed"),
    ("in-progress", "rolled-back"),
    ("in-progress", "cancelled"),
    ("completed", "rolled-back"),
}
STEP_ALLOWED = {
    ("pending", "in-progress"),
    ("pending", "skipped"),
    ("in-progress", "completed"),
    ("in-progress", "failed"),
    ("in-progress", "skipped"),
}
TABLES = [
    (transitions.APPROVAL, ApprovalStatus, APPROVAL_ALLOWED),
    (transitions.EXECUTION, ExecutionStatus, EXECUTION_ALLOWED),
    (transitions.STEP, StepStatus, STEP_ALLOWED),
]


@pytest.mark.parametrize(
    ("table", "choices", "expected"), TABLES, ids=["approval", "execution", "step"]
)
def test_every_pair_of_every_table(table, choices, expected):
    assert set(table) == set(choices.values)  # every state has its row
    for current, target in itertools.product(choices.values, repeat=2):
        assert transitions.allowed(table, current, target) == ((current, target) in expected), (
            current,
            target,
        )


def test_final_states_and_sources():
    assert [s for s in ApprovalStatus.values if transitions.is_final(transitions.APPROVAL, s)] == [
        "approved", "rejected", "cancelled"
    ]  # fmt: skip
    assert transitions.sources(transitions.EXECUTION, "rolled-back") == ["completed", "in-progress"]
    assert transitions.sources(transitions.EXECUTION, "cancelled") == ["in-progress", "pending"]


# --- through the services, on PostgreSQL -------------------------------------------------------

ACTIONS = {
    "approved": services.approval_approve,
    "rejected": services.approval_reject,
    "cancelled": services.approval_cancel,
}


@pytest.fixture
def approval(team, dev, make_version):
    return services.approval_create(user=team["se"], version=make_version(), environment=dev)


@pytest.mark.django_db
@pytest.mark.parametrize("target", list(ACTIONS))
@pytest.mark.parametrize("current", ApprovalStatus.values)
def test_approval_services_follow_the_table(team, approval, current, target):
    DeploymentApproval.objects.filter(pk=approval.pk).update(status=current)
    before = ApprovalHistory.objects.filter(approval=approval).count()
    if (current, target) in APPROVAL_ALLOWED:
        moved = ACTIONS[target](user=team["pm"], approval=approval, comment="why")
        assert moved.status == target
        history = ApprovalHistory.objects.filter(approval=approval).order_by("-performed_at")[0]
        assert (history.action, history.performed_by, history.notes) == (target, team["pm"], "why")
        assert history.previous_state == {"status": current}
        assert history.new_state["status"] == target
        if target == "approved":
            assert (moved.approved_by, moved.reviewed_by) == (team["pm"], team["pm"])
        if target == "rejected":
            assert (moved.rejected_by, moved.feedback) == (team["pm"], "why")
    else:
        with pytest.raises(IllegalTransition) as refused:
            ACTIONS[target](user=team["pm"], approval=approval)
        assert refused.value.status_code == 409
        assert refused.value.details["current"]["status"] == current
        assert refused.value.details["requested"] == target
        assert ApprovalHistory.objects.filter(approval=approval).count() == before
        assert DeploymentApproval.objects.get(pk=approval.pk).status == current


@pytest.fixture
def execution(team, dev, make_version, deploy):
    response = deploy(team["se"], make_version(), dev, run=False)
    return DeploymentExecution.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("current", ExecutionStatus.values)
def test_cancel_follows_the_execution_table(team, execution, current):
    DeploymentExecution.objects.filter(pk=execution.pk).update(status=current)
    if (current, "cancelled") in EXECUTION_ALLOWED:
        cancelled = services.execution_cancel(user=team["se"], execution=execution)
        assert cancelled.status == "cancelled" and cancelled.completed_at
    else:
        with pytest.raises(IllegalTransition) as refused:
            services.execution_cancel(user=team["se"], execution=execution)
        assert refused.value.details["current"]["status"] == current
        assert DeploymentExecution.objects.get(pk=execution.pk).status == current


@pytest.mark.django_db
@pytest.mark.parametrize("current", ExecutionStatus.values)
def test_only_a_pending_execution_is_claimed_by_the_task(execution, current):
    DeploymentExecution.objects.filter(pk=execution.pk).update(status=current)
    claimed = services._claim(execution.pk)
    if current == "pending":
        assert claimed is not None and claimed.status == "in-progress"
        assert claimed.steps.count() == 6
    else:
        assert claimed is None
        assert DeploymentExecution.objects.get(pk=execution.pk).status == current
        assert not execution.steps.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("current", ExecutionStatus.values)
def test_only_a_completed_execution_can_be_rolled_back(team, execution, current):
    DeploymentExecution.objects.filter(pk=execution.pk).update(status=current)
    with pytest.raises(Conflict) as refused:
        services.execution_rollback(user=team["se"], execution=execution)
    expected = "no_previous_deployment" if current == "completed" else "not_rollbackable"
    assert refused.value.code == expected
    assert refused.value.details["current"]["status"] == current
