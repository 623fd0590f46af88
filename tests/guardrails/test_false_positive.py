"""False positives: marked through the service (the guardrail `override` right), recorded with
who, why and when; the one way a hard-fail finding stops blocking. A status typed by hand does
not count."""

import pytest

from apps.guardrails.models import PolicyViolation
from tests.guardrails.test_api import bucket, by_rule, evaluate, security_group

pytestmark = pytest.mark.django_db

SSH = ("aws-sg-ssh-world", "prod-shop-sg-useast1")
REASON = "The group is only attached to a bastion behind the VPN."


def url(finding_id) -> str:
    return f"/api/v1/guardrails/findings/{finding_id}/false-positive/"


def test_a_hard_fail_status_typed_by_hand_still_blocks(api, lead, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    ssh = by_rule(evaluate(client, version).json())[SSH]
    assert ssh["enforcement"] == "hard-fail" and ssh["blocking"]
    # What the finding's admin form used to allow: the status changed without who or why.
    PolicyViolation.objects.filter(pk=ssh["id"]).update(status="false-positive")
    again = evaluate(client, version).json()
    assert by_rule(again)[SSH]["blocking"] and again["blocked"] is True
    assert PolicyViolation.objects.get(pk=ssh["id"]).status == "open"


def test_marking_a_hard_fail_finding_false_positive_records_who_and_why(api, lead, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    ssh = by_rule(evaluate(client, version).json())[SSH]
    response = client.post(url(ssh["id"]), {"reason": REASON}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "false-positive"
    assert body["false_positive_by"] == str(lead.pk)
    assert body["false_positive_reason"] == REASON and body["false_positive_at"]
    again = by_rule(evaluate(client, version).json())[SSH]
    assert again["waived"] and not again["blocking"]
    # Undone: the finding stands again.
    undone = client.delete(url(ssh["id"]))
    assert undone.status_code == 200, undone.json()
    assert undone.json()["status"] == "open" and undone.json()["false_positive_by"] is None
    assert by_rule(evaluate(client, version).json())[SSH]["blocking"]


def test_false_positive_needs_a_reason_and_a_standing_finding(api, lead, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    ssh = by_rule(evaluate(client, version).json())[SSH]
    short = client.post(url(ssh["id"]), {"reason": "no"}, format="json")
    assert short.status_code == 400 and "reason" in short.json()["error"]["fields"]
    assert client.delete(url(ssh["id"])).json()["error"]["code"] == "not_false_positive"
    assert client.post(url(ssh["id"]), {"reason": REASON}, format="json").status_code == 200
    twice = client.post(url(ssh["id"]), {"reason": REASON}, format="json")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "not_markable"


def test_false_positive_needs_the_override_right_in_the_project(api, lead, make_user, new_version):
    client = api(lead)
    _, version = new_version([security_group(cidr="0.0.0.0/0")])
    ssh = by_rule(evaluate(client, version).json())[SSH]
    consultant = make_user("Consultant", tenant=lead.tenant)  # reads findings, no override
    assert api(consultant).get(f"/api/v1/guardrails/findings/{ssh['id']}/").status_code == 200
    body = {"reason": REASON}
    assert api(consultant).post(url(ssh["id"]), body, format="json").status_code == 403
    outsider = make_user("TA", tenant=lead.tenant)  # override, but not in the project
    assert api(outsider).post(url(ssh["id"]), body, format="json").status_code == 403
    stranger = make_user("TA")  # another tenant
    assert api(stranger).post(url(ssh["id"]), body, format="json").status_code == 404
    assert PolicyViolation.objects.get(pk=ssh["id"]).status == "open"


def test_findings_cannot_be_created_or_deleted_through_the_api(api, make_user, lead, new_version):
    admin = make_user("Admin", tenant=lead.tenant)
    client = api(lead)
    _, version = new_version([bucket()])
    finding = evaluate(client, version).json()["findings"][0]
    assert api(admin).post("/api/v1/guardrails/findings/", {}, format="json").status_code == 405
    gone = api(admin).delete(f"/api/v1/guardrails/findings/{finding['id']}/")
    assert gone.status_code == 405
    assert PolicyViolation.objects.filter(pk=finding["id"]).exists()
