"""The guardrails admin writes only through the services, with the API's rights: findings'
facts are read-only; waivers and false positives are actions; evaluations are made by the
service; policies are validated by it."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.accounts.models import ProjectMember
from apps.blueprints import services as blueprint_services
from apps.guardrails import services
from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation
from apps.iac import services as iac_services
from tests.accounts.factories import ProjectFactory, UserFactory
from tests.guardrails.test_api import bucket, security_group

pytestmark = pytest.mark.django_db

FINDINGS = reverse("admin:guardrails_policyviolation_changelist")
REASON = "Reviewed by security: the group guards a bastion only."


def staff(make_user, *roles, tenant, perms=()):
    user = make_user(*roles, is_staff=True, **({"tenant": tenant} if tenant else {}))
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def ta(make_user):
    return make_user("TA")


@pytest.fixture
def version(ta):
    """A version with a hard-fail finding (SSH from anywhere) and soft-fail ones (the bucket)."""
    project = ProjectFactory(tenant=ta.tenant, members=[ta])
    blueprint = blueprint_services.blueprint_create(user=ta, project=project, name="shop")
    graph = {"components": [security_group(cidr="0.0.0.0/0"), bucket()], "relations": []}
    version, _ = blueprint_services.blueprint_version_create(
        user=ta, blueprint=blueprint, graph=graph
    )
    return version


@pytest.fixture
def evaluation(ta, version):
    return services.evaluation_create(user=ta, version=version)


def finding_of(enforcement) -> PolicyViolation:
    return PolicyViolation.objects.filter(
        policy__enforcement_level=enforcement, status="open"
    ).first()


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def act(client, action, findings, **data):
    return client.post(
        FINDINGS,
        {"action": action, "_selected_action": [str(f.pk) for f in findings], **data},
        follow=True,
    )


def test_the_finding_form_cannot_waive_or_edit_facts(client, evaluation):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    hard = finding_of("hard-fail")
    url = reverse("admin:guardrails_policyviolation_change", args=[hard.pk])
    assert client.get(url).status_code == 200  # viewable
    response = client.post(
        url,
        {"status": "false-positive", "exemption_approved": "on", "severity": "low",
         "exemption_reason": "x", "policy": str(hard.policy_id)},
    )  # fmt: skip
    assert response.status_code == 403
    hard.refresh_from_db()
    assert (hard.status, hard.exemption_approved, hard.severity) == ("open", False, "high")
    # The IaC gate still refuses the version.
    with pytest.raises(iac_services.GuardrailRefused):
        iac_services.guardrail_gate(user=admin_user, version=evaluation.blueprint_version)
    assert client.get(reverse("admin:guardrails_policyviolation_add")).status_code == 403


def test_waiving_a_hard_fail_finding_is_an_error_message(client, make_user, ta, evaluation):
    user = staff(make_user, "TA", tenant=ta.tenant, perms=["view_policyviolation"])
    ProjectMember.objects.create(project=evaluation.project, user=user)
    client.force_login(user)
    hard = finding_of("hard-fail")
    page = act(client, "waive", [hard])
    assert page.status_code == 200 and b"reason" in page.content  # the intermediate form
    response = act(client, "waive", [hard], apply="yes", reason=REASON)
    levels = messages_of(response)
    assert [level for level, _ in levels] == ["error"]
    assert "hard-fail" in levels[0][1]
    hard.refresh_from_db()
    assert not hard.exemption_approved and hard.status == "open"


def test_waiving_through_the_action_records_who_and_unblocks(client, make_user, ta, evaluation):
    user = staff(make_user, "TA", tenant=ta.tenant, perms=["view_policyviolation"])
    ProjectMember.objects.create(project=evaluation.project, user=user)
    client.force_login(user)
    soft = finding_of("soft-fail")
    short = act(client, "waive", [soft], apply="yes", reason="short")
    assert short.status_code == 200 and b"at least 10" in short.content
    response = act(
        client, "waive", [soft], apply="yes", reason=REASON, expires_at="2999-01-01 00:00"
    )
    assert [level for level, _ in messages_of(response)] == ["success"]
    soft.refresh_from_db()
    assert soft.exemption_approved and soft.exemption_approved_by == user
    assert soft.status == "exempted" and soft.exemption_reason == REASON
    response = act(client, "unwaive", [soft])
    soft.refresh_from_db()
    assert not soft.exemption_approved and soft.status == "open"


def test_staff_without_the_override_right_get_an_error_not_a_write(
    client, make_user, ta, evaluation
):
    architect = staff(make_user, "SA", tenant=ta.tenant, perms=["view_policyviolation"])
    outsider = staff(make_user, "TA", tenant=ta.tenant, perms=["view_policyviolation"])
    soft = finding_of("soft-fail")
    for user in (architect, outsider):  # no override; override but not in the project
        client.force_login(user)
        response = act(client, "waive", [soft], apply="yes", reason=REASON)
        assert [level for level, _ in messages_of(response)] == ["error"]
        response = act(client, "mark_false_positive", [soft], apply="yes", reason=REASON)
        assert [level for level, _ in messages_of(response)] == ["error"]
    soft.refresh_from_db()
    assert (soft.status, soft.exemption_approved, soft.false_positive_by) == ("open", False, None)


def test_a_false_positive_marked_in_the_admin_is_recorded_and_counts_everywhere(
    client, make_user, ta, evaluation
):
    user = staff(make_user, "TA", tenant=ta.tenant, perms=["view_policyviolation"])
    ProjectMember.objects.create(project=evaluation.project, user=user)
    client.force_login(user)
    version = evaluation.blueprint_version
    hard = finding_of("hard-fail")
    response = act(client, "mark_false_positive", [hard], apply="yes", reason=REASON)
    assert [level for level, _ in messages_of(response)] == ["success"]
    hard.refresh_from_db()
    assert hard.status == "false-positive" and hard.false_positive_by == user
    assert hard.false_positive_reason == REASON and hard.false_positive_at
    again = services.evaluation_create(user=ta, version=version)
    [row] = [f for f in again.findings if f["id"] == str(hard.pk)]
    assert row["waived"] and not row["blocking"]
    act(client, "unmark_false_positive", [hard])
    hard.refresh_from_db()
    assert hard.status == "open" and hard.false_positive_by is None


def test_evaluate_a_version_from_the_admin(client, make_user, ta, version):
    add = reverse("admin:guardrails_guardrailevaluation_add")
    consultant = staff(make_user, "Consultant", tenant=ta.tenant,
                       perms=["add_guardrailevaluation", "view_guardrailevaluation"])  # fmt: skip
    client.force_login(consultant)
    refused = client.post(add, {"blueprint_version": str(version.pk), "environment": ""})
    assert refused.status_code == 200 and b"roles do not allow" in refused.content
    assert not GuardrailEvaluation.objects.exists()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(f"{add}?blueprint_version={version.pk}").status_code == 200
    missing = client.post(add, {"blueprint_version": str(ta.pk)})
    assert b"Not found." in missing.content
    done = client.post(add, {"blueprint_version": str(version.pk), "environment": "production"})
    evaluation = GuardrailEvaluation.objects.get()
    assert done.status_code == 302 and evaluation.environment == "production"
    assert evaluation.findings and evaluation.blocked


def test_policies_are_added_through_the_service(client, make_user):
    ea = staff(make_user, "EA", tenant=None,
               perms=["add_governancepolicy", "change_governancepolicy",
                      "view_governancepolicy"])  # fmt: skip
    client.force_login(ea)
    add = reverse("admin:guardrails_governancepolicy_add")
    base = {
        "code": "tag-team", "name": "Team tag", "category": "tagging", "policy_type": "",
        "status": "active", "enforcement_level": "hard-fail", "rule_severity": "high",
        "version": "1.0", "effective_from": "",
    }  # fmt: skip
    bad = client.post(add, {**base, "policy_rules": '{"kind": "no-such-kind"}'})
    assert bad.status_code == 200 and b"errornote" in bad.content
    assert not GovernancePolicy.objects.filter(code="tag-team").exists()
    good = client.post(add, {**base, "policy_rules": '{"kind": "required", "path": "team"}'})
    assert good.status_code == 302, good.content[:2000]
    policy = GovernancePolicy.objects.get(code="tag-team")
    assert policy.tenant_id == ea.tenant_id and policy.created_by == ea
    assert policy.severity == "error" and not policy.exemptions_allowed
    # A second policy with the same code: the service's Conflict as a form error.
    taken = client.post(add, {**base, "policy_rules": '{"kind": "required", "path": "team"}'})
    assert taken.status_code == 200 and b"Already used" in taken.content
    # Built-in policies are read-only for staff.
    builtin = GovernancePolicy.objects.filter(tenant__isnull=True).first()
    url = reverse("admin:guardrails_governancepolicy_change", args=[builtin.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {**base, "policy_rules": "{}"}).status_code == 403


def test_the_evaluate_action_on_blueprint_versions(client, make_user, ta, version):
    versions = reverse("admin:blueprints_blueprintversion_changelist")
    body = {"action": "evaluate_versions", "_selected_action": [str(version.pk)]}
    consultant = staff(make_user, "Consultant", tenant=ta.tenant,
                       perms=["view_blueprintversion"])  # fmt: skip
    client.force_login(consultant)
    assert client.post(versions, body).status_code == 200  # the environment form
    refused = client.post(versions, {**body, "apply": "yes", "environment": ""}, follow=True)
    assert [level for level, _ in messages_of(refused)] == ["error"]
    assert not GuardrailEvaluation.objects.exists()
    user = staff(make_user, "TA", tenant=ta.tenant, perms=["view_blueprintversion"])
    ProjectMember.objects.create(project=version.blueprint.project, user=user)
    client.force_login(user)
    done = client.post(versions, {**body, "apply": "yes", "environment": "staging"}, follow=True)
    assert [level for level, _ in messages_of(done)] == ["success"]
    evaluation = GuardrailEvaluation.objects.get()
    assert evaluation.environment == "staging" and evaluation.created_by == user
