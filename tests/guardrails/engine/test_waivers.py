"""The one rule for "is this finding waived now" (apps/guardrails/engine/waivers.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.guardrails.engine.waivers import row_waived_as, waived_as

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def state(**overrides):
    values = {
        "enforcement": "soft-fail",
        "status": "open",
        "exemption_approved": False,
        "exemption_expires_at": None,
        "false_positive_at": None,
        "now": NOW,
    }
    values.update(overrides)
    return waived_as(**values)


def test_an_open_finding_stands():
    assert state() is None


def test_a_waiver_applies_until_its_expiry():
    assert state(exemption_approved=True) == "waiver"
    assert state(exemption_approved=True, exemption_expires_at=NOW + timedelta(seconds=1)) == (
        "waiver"
    )
    assert state(exemption_approved=True, exemption_expires_at=NOW) is None
    assert state(exemption_approved=True, exemption_expires_at=NOW - timedelta(days=1)) is None


@pytest.mark.parametrize("enforcement", ["advisory", "soft-fail"])
def test_a_waiver_applies_to_advisory_and_soft_fail(enforcement):
    assert state(enforcement=enforcement, exemption_approved=True) == "waiver"


def test_a_waiver_never_applies_to_a_hard_fail_finding():
    assert state(enforcement="hard-fail", exemption_approved=True, status="exempted") is None


@pytest.mark.parametrize("enforcement", ["advisory", "soft-fail", "hard-fail"])
def test_a_false_positive_counts_only_when_recorded(enforcement):
    assert state(enforcement=enforcement, status="false-positive") is None
    recorded = state(enforcement=enforcement, status="false-positive", false_positive_at=NOW)
    assert recorded == "false-positive"


def test_a_recorded_false_positive_that_was_reopened_stands():
    assert state(status="open", false_positive_at=NOW) is None


def test_row_waived_as_reads_mappings_and_objects():
    class Row:
        status = "exempted"
        exemption_approved = True
        exemption_expires_at = None
        false_positive_at = None

    row = {name: getattr(Row, name) for name in vars(Row) if not name.startswith("_")}
    assert row_waived_as(row, enforcement="soft-fail", now=NOW) == "waiver"
    assert row_waived_as(Row(), enforcement="soft-fail", now=NOW) == "waiver"
    assert row_waived_as(Row(), enforcement="hard-fail", now=NOW) is None
