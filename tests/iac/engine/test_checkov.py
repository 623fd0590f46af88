"""Generated Terraform scanned with the real Checkov CLI, compared with the guardrail pack.

For each provider, a blueprint that passes every pack rule mapped to a Checkov id renders to
Terraform in which Checkov passes each of those ids (none fails), and a blueprint that breaks
them makes Checkov fail the same ids on the same resources as the pack's engine.

Checkov runs from its own venv (`make checkov` builds .venv-checkov from
requirements-checkov.txt). Without it the tests skip, unless DHARMA_REQUIRE_CHECKOV is set
(CI sets it), in which case they fail. One Checkov run scans every case (a directory each).
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from apps.blueprints.kinds import kind_of
from apps.guardrails.engine import compile_rule, evaluate
from apps.guardrails.engine.evaluate import _applies
from apps.guardrails.pack import BUILTIN_POLICIES
from apps.iac.engine import render
from apps.iac.engine.naming import IdentifierAllocator
from apps.iac.engine.planning import plan
from apps.iac.engine.terraform import RESERVED_VARIABLES
from tests.iac.engine.checkov_graphs import CASES

pytestmark = pytest.mark.checkov

CHECKOV = Path(__file__).resolve().parents[3] / ".venv-checkov" / "bin" / "checkov"
# Checkov evaluates these ids on a resource other than the component's own one.
COMPANION = {"CKV_AWS_53": "aws_s3_bucket_public_access_block",
             "CKV_AWS_54": "aws_s3_bucket_public_access_block"}  # fmt: skip
# Where the pack is knowingly stricter than Checkov: (id, why).
STRICTER = {
    "CKV_AWS_19": "S3 has encrypted new buckets by default since 2023, so Checkov passes a "
    "bucket with no encryption configuration; the pack requires it to be stated.",
}
# Mapped ids whose Checkov check reads a resource a blueprint component does not render.
NOT_RENDERED = {"CKV_AWS_2": "Checkov reads the protocol of an aws_lb_listener"}


def _rules():
    return [
        compile_rule(
            policy["policy_rules"],
            id=policy["code"],
            title=policy["name"],
            severity=policy["severity"],
            category=policy["category"],
            enforcement=policy["enforcement_level"],
        )
        for policy in BUILTIN_POLICIES
        if policy["policy_rules"].get("checkov_id")
    ]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    if not CHECKOV.exists():
        if os.environ.get("DHARMA_REQUIRE_CHECKOV"):
            pytest.fail(f"DHARMA_REQUIRE_CHECKOV is set but {CHECKOV} is missing: run make checkov")
        pytest.skip(f"Checkov is not installed ({CHECKOV} missing): run make checkov")
    root = tmp_path_factory.mktemp("checkov")
    for case, graph in CASES.items():
        (root / case).mkdir()
        for name, content in render(graph, format="terraform", blueprint=case).files.items():
            (root / case / name).write_text(content)
    environment = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": ""}
    result = subprocess.run(
        [str(CHECKOV), "-d", str(root), "--framework", "terraform", "-o", "json", "--compact",
         "--skip-download"],
        capture_output=True, text=True, timeout=120, env=environment, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["summary"]["parsing_errors"] == 0
    failed: dict[str, set] = {case: set() for case in CASES}
    passed: dict[str, set] = {case: set() for case in CASES}
    for outcome, target in (("failed_checks", failed), ("passed_checks", passed)):
        for check in report["results"][outcome]:
            case = check["file_path"].strip("/").split("/")[0]
            target[case].add((check["resource"], check["check_id"]))
    return failed, passed


def _ours(graph):
    """(resource address, checkov id) of each finding of the pack's Checkov-mapped rules, and
    of each check the pack made, as Dharma names the resources."""
    rules = _rules()
    result = evaluate(graph["components"], rules)
    assert result.skipped == [], [s.reason for s in result.skipped]
    components = plan(graph, "terraform").components
    idents = IdentifierAllocator("snake", RESERVED_VARIABLES).allocate(c.name for c in components)
    native = {c.name: c.native for c in components}

    def address(component, checkov_id):
        type_ = COMPANION.get(checkov_id, native[component])
        return f"{type_}.{idents[component]}"

    findings = {(address(f.component, f.rule.checkov_id), f.rule.checkov_id)
                for f in result.findings}  # fmt: skip
    mapped = {rule.checkov_id for rule in rules}
    return findings, mapped


@pytest.mark.parametrize("case", ["aws_good", "azure_good", "gcp_good"])
def test_a_blueprint_that_passes_the_pack_has_no_mapped_checkov_failure(scan, case):
    failed, passed = scan
    ours, mapped = _ours(CASES[case])
    assert ours == set()
    assert {item for item in failed[case] if item[1] in mapped} == set()
    # Both made the checks: every mapped rule applied to some component, and Checkov passed
    # each of those ids (but the ones it reads on a resource Dharma does not render).
    provider = case.split("_")[0]
    applied = {
        rule.checkov_id
        for rule in _rules()
        for c in CASES[case]["components"]
        if _applies(rule, c["type"], kind_of(c["type"]), c["provider"])
    }
    assert applied == {r.checkov_id for r in _rules() if provider in r.providers}
    passed_ids = {check_id for _, check_id in passed[case] if check_id in mapped}
    assert passed_ids == applied - set(NOT_RENDERED)


@pytest.mark.parametrize("case", ["aws_bad", "azure_bad", "gcp_bad"])
def test_a_bad_blueprint_fails_the_same_mapped_ids_in_both(scan, case):
    failed, _ = scan
    ours, mapped = _ours(CASES[case])
    theirs = {item for item in failed[case] if item[1] in mapped}
    assert len(ours) >= 6
    stricter = {item for item in ours - theirs if item[1] in STRICTER}
    assert ours - stricter == theirs
