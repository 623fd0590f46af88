"""The guardrails API over real PostgreSQL: evaluations, enforcement levels, findings, waivers,
policies, reports, tenancy and roles."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.guardrails.models import GovernancePolicy, GuardrailEvaluation, PolicyViolation
from apps.guardrails.pack import BUILTIN_POLICIES
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TAGS = {"environment": "prod", "owner": "platform", "project": "shop", "CostCenter": "42"}


def bucket(name="prod-shop-assets-useast1", **properties):
    return {
        "name": name, "type": "s3", "provider": "aws", "region": "us-east-1",
        "properties": properties, "tags": TAGS,
    }  # fmt: skip


def security_group(name="prod-shop-sg-useast1", cidr="10.0.0.0/8"):
    return {
        "name": name, "type": "security-group", "provider": "aws", "region": "us-east-1",
        "properties": {"ingress": [{"from_port": 22, "to_port": 22, "cidr_blocks": [cidr]}]},
        "tags": TAGS,
    }  # fmt: skip


@pytest.fixture
def lead(make_user):
    """A Solution and Technical Architect: writes blueprints, evaluates and waives."""
    return make_user("SA", "TA")


@pytest.fixture
def project(lead):
    return ProjectFactory(tenant=lead.tenant, members=[lead])


@pytest.fixture
def new_version(api, lead, project):
    """new_version(components) -> (blueprint id, version id) of a new blueprint's version 1."""
    client = api(lead)
    counter = iter(range(1000))

    def make(components, blueprint_id=None):
        if blueprint_id is None:
            blueprint_id = client.post(
                "/api/v1/blueprints/",
                {"project": str(project.pk), "name": f"shop-{next(counter)}"},
                format="json",
            ).json()["id"]
        response = client.post(
            f"/api/v1/blueprints/{blueprint_id}/versions/",
            {"graph": {"components": components, "relations": []}},
            format="json",
        )
        assert response.status_code in (200, 201), response.json()
        return blueprint_id, response.json()["id"]

    return make


def evaluate(client, version_id, query=""):
    return client.post(
        f"/api/v1/guardrails/evaluations/{query}", {"blueprint_version": version_id}, format="json"
    )


def by_rule(evaluation):
    return {(f["rule_id"], f["component"]): f for f in evaluation["findings"]}


def test_the_built_in_pack_is_installed_by_the_migration_and_resyncs():
    builtins = GovernancePolicy.objects.filter(tenant=None, status="active")
    assert builtins.count() == len(BUILTIN_POLICIES)
    assert builtins.exclude(policy_rules__checkov_id=None).count() >= 25
    GovernancePolicy.objects.filter(code="sec-001").update(enforcement_level="advisory")
    GovernancePolicy.objects.create(
        code="retired-rule", name="old", policy_type="security", severity="advisory",
        enforcement_level="advisory", policy_rules={"kind": "required", "path": "x"},
        effective_from=timezone.localdate(), status="active",
    )  # fmt: skip
    from io import StringIO

    out = StringIO()
    call_command("sync_policies", stdout=out)
    assert "0 created, 1 updated, 1 retired" in out.getvalue()
    assert GovernancePolicy.objects.get(code="sec-001").enforcement_level == "soft-fail"
    assert GovernancePolicy.objects.get(code="retired-rule").status == "archived"


def test_an_evaluation_reports_findings_with_checkov_ids_score_and_summary(api, lead, new_version):
    _, version = new_version([bucket(acl="public-read")])
    response = evaluate(api(lead), version)
    assert response.status_code == 201, response.json()
    body = response.json()
    findings = by_rule(body)
    acl = findings[("aws-s3-public-acl", "prod-shop-assets-useast1")]
    assert acl["checkov_id"] == "CKV_AWS_20"
    assert (acl["severity"], acl["enforcement"], acl["blocking"]) == ("critical", "hard-fail", True)
    assert acl["remediation"]
    assert ("aws-s3-encryption", "prod-shop-assets-useast1") in findings  # required, missing
    assert body["blocked"] is True and body["passed"] is False
    summary = body["summary"]
    assert summary["total"] == len(body["findings"])
    weights = {"critical": 10, "high": 5, "medium": 2, "low": 1, "info": 0}
    w = sum(weights[f["severity"]] for f in body["findings"] if not f["waived"])
    n = body["policies_evaluated"]
    assert body["score"] == round(100 - min(w, 10 * n) / (10 * n) * 100)
    assert (
        PolicyViolation.objects.filter(resource_id=body["blueprint"], status="open").count()
        == (summary["total"])
    )


