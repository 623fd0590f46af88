"""The deployments admin: approvals with their history, approved and rejected through the
services; executions with steps, logs and plan, read-only, cancellable."""

import pytest
from django.urls import reverse

from apps.deployments import services
from apps.deployments.models import ApprovalHistory, DeploymentApproval, DeploymentExecution
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, team):
    user = UserFactory(tenant=team["pm"].tenant, is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_approve_and_reject_actions_go_through_the_services(admin_client, team, dev, prod,
                                                             make_version):  # fmt: skip
    version = make_version()
    first = services.approval_create(user=team["se"], version=version, environment=dev)
    second = services.approval_create(user=team["se"], version=version, environment=prod)
    changelist = reverse("admin:deployments_deploymentapproval_changelist")
    response = admin_client.post(
        changelist, {"action": "approve", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == "approved" and first.approved_by == admin_client.user
    assert ApprovalHistory.objects.filter(approval=first, action="approved").exists()
    # Rejecting both: the decided one is refused with the reason, the other rejected.
    response = admin_client.post(
        changelist, {"action": "reject", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("cannot become rejected" in message for message in messages)
    assert DeploymentApproval.objects.get(pk=first.pk).status == "approved"
    assert DeploymentApproval.objects.get(pk=second.pk).status == "rejected"
    page = admin_client.get(reverse("admin:deployments_deploymentapproval_change",
                                    args=[first.pk]))  # fmt: skip
    assert page.status_code == 200
    assert b"Approved in the admin." in page.content  # the history inline


def test_an_execution_page_shows_its_steps_logs_and_plan(
    admin_client, team, dev, make_version, deploy
):
    execution = deploy(team["se"], make_version(), dev).json()["id"]
    page = admin_client.get(
        reverse("admin:deployments_deploymentexecution_change", args=[execution])
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in content
    assert "+ ec2.prod-shop-web-useast1" in content
    assert "Guardrail re-check" in content and "Not executed" in content
    listing = admin_client.get(reverse("admin:deployments_deploymentexecution_changelist"))
    assert "planned, not applied" in listing.content.decode()
    assert admin_client.get(reverse("admin:deployments_deploymentexecution_add")).status_code == 403


def test_the_cancel_action(admin_client, team, dev, make_version, deploy):
    response = deploy(team["se"], make_version(), dev, run=False)
    execution = response.json()["id"]
    admin_client.post(
        reverse("admin:deployments_deploymentexecution_changelist"),
        {"action": "cancel", "_selected_action": [execution]},
    )
    assert DeploymentExecution.objects.get(pk=execution).status == "cancelled"


def _staff(user, *codenames):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_approval_state_cannot_be_typed_and_actions_check_roles(client, team, dev, make_version):
    version = make_version()
    approval = services.approval_create(user=team["se"], version=version, environment=dev)
    changelist = reverse("admin:deployments_deploymentapproval_changelist")
    change = reverse("admin:deployments_deploymentapproval_change", args=[approval.pk])
    # An SE (the requester) with every admin permission can neither type a state nor approve.
    se = _staff(team["se"], "view_deploymentapproval", "change_deploymentapproval")
    client.force_login(se)
    assert client.post(change, {"status": "approved"}).status_code == 403
    response = client.post(
        changelist, {"action": "approve", "_selected_action": [approval.pk]}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert DeploymentApproval.objects.get(pk=approval.pk).status == "pending"
    # The requester may cancel their own request.
    response = client.post(
        changelist, {"action": "cancel", "_selected_action": [approval.pk]}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert DeploymentApproval.objects.get(pk=approval.pk).status == "cancelled"
    # A PM approves, through the service.
    other = services.approval_create(user=team["se"], version=version, environment=dev)
    client.force_login(_staff(team["pm"], "view_deploymentapproval"))
    client.post(changelist, {"action": "approve", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == "approved" and other.approved_by == team["pm"]


def test_execution_actions_check_the_execute_right(client, team, dev, make_version, deploy):
    execution = deploy(team["se"], make_version(), dev, run=False).json()["id"]
    changelist = reverse("admin:deployments_deploymentexecution_changelist")
    client.force_login(_staff(team["pm"], "view_deploymentexecution"))  # no execute grant
    response = client.post(
        changelist, {"action": "cancel", "_selected_action": [execution]}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert DeploymentExecution.objects.get(pk=execution).status == "pending"
    change = reverse("admin:deployments_deploymentexecution_change", args=[execution])
    assert client.post(change, {"status": "completed"}).status_code == 403
    client.force_login(_staff(team["se"], "view_deploymentexecution"))
    client.post(changelist, {"action": "cancel", "_selected_action": [execution]})
    assert DeploymentExecution.objects.get(pk=execution).status == "cancelled"
    for name in ("deploymentstep", "deploymentlog", "approvalhistory"):
        assert client.get(reverse(f"admin:deployments_{name}_add")).status_code == 403
