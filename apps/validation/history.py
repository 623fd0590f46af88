"""Availability and flapping of a service, computed from its check history (no ORM).

A check result is stored as a status: `healthy` (passed), `degraded` (warned), `unhealthy`
(failed) or `unknown` (not measured). Availability over a window is the share of measured
checks in it that passed or warned; checks that measured nothing count neither way.

Flapping is a service going up and down again and again: the number of status changes among its
last `FLAP_WINDOW` measured checks, where a change is a check failing after one that passed or
passing after one that failed (healthy and degraded both pass); `FLAP_THRESHOLD` changes or more
is flapping. While a service flaps, its alert stays open with the count instead of being
resolved and opened again on every run (see `services`).
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PASSING = frozenset({"healthy", "degraded"})
UNMEASURED = "unknown"
FLAP_WINDOW = 10
FLAP_THRESHOLD = 3
WINDOWS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(days=1),
    "7d": timedelta(days=7),
}


@dataclass(frozen=True)
class Point:
    """One stored check of a service."""

    checked_at: datetime
    status: str


def availability(points: Iterable[Point], *, since: datetime) -> float | None:
    """Share of the measured checks since `since` that passed (healthy or degraded); None when
    nothing was measured then."""
    measured = [p.status for p in points if p.checked_at >= since and p.status != UNMEASURED]
    if not measured:
        return None
    return sum(status in PASSING for status in measured) / len(measured)


def status_changes(statuses: Sequence[str]) -> int:
    """How many times a measured check passed where the one before it failed, or failed where it
    passed (`unknown` ones are skipped; healthy and degraded both pass)."""
    passed = [status in PASSING for status in statuses if status != UNMEASURED]
    return sum(1 for before, after in itertools.pairwise(passed) if before != after)


def flaps(statuses_newest_first: Sequence[str], window: int = FLAP_WINDOW) -> int:
    """Status changes among the last `window` measured checks."""
    measured = [status for status in statuses_newest_first if status != UNMEASURED]
    return status_changes(measured[:window])


def is_flapping(changes: int, threshold: int = FLAP_THRESHOLD) -> bool:
    return changes >= threshold


@dataclass(frozen=True)
class ServiceSummary:
    service: str
    environment: str
    latest_status: str
    latest_at: datetime
    checks: int  # stored checks in the longest window
    availability: dict[str, float | None] = field(default_factory=dict)
    flaps: int = 0

    @property
    def flapping(self) -> bool:
        return is_flapping(self.flaps)


def summarise(
    service: str, environment: str, points_newest_first: Sequence[Point], now: datetime
) -> ServiceSummary:
    """Availability over each of `WINDOWS` and the flap count, from `points` (newest first,
    covering at least the longest window)."""
    if not points_newest_first:
        raise ValueError(f"no check of {service} to summarise")
    latest = points_newest_first[0]
    return ServiceSummary(
        service=service,
        environment=environment,
        latest_status=latest.status,
        latest_at=latest.checked_at,
        checks=sum(1 for p in points_newest_first if p.checked_at >= now - max(WINDOWS.values())),
        availability={
            name: availability(points_newest_first, since=now - span)
            for name, span in WINDOWS.items()
        },
        flaps=flaps([p.status for p in points_newest_first]),
    )
