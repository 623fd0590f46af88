"""Prometheus, through its HTTP API (`DHARMA_VALIDATION_PROMETHEUS_URL`): every active scrape
target with its job, instance, health, last error and the age of its last scrape. A target that
is down fails the check (all of them are listed); a target whose last scrape is older than three
of its scrape intervals, or that has not been scraped yet, warns. Prometheus unreachable, slow or
answering an error fails the check with the error."""

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from apps.validation.checks.base import Check, Finding, Status, info

STALE_INTERVALS = 3  # a last scrape older than this many scrape intervals is stale
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_NEVER = datetime(1, 1, 1, tzinfo=UTC)  # Prometheus' lastScrape before the first scrape


def duration_seconds(text: str) -> float:
    """A Prometheus duration ("15s", "1m30s", "500ms") in seconds."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(number) * _SECONDS[unit] for number, unit in parts)


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text) if text else _NEVER


def target_finding(target: dict[str, Any], now: datetime) -> Finding:
    """One active target of `/api/v1/targets`, judged at `now`."""
    labels = target.get("labels", {})
    job, instance = labels.get("job", "?"), labels.get("instance", "?")
    health = target.get("health", "unknown")
    last = _timestamp(target.get("lastScrape", ""))
    interval = duration_seconds(target.get("scrapeInterval") or "1m")
    age = None if last <= _NEVER else round((now - last).total_seconds(), 3)
    value = {
        "job": job,
        "instance": instance,
        "health": health,
        "last_error": target.get("lastError", ""),
        "last_scrape_age_s": age,
        "scrape_interval_s": interval,
        "scrape_url": target.get("scrapeUrl", ""),
    }
    threshold = f"up, last scrape within {STALE_INTERVALS} × {interval:g} s"
    name = f"target {job}/{instance}"
    if health == "down":
        return Finding(name, value, Status.FAIL, threshold, value["last_error"])
    if age is None or health != "up":
        return Finding(name, value, Status.WARN, threshold, "not scraped yet")
    if age > STALE_INTERVALS * interval:
        return Finding(name, value, Status.WARN, threshold, f"stale: last scrape {age:g} s ago")
    return Finding(name, value, Status.PASS, threshold)


def target_findings(targets: list[dict[str, Any]], now: datetime) -> list[Finding]:
    """The findings of every active target, a count by health, and the list of those down."""
    per_target = [target_finding(target, now) for target in targets]
    counts = {"up": 0, "down": 0, "unknown": 0}
    for finding in per_target:
        health = finding.value["health"]
        counts[health if health in counts else "unknown"] += 1
    down = [f"{f.value['job']}/{f.value['instance']}" for f in per_target if f.status == "fail"]
    summary = (
        info("targets", {**counts, "total": len(per_target)})
        if per_target
        else Finding("targets", {**counts, "total": 0}, Status.WARN, "at least 1",
                     "Prometheus has no active scrape target")
    )  # fmt: skip
    return [
        summary,
        *per_target,
        Finding(
            "down_targets",
            down,
            Status.FAIL if down else Status.PASS,
            "none",
            ", ".join(down),
        ),
    ]


class PrometheusCheck(Check):
    name = "prometheus"
    service = "prometheus"
    critical = False  # monitoring down does not stop Dharma serving

    def __init__(self, url: str | None = None) -> None:
        self.url = (settings.DHARMA_VALIDATION_PROMETHEUS_URL if url is None else url).rstrip("/")

    def _get(self, path: str) -> Any:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{path} answered HTTP {exc.code}") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body["error"] if isinstance(body, dict) and "error" in body else body
            raise RuntimeError(f"{path} did not succeed: {str(error)[:200]}")
        return body["data"]

    def measure(self) -> list[Finding]:
        if not self.url:
            return [
                Finding(
                    "prometheus",
                    None,
                    Status.NOT_MEASURED,
                    note="DHARMA_VALIDATION_PROMETHEUS_URL is not set",
                )
            ]
        build = self._get("/api/v1/status/buildinfo")
        targets = self._get("/api/v1/targets?state=active")["activeTargets"]
        return [info("version", build.get("version")), *target_findings(targets, datetime.now(UTC))]
