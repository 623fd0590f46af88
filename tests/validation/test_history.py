"""Availability and flap counting from a service's check history (pure functions)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.validation import history
from apps.validation.history import Point

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def points(*spec: tuple[int, str]) -> list[Point]:
    """(minutes ago, status), given newest first."""
    return [Point(NOW - timedelta(minutes=minutes), status) for minutes, status in spec]


def test_availability_is_the_share_of_passing_measured_checks_in_the_window():
    series = points((0, "healthy"), (5, "degraded"), (10, "unhealthy"), (15, "unknown"),
                    (120, "unhealthy"))  # fmt: skip
    assert history.availability(series, since=NOW - timedelta(hours=1)) == pytest.approx(2 / 3)
    assert history.availability(series, since=NOW - timedelta(hours=3)) == pytest.approx(2 / 4)
    assert history.availability(series, since=NOW - timedelta(minutes=1)) == 1.0


def test_availability_is_none_when_nothing_was_measured():
    assert history.availability([], since=NOW) is None
    assert history.availability(points((0, "unknown")), since=NOW - timedelta(hours=1)) is None
    assert history.availability(points((90, "healthy")), since=NOW - timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("statuses", "changes"),
    [
        ([], 0),
        (["healthy"], 0),
        (["healthy", "healthy", "healthy"], 0),
        (["healthy", "degraded", "healthy"], 0),  # warning still passes
        (["unhealthy", "healthy"], 1),
        (["healthy", "unhealthy", "unknown", "healthy"], 2),  # not measured is skipped
        (["healthy", "unhealthy", "healthy", "unhealthy", "degraded"], 4),
    ],
)
def test_status_changes(statuses, changes):
    assert history.status_changes(statuses) == changes


def test_flaps_count_only_the_last_window_of_measured_checks():
    newest_first = ["healthy"] * 7 + ["unknown"] + ["unhealthy", "healthy", "unhealthy", "healthy"]
    # measured: 7 healthy, then unhealthy, healthy, unhealthy, healthy (oldest)
    assert history.flaps(newest_first) == 3  # the last 10 measured leave out the oldest
    assert history.flaps(newest_first, window=12) == 4
    assert history.flaps(newest_first, window=3) == 0


def test_flapping_from_the_threshold_on():
    assert not history.is_flapping(history.FLAP_THRESHOLD - 1)
    assert history.is_flapping(history.FLAP_THRESHOLD)
    assert history.is_flapping(7, threshold=5) and not history.is_flapping(4, threshold=5)


def test_a_service_summary():
    series = points((1, "healthy"), (30, "unhealthy"), (90, "healthy"), (60 * 30, "unhealthy"),
                    (60 * 24 * 3, "healthy"), (60 * 24 * 8, "unhealthy"))  # fmt: skip
    summary = history.summarise("redis", "local", series, NOW)
    assert (summary.latest_status, summary.latest_at) == ("healthy", NOW - timedelta(minutes=1))
    assert summary.availability == {
        "1h": pytest.approx(1 / 2),
        "24h": pytest.approx(2 / 3),
        "7d": pytest.approx(3 / 5),
    }
    assert summary.checks == 5  # the 8-day-old one is outside every window
    assert summary.flaps == 5 and summary.flapping


def test_a_summary_needs_a_check():
    with pytest.raises(ValueError, match="no check of redis"):
        history.summarise("redis", "local", [], NOW)
