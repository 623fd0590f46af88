"""The Prometheus check against a real Prometheus scraping a target that is up and one that is
down (tests/validation/prometheus_server.py), against dead and silent ports, and against an
HTTP server that is not Prometheus."""

import socket
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from apps.validation.checks import REGISTRY, Status
from apps.validation.checks.prometheus import (
    PrometheusCheck,
    duration_seconds,
    target_finding,
)
from apps.validation.models import ValidationRun
from tests.ports import closed_port


def findings(result):
    return {item.name: item for item in result.findings}


def test_targets_up_and_down_are_measured(prometheus_server):
    result = PrometheusCheck(url=prometheus_server.url).run()
    measured = findings(result)
    assert result.status == Status.FAIL and result.error == ""
    assert measured["version"].value.startswith("2.")
    assert measured["targets"].value == {"up": 1, "down": 1, "unknown": 0, "total": 2}
    up = measured[f"target {prometheus_server.up_job}/{prometheus_server.up}"]
    assert up.status == Status.PASS
    assert up.value["health"] == "up" and up.value["last_error"] == ""
    assert 0 <= up.value["last_scrape_age_s"] < 3 * up.value["scrape_interval_s"]
    assert up.value["scrape_url"] == f"http://{prometheus_server.up}/metrics"
    down = measured[f"target {prometheus_server.down_job}/{prometheus_server.down}"]
    assert down.status == Status.FAIL and down.value["health"] == "down"
    assert "connection refused" in down.value["last_error"]
    assert down.note == down.value["last_error"]
    listed = measured["down_targets"]
    assert listed.status == Status.FAIL
    assert listed.value == [f"{prometheus_server.down_job}/{prometheus_server.down}"]


def test_a_stale_scrape_warns(prometheus_server):
    check = PrometheusCheck(url=prometheus_server.url)
    targets = check._get("/api/v1/targets?state=active")["activeTargets"]
    up = next(t for t in targets if t["labels"]["job"] == prometheus_server.up_job)
    last = datetime.fromisoformat(up["lastScrape"])
    assert target_finding(up, last + timedelta(seconds=2)).status == Status.PASS
    stale = target_finding(up, last + timedelta(seconds=10))  # interval 1 s: stale after 3 s
    assert stale.status == Status.WARN and stale.note == "stale: last scrape 10 s ago"
    never = target_finding({**up, "lastScrape": "0001-01-01T00:00:00Z", "health": "unknown"},
                           last)  # fmt: skip
    assert never.status == Status.WARN and never.note == "not scraped yet"


def test_the_validate_command_runs_the_prometheus_check(prometheus_server, settings, db):
    settings.DHARMA_VALIDATION_PROMETHEUS_URL = prometheus_server.url
    out = StringIO()
    call_command("validate", "--checks", "prometheus", stdout=out)  # not critical: exit 0
    text = out.getvalue()
    assert "✗ prometheus: fail" in text
    assert f"✗ target {prometheus_server.down_job}/{prometheus_server.down}" in text
    run = ValidationRun.objects.get()
    assert run.status == "warned" and run.critical_failures == 0
    report = StringIO()
    call_command("validation_report", stdout=report)
    assert "## Monitoring (Prometheus)" in report.getvalue()
    assert "2 active target(s), 1 up, 1 down, 0 not scraped yet." in report.getvalue()
    assert f"| {prometheus_server.down_job} | {prometheus_server.down} | down |" in (
        report.getvalue()
    )


def test_not_configured_is_not_measured(settings):
    settings.DHARMA_VALIDATION_PROMETHEUS_URL = ""
    result = REGISTRY["prometheus"]().run()
    assert result.status == Status.NOT_MEASURED
    assert findings(result)["prometheus"].note == "DHARMA_VALIDATION_PROMETHEUS_URL is not set"


def test_a_dead_port_fails_with_the_error():
    result = PrometheusCheck(url=f"http://127.0.0.1:{closed_port()}").run()
    assert result.status == Status.FAIL
    assert result.error.startswith("URLError") and "Connection refused" in result.error


def test_a_prometheus_that_does_not_answer_in_time_fails():
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        check = PrometheusCheck(url=f"http://127.0.0.1:{silent.getsockname()[1]}")
        check.timeout = 0.3
        result = check.run()
    assert result.status == Status.FAIL and "timed out" in result.error


def test_a_server_that_is_not_prometheus_fails(http_server):
    result = PrometheusCheck(url=http_server.url).run()  # answers {"status": "ok"}
    assert result.status == Status.FAIL
    assert (
        result.error == "RuntimeError: /api/v1/status/buildinfo did not succeed: {'status': 'ok'}"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1), ("15s", 15), ("1m30s", 90), ("500ms", 0.5), ("2h", 7200), ("1d", 86400)],
)
def test_prometheus_durations(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "s", "1x", "1s "])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        duration_seconds(text)


def test_no_target_warns():
    from apps.validation.checks.prometheus import target_findings

    found = target_findings([], datetime.now(UTC))
    assert (
        found[0].status == Status.WARN and found[0].note == "Prometheus has no active scrape target"
    )
    assert found[-1].status == Status.PASS and found[-1].value == []
