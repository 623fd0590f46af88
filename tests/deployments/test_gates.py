"""The gates of an execution: production approval, guardrails, cost against budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.costing import services as costing_services
from apps.costing.models import BudgetAllocation
from apps.deployments import gates
from apps.deployments.models import DeploymentApproval, DeploymentExecution
from apps.guardrails.models import GuardrailEvaluation, PolicyViolation
from tests.deployments.fixtures import APPROVALS, BUCKET, changed

pytestmark = pytest.mark.django_db


def budget(project, user, amount, **fields):
    today = timezone.localdate()
    return costing_services.budget_allocation_create(
        user=user, project=project, category=fields.pop("category", "infrastructure"),
        amount=Decimal(amount), fiscal_year=today.year, effective_date=today, **fields,
    )  # fmt: skip


def monthly_estimate(version, user):
    return costing_services.estimate_components(
        costing_services.components_of(version), tenant_id=user.tenant_id
    ).monthly_total


def error(response):
    return response.json()["error"]


def test_production_without_an_approval_is_refused(team, prod, make_version, deploy):
    version = make_version()
    response = deploy(team["se"], version, prod)
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "approval_required"
    assert "production" in body["message"]
    details = body["details"]
    assert details["gate"] == "approval_required"
    assert details["approval"] == {
        "required_for": ["production"], "approval": None, "passed": False, "refused": []
    }  # fmt: skip
    assert details["guardrails"]["passed"] is True
    assert not DeploymentExecution.objects.exists()


def test_production_with_an_approved_approval_runs(api, team, prod, make_version, deploy, approved):
    version = make_version()
    approval = approved(team["se"], team["pm"], version, prod)
    response = deploy(team["se"], version, prod)
    assert response.status_code == 202, response.json()
    execution = DeploymentExecution.objects.get(pk=response.json()["id"])
    assert str(execution.approval_id) == approval["id"]
    assert execution.status == "completed", execution.error_message
    assert (
        execution.deployment_id == DeploymentApproval.objects.get(pk=approval["id"]).deployment_id
    )


def test_a_pending_or_rejected_approval_does_not_open_production(
    api, team, prod, make_version, deploy
):
    version = make_version()
    body = {"blueprint_version": str(version.pk), "environment": str(prod.pk)}
    pending = api(team["se"]).post(APPROVALS, body, format="json").json()
    assert deploy(team["se"], version, prod).status_code == 409
    named = deploy(team["se"], version, prod, approval=pending["id"])
    assert named.status_code == 409
    assert error(named)["code"] == "approval_unusable"
    assert "it is pending" in error(named)["message"]
    api(team["pm"]).post(f"{APPROVALS}{pending['id']}/reject/", {}, format="json")
    assert error(deploy(team["se"], version, prod))["code"] == "approval_required"


def test_an_approval_outside_its_deployment_window_is_not_usable(
    team, prod, make_version, deploy, approved
):
    version = make_version()
    now = timezone.now()
    approved(
        team["se"], team["pm"], version, prod,
        deployment_window_start=(now - timedelta(hours=3)).isoformat(),
        deployment_window_end=(now - timedelta(hours=1)).isoformat(),
    )  # fmt: skip
    response = deploy(team["se"], version, prod)
    assert response.status_code == 409
    assert "deployment window closed" in error(response)["message"]


def test_an_approval_of_another_version_does_not_count(team, prod, make_version, deploy, approved):
    first = make_version()
    approved(team["se"], team["pm"], first, prod)
    second = make_version([*first.graph_json["components"], BUCKET])
    assert error(deploy(team["se"], second, prod))["code"] == "approval_required"


def test_a_guardrail_blocked_version_is_refused_with_the_findings(team, dev, make_version, deploy):
    insecure = changed(BUCKET, block_public_acls=False, encryption_enabled=False)
    version = make_version([insecure])
    response = deploy(team["se"], version, dev)
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "guardrails_refused"
    guardrails = body["details"]["guardrails"]
    evaluation = GuardrailEvaluation.objects.get(pk=guardrails["evaluation"])
    assert evaluation.environment == "dev" and evaluation.blocked
    assert guardrails["passed"] is False and guardrails["score"] == evaluation.score
    rules = {finding["rule_id"] for finding in guardrails["standing_findings"]}
    assert {"aws-s3-block-public-acls", "sec-001"} <= rules
    assert not DeploymentExecution.objects.exists()
    # The evaluation the refusal names is kept; a second attempt reuses it.
    assert deploy(team["se"], version, dev).status_code == 409
    assert GuardrailEvaluation.objects.filter(blueprint_version=version).count() == 1


def test_waived_soft_fail_findings_pass_the_gate(team, dev, make_version, deploy):
    from apps.guardrails import services as guardrail_services

    version = make_version([changed(BUCKET, block_public_acls=False)])
    assert error(deploy(team["se"], version, dev))["code"] == "guardrails_refused"
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    [acl] = [f for f in evaluation.findings if f["rule_id"] == "aws-s3-block-public-acls"]
    guardrail_services.waiver_grant(
        finding=PolicyViolation.objects.get(pk=acl["id"]), user=team["ta"],
        reason="Public website bucket, reviewed.", expires_at=None,
    )  # fmt: skip
    response = deploy(team["se"], version, dev)
    assert response.status_code == 202, response.json()
    assert DeploymentExecution.objects.get(pk=response.json()["id"]).status == "completed"


def test_production_rules_apply_to_production_only(team, dev, prod, make_version, deploy):
    # Without the cost_center and compliance tags only the production tag rule fails.
    untagged = changed(BUCKET)
    untagged["tags"] = {k: v for k, v in untagged["tags"].items()
                        if k not in {"cost_center", "compliance"}}  # fmt: skip
    version = make_version([untagged])
    assert deploy(team["se"], version, dev).status_code == 202
    refused = deploy(team["se"], version, prod)
    assert error(refused)["code"] == "guardrails_refused"
    assert {f["rule_id"] for f in error(refused)["details"]["guardrails"]["standing_findings"]} == {
        "prod-003"
    }


def test_over_budget_needs_a_cost_approval_covering_the_estimate(
    api, team, project, dev, make_version, deploy, approved
):
    version = make_version()
    estimate = monthly_estimate(version, team["se"])
    assert estimate > 0
    budget(project, team["pm"], "12.00")  # 1.00 a month
    refused = deploy(team["se"], version, dev)
    assert refused.status_code == 409
    body = error(refused)
    assert body["code"] == "cost_approval_required"
    cost = body["details"]["cost"]
    assert cost["monthly_estimate"] == str(estimate)
    assert cost["monthly_budget"] == "1.00" and cost["yearly_budget"] == "12.00"
    assert cost["budget_scope"] == "project" and cost["over_budget"] is True
    assert str(estimate) in body["message"] and "1.00" in body["message"]
    # A cost approval records the estimate the approver saw; it opens the gate.
    approval = approved(team["se"], team["pm"], version, dev)
    assert approval["estimated_monthly_cost"] == str(estimate)
    assert approval["required_for"] == ["cost"] and approval["cost"]["over_budget"] is True
    allowed = deploy(team["se"], version, dev)
    assert allowed.status_code == 202, allowed.json()
    execution = DeploymentExecution.objects.get(pk=allowed.json()["id"])
    assert str(execution.approval_id) == approval["id"]
    assert execution.status == "completed", execution.error_message
    cost_step = execution.steps.get(step_order=4)
    assert "over budget" in cost_step.output and approval["id"] in cost_step.output


def test_a_cost_approval_below_the_current_estimate_is_not_enough(
    team, project, dev, make_version, deploy, approved
):
    version = make_version()
    budget(project, team["pm"], "12.00")
    approval = approved(team["se"], team["pm"], version, dev)
    # Prices rose since the approval: the approver approved less than it costs now.
    DeploymentApproval.objects.filter(pk=approval["id"]).update(
        estimated_monthly_cost=Decimal("2.00")
    )
    refused = deploy(team["se"], version, dev)
    assert refused.status_code == 409
    body = error(refused)
    assert body["code"] == "cost_approval_required"
    assert body["details"]["approval"]["refused"][0]["approval"] == approval["id"]
    assert "less than the current estimate" in body["message"]


def test_within_budget_needs_no_approval(team, project, dev, make_version, deploy):
    version = make_version()
    budget(project, team["pm"], "100000.00")
    response = deploy(team["se"], version, dev)
    assert response.status_code == 202
    checks = DeploymentExecution.objects.get(pk=response.json()["id"]).pre_check_results
    assert checks["cost"]["over_budget"] is False and checks["approval"]["required_for"] == []


def test_an_environment_budget_takes_precedence_over_the_project_budget(
    team, project, dev, prod, make_version
):
    version = make_version()
    budget(project, team["pm"], "100000.00")
    own = budget(project, team["pm"], "12.00", metadata={"environment": str(dev.pk)})
    budget(project, team["pm"], "24.00", metadata={"environment": str(prod.pk)})
    budget(project, team["pm"], "50.00", category="licenses")  # not infrastructure
    budget(project, team["pm"], "60.00", status="cancelled")
    figures = gates.cost_figures(version=version, environment=dev, tenant_id=team["pm"].tenant_id)
    assert (figures.budget_scope, figures.yearly_budget) == ("environment", Decimal("12.00"))
    assert figures.allocations == [str(own.pk)]
    assert figures.over_budget
    staging = dev.__class__.objects.create(project=project, name="staging", type="staging")
    figures = gates.cost_figures(
        version=version, environment=staging, tenant_id=team["pm"].tenant_id
    )
    assert (figures.budget_scope, figures.yearly_budget) == ("project", Decimal("100000.00"))
    assert figures.monthly_budget == Decimal("8333.33") and not figures.over_budget
    BudgetAllocation.objects.all().delete()
    figures = gates.cost_figures(version=version, environment=dev, tenant_id=team["pm"].tenant_id)
    assert figures.monthly_budget is None and not figures.over_budget


def test_one_execution_at_a_time_per_environment(team, dev, make_version, deploy):
    version = make_version()
    first = deploy(team["se"], version, dev, run=False)
    assert first.status_code == 202
    second = deploy(team["se"], version, dev)
    assert second.status_code == 409
    body = error(second)
    assert body["code"] == "execution_active"
    assert body["details"]["current"]["id"] == first.json()["id"]
    assert body["details"]["current"]["status"] == "pending"


def test_bad_input_is_a_400_naming_the_field(api, team, dev, project, make_version, deploy):
    version = make_version()
    cases = [
        ({"format": "pulumi"}, "format"),
        ({"deployment_type": "rollback"}, "deployment_type"),
        ({"surprise": 1}, "surprise"),
        ({"approval": "not-a-uuid"}, "approval"),
    ]
    for fields, field in cases:
        response = deploy(team["se"], version, dev, **fields)
        assert response.status_code == 400, (fields, response.json())
        assert field in error(response)["fields"]
    other = project.__class__.objects.create(tenant=project.tenant, name="Other", code="OTH")
    elsewhere = dev.__class__.objects.create(project=other, name="dev", type="dev")
    response = deploy(team["admin"], version, elsewhere)  # tenant-wide: reaches both
    assert response.status_code == 400
    assert (
        error(response)["code"] == "invalid_target" and "environment" in error(response)["fields"]
    )
    # Bicep cannot render AWS components: refused before anything is stored.
    response = deploy(team["se"], version, dev, format="bicep")
    assert response.status_code == 400 and "format" in error(response)["fields"]
    assert not DeploymentExecution.objects.exists()


def test_a_hard_fail_finding_counts_as_false_positive_only_when_recorded(
    team, dev, make_version, deploy, hard_fail_policy
):
    from apps.guardrails import services as guardrail_services

    hard_fail_policy()
    version = make_version()
    assert error(deploy(team["se"], version, dev))["code"] == "guardrails_refused"
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    tickets = [f["id"] for f in evaluation.findings if f["rule_id"] == "change-ticket"]
    assert tickets
    # Typed by hand (no who, no why): the hard-fail findings still block.
    PolicyViolation.objects.filter(pk__in=tickets).update(status="false-positive")
    assert error(deploy(team["se"], version, dev))["code"] == "guardrails_refused"
    PolicyViolation.objects.filter(pk__in=tickets).update(status="open")
    for pk in tickets:
        guardrail_services.finding_mark_false_positive(
            finding=PolicyViolation.objects.get(pk=pk), user=team["ta"],
            reason="Changes to dev need no ticket.",
        )  # fmt: skip
    response = deploy(team["se"], version, dev)
    assert response.status_code == 202, response.json()
