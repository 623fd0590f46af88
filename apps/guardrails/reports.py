"""Evaluations as CI reports: SARIF 2.1.0 (code scanning) and JUnit XML (test reporters).

Both take the evaluation as the API shows it (a dict) and are pure.
"""

import json
import xml.etree.ElementTree as ET
from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning reads a 0.0–10.0 `security-severity` for security findings.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def _location(evaluation: dict, component: str | None) -> dict:
    name = component or "(blueprint)"
    return {
        "logicalLocations": [
            {
                "name": name,
                "kind": "resource",
                "fullyQualifiedName": f"blueprint/{evaluation['blueprint']}/"
                f"v{evaluation['version_number']}/{name}",
            }
        ]
    }


def to_sarif(evaluation: dict[str, Any], *, tool_version: str) -> dict[str, Any]:
    rules: dict[str, dict] = {}
    results = []
    for finding in evaluation["findings"]:
        rule_id = finding["rule_id"]
        if rule_id not in rules:
            rules[rule_id] = {
                "id": rule_id,
                "name": finding["title"],
                "shortDescription": {"text": finding["title"]},
                "help": {"text": finding["remediation"] or finding["title"]},
                "defaultConfiguration": {"level": SARIF_LEVEL[finding["severity"]]},
                "properties": {
                    "tags": [finding["category"], finding["enforcement"]],
                    "security-severity": SECURITY_SEVERITY[finding["severity"]],
                    **({"checkov_id": finding["checkov_id"]} if finding["checkov_id"] else {}),
                },
            }
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": list(rules).index(rule_id),
            "level": SARIF_LEVEL[finding["severity"]],
            "message": {"text": finding["message"]},
            "locations": [_location(evaluation, finding["component"])],
            "properties": {"blocking": finding["blocking"], "severity": finding["severity"]},
        }
        if finding["waived"]:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": finding["waiver_reason"] or "",
                }
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Dharma guardrails",
                        "version": tool_version,
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": f"dharma/guardrails/{evaluation['id']}"},
                "results": results,
                "properties": {
                    "passed": evaluation["passed"],
                    "blocked": evaluation["blocked"],
                    "score": evaluation["score"],
                },
            }
        ],
    }


def to_junit(evaluation: dict[str, Any]) -> bytes:
    """One test case per finding (a failure when it blocks, skipped when it does not) and per
    check that could not be made (skipped)."""
    suite = ET.Element(
        "testsuite",
        name=f"guardrails blueprint {evaluation['blueprint']} v{evaluation['version_number']}",
        timestamp=str(evaluation["created_at"]),
        time=f"{evaluation['duration_ms'] / 1000:.3f}",
    )
    failures = skipped = 0
    cases = 0
    for finding in evaluation["findings"]:
        cases += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=finding["rule_id"],
            name=finding["component"] or "(blueprint)",
        )
        text = f"{finding['message']}\nRemediation: {finding['remediation']}"
        if finding["blocking"]:
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=finding["message"], type=finding["severity"]
            )
            failure.text = text
        else:
            skipped += 1
            why = "waived" if finding["waived"] else f"{finding['enforcement']} finding"
            ET.SubElement(case, "skipped", message=f"{why}: {finding['message']}")
    for item in evaluation.get("skipped") or []:
        # One case per rule and reason, naming the components it could not check (the first
        # 20 are kept with the evaluation; `count` says how many there were).
        cases += 1
        skipped += 1
        names = ", ".join(name or "(blueprint)" for name in item.get("components") or [])
        case = ET.SubElement(
            suite, "testcase", classname=item["rule_id"], name=names or "(blueprint)"
        )
        message = f"not checked ({item.get('count', 1)} component(s)): {item['reason']}"
        ET.SubElement(case, "skipped", message=message)
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suites = ET.Element("testsuites", name="dharma guardrails")
    suites.append(suite)
    suites.set("tests", str(cases))
    suites.set("failures", str(failures))
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


def sarif_bytes(evaluation: dict[str, Any], *, tool_version: str) -> bytes:
    return json.dumps(to_sarif(evaluation, tool_version=tool_version), indent=2).encode()
