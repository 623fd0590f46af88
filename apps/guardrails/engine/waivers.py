"""Whether a finding is waived now: the one rule guardrails, IaC generation and deployments read.

A finding stops counting in two ways:

- **false positive**: marked through `finding_mark_false_positive` (the guardrail `override`
  right, recorded with who, why and when). Only a recorded mark counts — a status typed by
  hand, without who and why, does not — and it is the one way a hard-fail finding stops
  blocking.
- **waiver**: an approved exemption that has not expired (`expires_at` in the future, or none).
  A waiver never applies to a hard-fail finding.

Pure: no ORM, the caller passes the stored values.
"""

from datetime import datetime
from typing import Any, Literal

FALSE_POSITIVE = "false-positive"
WAIVER = "waiver"

Waived = Literal["false-positive", "waiver"] | None


def waived_as(
    *,
    enforcement: str,
    status: str,
    exemption_approved: bool,
    exemption_expires_at: datetime | None,
    false_positive_at: datetime | None,
    now: datetime,
) -> Waived:
    """How the finding is waived at `now`: "false-positive", "waiver", or None (it stands)."""
    if status == FALSE_POSITIVE and false_positive_at is not None:
        return "false-positive"
    if enforcement == "hard-fail":
        return None
    if exemption_approved and (exemption_expires_at is None or exemption_expires_at > now):
        return "waiver"
    return None


def row_waived_as(row: Any, *, enforcement: str, now: datetime) -> Waived:
    """`waived_as` for a stored finding: a model instance or a `.values()` mapping."""

    def read(name: str) -> Any:
        return row[name] if isinstance(row, dict) else getattr(row, name)

    return waived_as(
        enforcement=enforcement,
        status=read("status"),
        exemption_approved=bool(read("exemption_approved")),
        exemption_expires_at=read("exemption_expires_at"),
        false_positive_at=read("false_positive_at"),
        now=now,
    )


# The stored columns `row_waived_as` reads (for `.values(*WAIVER_COLUMNS)`).
WAIVER_COLUMNS = (
    "status",
    "exemption_approved",
    "exemption_expires_at",
    "false_positive_at",
)