def test_enforcement_levels_advisory_reports_soft_fail_blocks_until_waived(api, lead, new_version):
    compliant = {
        "server_side_encryption": "AES256", "block_public_acls": True,
        "block_public_policy": True, "encryption_enabled": True, "versioning": {"enabled": True},
        "audit_logging": True, "backup_policy": {"days": 30}, "dr_enabled": True,
        "monitoring_enabled": True, "logging": {"target_bucket": "logs"},
    }  # fmt: skip
    client = api(lead)
    _, version = new_version([bucket(**compliant)])
    clean = evaluate(client, version).json()
    assert (clean["passed"], clean["blocked"]) == (True, False)
    # Only advisory findings left (the naming and tags rules pass): nothing blocks.
    assert all(not f["blocking"] for f in clean["findings"])
    soft = {key: value for key, value in compliant.items() if key != "block_public_acls"}
    _, version = new_version([bucket(**soft)])
    blocked = evaluate(client, version).json()
    finding = by_rule(blocked)[("aws-s3-block-public-acls", "prod-shop-assets-useast1")]
    assert finding["enforcement"] == "soft-fail" and finding["blocking"]
    assert blocked["blocked"] is True
    waiver = client.post(
        "/api/v1/guardrails/waivers/",
        {"finding": finding["id"], "reason": "Public website bucket, reviewed by security.",
         "expires_at": (timezone.now() + timedelta(days=30)).isoformat()},
        format="json",
    )  # fmt: skip
    assert waiver.status_code == 201, waiver.json()
    assert waiver.json()["waived_by"] == str(lead.pk)
    again = evaluate(client, version).json()
    waived = by_rule(again)[("aws-s3-block-public-acls", "prod-shop-assets-useast1")]
    assert waived["waived"] and not waived["blocking"]
    assert waived["waived_by"] == lead.email
    assert waived["waiver_reason"] == "Public website bucket, reviewed by security."
    assert again["blocked"] is False
    assert again["summary"]["waived"] == 1


def test_an_expired_waiver_stops_applying_at_the_next_evaluation(api, lead, new_version):
    client = api(lead)
    _, version = new_version([bucket(server_side_encryption="AES256")])
    finding = by_rule(evaluate(client, version).json())[
        ("aws-s3-block-public-acls", "prod-shop-assets-useast1")
    ]
    client.post(
        "/api/v1/guardrails/waivers/",
        {"finding": finding["id"], "reason": "Temporary, until the CDN is in place."},
        format="json",
    )
    assert by_rule(evaluate(client, version).json())[
        ("aws-s3-block-public-acls", "prod-shop-assets-useast1")
    ]["waived"]
    PolicyViolation.objects.filter(pk=finding["id"]).update(
        exemption_expires_at=timezone.now() - timedelta(seconds=1)
    )
    after = by_rule(evaluate(client, version).json())[
        ("aws-s3-block-public-acls", "prod-shop-assets-useast1")
    ]
    assert (after["waived"], after["blocking"]) == (False, True)
    assert PolicyViolation.objects.get(pk=finding["id"]).status == "open"


