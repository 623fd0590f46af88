"""The guardrail gate in front of IaC generation: the version's latest evaluation must pass,
with waivers as they stand now; a version never evaluated is evaluated first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.guardrails import services as guardrail_services
from apps.guardrails.models import GuardrailEvaluation, PolicyViolation
from apps.iac import services
from apps.iac.models import IacGeneration
from tests.iac.conftest import AWS, COMPLIANT_BUCKET, bucket

pytestmark = pytest.mark.django_db

URL = "/api/v1/iac/generations/"


def finding(evaluation, rule_id):
    return next(f for f in evaluation.findings if f["rule_id"] == rule_id)


def test_a_version_never_evaluated_is_evaluated_first_and_linked(ta, new_version, generate):
    version = new_version("aws")
    assert not GuardrailEvaluation.objects.filter(blueprint_version=version).exists()
    body = generate(ta, version, "terraform").json()
    assert body["status"] == "pending"
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    assert body["guardrail_evaluation"] == str(evaluation.pk)
    assert evaluation.passed and evaluation.created_by == ta
    # The next generation reuses the latest evaluation instead of making another.
    generate(ta, version, "cloudformation")
    assert GuardrailEvaluation.objects.filter(blueprint_version=version).count() == 1


def test_a_blocked_evaluation_is_a_409_naming_it_and_nothing_is_generated(
    ta, new_version, generate
):
    version = new_version([bucket(acl="public-read")])
    response = generate(ta, version, "terraform")
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] == "guardrails_refused"
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    assert evaluation.blocked
    assert error["details"]["evaluation"] == str(evaluation.pk)
    assert str(evaluation.pk) in error["message"]
    assert error["details"]["blocked"] is True
    refused = {(f["rule_id"], f["enforcement"]) for f in error["details"]["findings"]}
    assert ("aws-s3-public-acl", "hard-fail") in refused
    assert all(f["blocking"] or f["severity"] in {"critical", "high"}
               for f in error["details"]["findings"])  # fmt: skip
    assert not IacGeneration.objects.exists()
    # The stored evaluation is the one the 409 named: refusing again adds no evaluation.
    assert generate(ta, version, "terraform").status_code == 409
    assert GuardrailEvaluation.objects.filter(blueprint_version=version).count() == 1


def test_the_latest_evaluation_decides(ta, new_version, generate):
    """An older passing evaluation does not let a version through once a newer one blocks."""
    version = new_version([bucket(**COMPLIANT_BUCKET)])
    passing = guardrail_services.evaluation_create(user=ta, version=version)
    assert passing.passed
    GuardrailEvaluation.objects.create(
        tenant=passing.tenant, project=passing.project, blueprint=passing.blueprint,
        blueprint_version=version, passed=False, blocked=True, score=40, policies_evaluated=1,
        summary={}, duration_ms=1, created_by=ta,
        findings=[{"id": "00000000-0000-0000-0000-000000000001", "rule_id": "x", "severity":
                   "critical", "component": "c", "message": "m", "blocking": True,
                   "waived": False}],
        rules={"x": {"title": "X", "enforcement": "hard-fail"}},
    )  # fmt: skip
    assert generate(ta, version, "terraform").status_code == 409


def test_waived_soft_fail_findings_let_the_generation_through(
    ta, new_version, generate, generated, api
):
    soft = {key: value for key, value in COMPLIANT_BUCKET.items() if key != "block_public_acls"}
    version = new_version([bucket(**soft)])
    refused = generate(ta, version, "terraform")
    assert refused.status_code == 409
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    acl = finding(evaluation, "aws-s3-block-public-acls")
    assert acl["blocking"] and not acl["waived"]
    # A Technical Architect waives it (the guardrail override grant) ...
    waiver = api(ta).post(
        "/api/v1/guardrails/waivers/",
        {"finding": acl["id"], "reason": "Public website bucket, reviewed by security.",
         "expires_at": (timezone.now() + timedelta(days=30)).isoformat()},
        format="json",
    )  # fmt: skip
    assert waiver.status_code == 201, waiver.json()
    # ... and the same evaluation now lets the version through: the waiver is read as it stands.
    body = generated(ta, version, "terraform")
    assert body["guardrail_evaluation"] == str(evaluation.pk)
    assert body["status"] == "completed", body["error"]
    # Once the waiver expires, the finding blocks again.
    PolicyViolation.objects.filter(pk=acl["id"]).update(
        exemption_expires_at=timezone.now() - timedelta(seconds=1)
    )
    again = generate(ta, version, "terraform")
    assert again.status_code == 409
    assert [f["rule_id"] for f in again.json()["error"]["details"]["findings"]] == [
        "aws-s3-block-public-acls"
    ]


def test_a_waiver_recorded_in_a_new_evaluation_passes_too(ta, new_version, generate, api):
    soft = {key: value for key, value in COMPLIANT_BUCKET.items() if key != "block_public_acls"}
    version = new_version([bucket(**soft)])
    blocked = guardrail_services.evaluation_create(user=ta, version=version)
    acl = finding(blocked, "aws-s3-block-public-acls")
    guardrail_services.waiver_grant(
        finding=PolicyViolation.objects.get(pk=acl["id"]), user=ta,
        reason="Reviewed by security.", expires_at=None,
    )  # fmt: skip
    evaluation = guardrail_services.evaluation_create(user=ta, version=version)
    assert not evaluation.blocked and evaluation.summary["waived"] == 1
    response = generate(ta, version, "terraform")
    assert response.status_code == 202
    assert response.json()["guardrail_evaluation"] == str(evaluation.pk)


def test_advisory_findings_below_high_do_not_refuse(ta, new_version, generate):
    version = new_version("gcp")  # two medium advisory findings on the instance
    evaluation = guardrail_services.evaluation_create(user=ta, version=version)
    assert evaluation.findings and evaluation.passed
    assert {f["severity"] for f in evaluation.findings} == {"medium"}
    assert generate(ta, version, "terraform").status_code == 202


def test_a_high_advisory_finding_refuses_because_the_evaluation_did_not_pass(
    ta, new_version, generate
):
    unavailable = [{**AWS[2], "properties": {**AWS[2]["properties"], "availability_zones": 1}}]
    version = new_version(AWS[:2] + unavailable)
    response = generate(ta, version, "terraform")
    assert response.status_code == 409
    details = response.json()["error"]["details"]
    assert details["passed"] is False and details["blocked"] is False
    assert [(f["rule_id"], f["blocking"]) for f in details["findings"]] == [("ops-001", False)]


def test_the_gate_is_a_service_other_apps_can_call(ta, new_version):
    version = new_version([bucket(acl="public-read")])
    with pytest.raises(services.GuardrailRefused) as refused:
        services.generation_create(user=ta, version=version, format="terraform")
    assert refused.value.status_code == 409
    assert refused.value.details["evaluation"]
    assert not IacGeneration.objects.exists()


def test_a_hard_fail_finding_marked_false_positive_by_hand_still_refuses(ta, new_version, generate):
    """A status typed without the service (as the finding's admin form once allowed) does not
    waive a hard-fail finding; the service's recorded mark, with the override right, does."""
    version = new_version([bucket(**COMPLIANT_BUCKET, acl="public-read")])
    assert generate(ta, version, "terraform").status_code == 409
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    public = finding(evaluation, "aws-s3-public-acl")
    PolicyViolation.objects.filter(pk=public["id"]).update(status="false-positive")
    refused = generate(ta, version, "terraform")
    assert refused.status_code == 409
    assert "aws-s3-public-acl" in {
        f["rule_id"] for f in refused.json()["error"]["details"]["findings"]
    }
    PolicyViolation.objects.filter(pk=public["id"]).update(status="open")
    guardrail_services.finding_mark_false_positive(
        finding=PolicyViolation.objects.get(pk=public["id"]), user=ta,
        reason="The bucket is the public website, reviewed by security.",
    )  # fmt: skip
    response = generate(ta, version, "terraform")
    assert response.status_code == 202, response.json()
