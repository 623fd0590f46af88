"""The JUnit report of an evaluation (apps/guardrails/reports.py), without a database."""

import xml.etree.ElementTree as ET

from apps.guardrails.reports import to_junit


def evaluation(**fields) -> dict:
    return {
        "id": "e1", "blueprint": "b1", "version_number": 3, "created_at": "2026-01-01T00:00:00Z",
        "duration_ms": 12, "findings": [], "skipped": [], **fields,
    }  # fmt: skip


def test_checks_that_could_not_be_made_are_skipped_cases_naming_their_components():
    skipped = [
        {"rule_id": "aws-ec2-imdsv2", "reason": "no instance metadata options", "count": 3,
         "components": ["web-1", "web-2", None]},
    ]  # fmt: skip
    root = ET.fromstring(to_junit(evaluation(skipped=skipped)))
    [case] = root.iter("testcase")
    assert case.get("classname") == "aws-ec2-imdsv2"
    assert case.get("name") == "web-1, web-2, (blueprint)"
    assert case.find("skipped").get("message") == (
        "not checked (3 component(s)): no instance metadata options"
    )
    assert root.get("tests") == "1"