def test_hard_fail_findings_cannot_be_waived(api, lead, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    body = evaluate(client, version).json()
    ssh = by_rule(body)[("aws-sg-ssh-world", "prod-shop-sg-useast1")]
    assert ssh["checkov_id"] == "CKV_AWS_24" and ssh["blocking"]
    response = client.post(
        "/api/v1/guardrails/waivers/",
        {"finding": ssh["id"], "reason": "We really need SSH from anywhere."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_waivable"
    assert not PolicyViolation.objects.get(pk=ssh["id"]).exemption_approved


def test_a_fixed_finding_is_marked_remediated(api, lead, new_version):
    client = api(lead)
    blueprint, version = new_version([security_group(cidr="0.0.0.0/0")])
    ssh = by_rule(evaluate(client, version).json())[("aws-sg-ssh-world", "prod-shop-sg-useast1")]
    _, fixed = new_version([security_group(cidr="10.0.0.0/8")], blueprint_id=blueprint)
    body = evaluate(client, fixed).json()
    assert ("aws-sg-ssh-world", "prod-shop-sg-useast1") not in by_rule(body)
    row = PolicyViolation.objects.get(pk=ssh["id"])
    assert row.status == "remediated" and row.remediated_at is not None


def test_history_and_trend(api, lead, new_version):
    client = api(lead)
    worse = [security_group(f"prod-shop-sg{i}-useast1", cidr="0.0.0.0/0") for i in range(4)]
    worse += [bucket(f"prod-shop-b{i}-useast1", acl="public-read") for i in range(4)]
    blueprint, bad = new_version(worse)
    url = f"/api/v1/guardrails/evaluations/trend/?blueprint={blueprint}"
    assert client.get(url).json()["status"] == "not-evaluated"
    first = evaluate(client, bad).json()
    assert client.get(url).json()["trend"] is None
    better = [security_group(f"prod-shop-sg{i}-useast1") for i in range(4)]
    better += [bucket(f"prod-shop-b{i}-useast1", server_side_encryption="AES256") for i in range(4)]
    _, good = new_version(better, blueprint_id=blueprint)
    second = evaluate(client, good).json()
    assert second["score"] > first["score"] + 5
    trend = client.get(url).json()
    assert trend["trend"] == "improving"
    assert trend["score"] == second["score"]
    assert [item["id"] for item in trend["history"]] == [second["id"], first["id"]]
    evaluate(client, good)
    assert client.get(url).json()["trend"] == "stable"
    evaluate(client, bad)
    assert client.get(url).json()["trend"] == "degrading"
    listed = client.get(f"/api/v1/guardrails/evaluations/?blueprint={blueprint}").json()
    assert listed["count"] == 4
    assert "findings" not in listed["results"][0]
    assert client.get("/api/v1/guardrails/evaluations/trend/?blueprint=x").status_code == 400


def test_sarif_and_junit_reports(api, lead, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    created = evaluate(client, version, "?format=sarif")
    assert created.status_code == 201
    assert created["Content-Type"].startswith("application/sarif+json")
    sarif = json.loads(created.content)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    ssh = next(r for r in run["results"] if r["ruleId"] == "aws-sg-ssh-world")
    assert ssh["level"] == "error"
    assert rule_ids[ssh["ruleIndex"]] == "aws-sg-ssh-world"
    assert run["tool"]["driver"]["rules"][ssh["ruleIndex"]]["properties"]["checkov_id"] == (
        "CKV_AWS_24"
    )
    assert ssh["locations"][0]["logicalLocations"][0]["name"] == "prod-shop-sg-useast1"
    evaluation_id = GuardrailEvaluation.objects.get().pk
    junit = client.get(f"/api/v1/guardrails/evaluations/{evaluation_id}/?format=junit")
    assert junit["Content-Type"].startswith("application/xml")
    root = ET.fromstring(junit.content)
    suite = root.find("testsuite")
    failures = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert int(suite.get("failures")) == len(failures) >= 1
    assert any(case.get("classname") == "aws-sg-ssh-world" for case in failures)
    assert int(suite.get("tests")) == len(list(suite.iter("testcase")))
    assert client.get("/api/v1/guardrails/evaluations/?format=sarif").status_code == 404


def test_evaluation_list_is_bounded_in_queries(
    api, lead, new_version, django_assert_max_num_queries
):
    client = api(lead)
    for _ in range(3):
        _, version = new_version([bucket()])
        evaluate(client, version)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/guardrails/evaluations/").json()["count"] == 3


def test_bad_evaluation_input(api, lead, new_version):
    client = api(lead)
    for body, field in (
        ({}, "blueprint_version"),
        ({"blueprint_version": "nope"}, "blueprint_version"),
        ({"blueprint_version": None}, "blueprint_version"),
    ):
        response = client.post("/api/v1/guardrails/evaluations/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    _, version = new_version([bucket()])
    response = client.post(
        "/api/v1/guardrails/evaluations/",
        {"blueprint_version": version, "environment": "moon"},
        format="json",
    )
    assert response.status_code == 400
    assert "environment" in response.json()["error"]["fields"]
    unknown = client.post(
        "/api/v1/guardrails/evaluations/", {"blueprint_version": version, "x": 1}, format="json"
    )
    assert unknown.status_code == 400
    assert not GuardrailEvaluation.objects.exists()


def test_other_tenants_see_nothing(api, lead, make_user, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    evaluation = evaluate(client, version).json()
    finding = evaluation["findings"][0]["id"]
    stranger = api(make_user("EA", "TA", "Admin"))
    assert evaluate(stranger, version).status_code == 404
    assert stranger.get(f"/api/v1/guardrails/evaluations/{evaluation['id']}/").status_code == 404
    assert stranger.get("/api/v1/guardrails/evaluations/").json()["count"] == 0
    assert stranger.get("/api/v1/guardrails/findings/").json()["count"] == 0
    assert stranger.get(f"/api/v1/guardrails/findings/{finding}/").status_code == 404
    response = stranger.post(
        "/api/v1/guardrails/waivers/", {"finding": finding, "reason": "x" * 12}, format="json"
    )
    assert response.status_code == 404


def test_roles_decide_who_evaluates_and_who_waives(api, lead, make_user, project, new_version):
    _, version = new_version([bucket()])
    architect = make_user("SA", tenant=lead.tenant)  # no guardrail or policy grants
    assert evaluate(api(architect), version).status_code == 403
    consultant = make_user("Consultant", tenant=lead.tenant)  # governance read
    evaluation = evaluate(api(lead), version).json()
    assert (
        api(consultant).get(f"/api/v1/guardrails/evaluations/{evaluation['id']}/").status_code
        == 200
    )
    assert evaluate(api(consultant), version).status_code == 403
    finding = next(f for f in evaluation["findings"] if f["enforcement"] == "soft-fail")
    body = {"finding": finding["id"], "reason": "Accepted for the pilot."}
    assert (
        api(consultant).post("/api/v1/guardrails/waivers/", body, format="json").status_code == 403
    )
    outsider = make_user("TA", tenant=lead.tenant)  # project-scoped, not a member
    assert api(outsider).post("/api/v1/guardrails/waivers/", body, format="json").status_code == 403
    assert evaluate(api(outsider), version).status_code == 403
    assert not PolicyViolation.objects.filter(exemption_approved=True).exists()


def test_tenants_add_validated_policies_and_cannot_edit_built_ins(api, make_user):
    architect = make_user("EA")
    client = api(architect)
    policy = {
        "code": "acme-env-tag", "name": "Cost centre tag", "category": "compliance",
        "severity": "medium", "enforcement_level": "soft-fail",
        "policy_rules": {"kind": "required_tags", "tags": ["cost_center"]},
    }  # fmt: skip
    created = client.post("/api/v1/guardrails/policies/", policy, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["built_in"], created.json()["severity"]) == (False, "medium")
    assert client.post("/api/v1/guardrails/policies/", policy, format="json").status_code == 409
    bad = {**policy, "code": "bad", "policy_rules": {"kind": "numeric_min", "path": "x"}}
    response = client.post("/api/v1/guardrails/policies/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"policy_rules.min": ["This field is required."]}
    builtin = GovernancePolicy.objects.get(code="sec-001")
    url = f"/api/v1/guardrails/policies/{builtin.pk}/"
    assert client.get(url).json()["built_in"] is True
    assert client.patch(url, {"name": "mine"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    listed = client.get("/api/v1/guardrails/policies/?search=acme").json()
    assert [item["code"] for item in listed["results"]] == ["acme-env-tag"]
    mine = f"/api/v1/guardrails/policies/{created.json()['id']}/"
    patched = client.patch(mine, {"policy_rules": {"kind": "required", "path": 3}}, format="json")
    assert patched.status_code == 400
    assert client.delete(mine).status_code == 204
    other = api(make_user("EA"))
    assert other.get(mine).status_code == 404
    assert (
        api(make_user("SA", tenant=architect.tenant))
        .post("/api/v1/guardrails/policies/", {**policy, "code": "sa"}, format="json")
        .status_code
        == 403
    )


def test_a_tenant_policy_applies_to_that_tenant_only(api, lead, make_user, new_version):
    admin = make_user("Admin", tenant=lead.tenant)
    api(admin).post(
        "/api/v1/guardrails/policies/",
        {"code": "acme-no-eu", "name": "Stay in the US", "category": "compliance",
         "severity": "high", "enforcement_level": "hard-fail",
         "policy_rules": {"kind": "region_allow_list", "regions": ["us-east-1"]}},
        format="json",
    )  # fmt: skip
    _, version = new_version([{**bucket(), "region": "eu-west-1"}])
    findings = by_rule(evaluate(api(lead), version).json())
    assert findings[("acme-no-eu", "prod-shop-assets-useast1")]["blocking"]
    other = make_user("SA", "TA")
    other_project = ProjectFactory(tenant=other.tenant, members=[other])
    client = api(other)
    blueprint = client.post(
        "/api/v1/blueprints/", {"project": str(other_project.pk), "name": "x"}, format="json"
    ).json()["id"]
    theirs = client.post(
        f"/api/v1/blueprints/{blueprint}/versions/",
        {"graph": {"components": [{**bucket(), "region": "eu-west-1"}], "relations": []}},
        format="json",
    ).json()["id"]
    assert ("acme-no-eu", "prod-shop-assets-useast1") not in by_rule(
        evaluate(client, theirs).json()
    )


def test_the_cost_ceiling_uses_the_cost_calculator(api, lead, new_version):
    """cost-005: above 1,000 USD/month a warning, above 5,000 a blocking finding unless the
    blueprint is approved (m5.4xlarge in us-east-1: 0.768 USD/h × 730 h = 560.64 USD/month)."""
    from apps.blueprints.models import Blueprint

    def servers(count):
        return [
            {"name": "prod-shop-app-useast1", "type": "ec2", "provider": "aws",
             "region": "us-east-1", "properties": {"instance_type": "m5.4xlarge", "count": count},
             "tags": TAGS}
        ]  # fmt: skip

    client = api(lead)
    blueprint, version = new_version(servers(2))
    body = evaluate(client, version).json()
    assert body["monthly_cost"] == "1121.28"
    warn = by_rule(body)[("cost-005", None)]
    assert (warn["severity"], warn["blocking"]) == ("low", False)
    _, big = new_version(servers(10), blueprint_id=blueprint)
    body = evaluate(client, big).json()
    assert body["monthly_cost"] == "5606.40"
    deny = by_rule(body)[("cost-005", None)]
    assert (deny["severity"], deny["blocking"]) == ("high", True)
    assert "5606.40 USD/month is above 5000" in deny["message"]
    Blueprint.objects.filter(pk=blueprint).update(lifecycle_state="approved")
    assert ("cost-005", None) not in by_rule(evaluate(client, big).json())


def test_production_rules_apply_to_production_evaluations(api, lead, new_version):
    client = api(lead)
    database = {
        "name": "prod-shop-db-useast1", "type": "rds", "provider": "aws", "region": "us-east-1",
        "properties": {"publicly_accessible": True, "instance_class": "db.t3.micro"},
        "tags": TAGS,
    }  # fmt: skip
    _, version = new_version([database])
    dev = client.post(
        "/api/v1/guardrails/evaluations/",
        {"blueprint_version": version, "environment": "dev"},
        format="json",
    ).json()
    production = client.post(
        "/api/v1/guardrails/evaluations/",
        {"blueprint_version": version, "environment": "production"},
        format="json",
    ).json()
    assert ("prod-001", "prod-shop-db-useast1") not in by_rule(dev)
    finding = by_rule(production)[("prod-001", "prod-shop-db-useast1")]
    assert finding["enforcement"] == "hard-fail" and finding["blocking"]
    assert production["environment"] == "production"
