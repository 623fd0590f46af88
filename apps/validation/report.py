"""The performance validation report, built only from stored measurements.

Sections as the report users know: executive summary with a rating, service availability, load
test results, PgBouncer, Redis and database analysis, comparison with a baseline run, bottleneck
analysis, readiness checklist, conclusion. Every figure comes from a stored validation run, the
per-service check history or a stored load-test run; what was not measured says so. The rating
follows written rules (`RATING_RULES`), and the report names the runs and times it was built from.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.loadtests import compare
from apps.loadtests import reports as loadtest_reports
from apps.loadtests.models import LoadTestRun
from apps.validation import services
from apps.validation.models import ValidationRun

NOT_MEASURED = "not measured"
RATING_RULES = (
    "PRODUCTION READY: every critical check passed and every load-test threshold passed.",
    "READY WITH WARNINGS: no critical check failed and every load-test threshold passed, but "
    "some check warned or was not measured.",
    "NOT READY: a critical check failed, a load-test threshold failed, or no load test was run.",
)
AVAILABILITY_WINDOW = timedelta(days=7)


def rating(run: ValidationRun, loadtest: LoadTestRun | None) -> str:
    thresholds_ok = (
        loadtest is not None
        and bool(loadtest.thresholds)
        and all(threshold["ok"] for threshold in loadtest.thresholds)
    )
    if run.critical_failures or not thresholds_ok:
        return "NOT READY"
    statuses = {result["status"] for result in run.results}
    return "PRODUCTION READY" if statuses <= {"pass"} else "READY WITH WARNINGS"


def _findings(run: ValidationRun, check: str) -> dict[str, dict]:
    result = next((r for r in run.results if r["check"] == check), None)
    return {item["name"]: item for item in result["findings"]} if result else {}


def build(
    run: ValidationRun, loadtest: LoadTestRun | None = None, baseline: LoadTestRun | None = None
) -> dict[str, Any]:
    since = timezone.now() - AVAILABILITY_WINDOW
    availability = []
    for result in run.results:
        share = services.availability(result["service"], since=since)
        availability.append(
            {
                "service": result["service"],
                "status": result["status"],
                "critical": result["critical"],
                "availability": NOT_MEASURED if share is None else f"{share:.2%}",
                "latency_ms": result["duration_ms"],
                "error": result["error"],
            }
        )
    checklist = [
        {
            "check": result["check"],
            "item": item["name"],
            "ok": item["status"] == "pass",
            "status": item["status"],
            "note": item["note"],
        }
        for result in run.results
        for item in result["findings"]
    ]
    bottlenecks = [
        f"{item['check']}: {item['item']} is {item['status']}"
        + (f" ({item['note']})" if item["note"] else "")
        for item in checklist
        if item["status"] in ("warn", "fail")
    ] + [f"{r['check']}: {r['error']}" for r in run.results if r["error"]]
    load = None
    if loadtest is not None:
        load = {
            "run": str(loadtest.pk),
            "target": loadtest.target_url,
            "finished_at": loadtest.finished_at.isoformat() if loadtest.finished_at else None,
            "metrics": loadtest_reports.metrics_table(loadtest),
            "findings": loadtest_reports.key_findings(loadtest, baseline),
        }
    comparison = None
    if loadtest is not None and baseline is not None:
        deltas = compare.compare(loadtest.summary, baseline.summary)
        comparison = {
            "baseline": str(baseline.pk),
            "overall": compare.overall(deltas),
            "deltas": [delta.__dict__ for delta in deltas],
        }
    verdict = rating(run, loadtest)
    return {
        "built_at": timezone.now().isoformat(),
        "sources": {
            "validation_run": {"id": str(run.pk), "finished_at": run.finished_at.isoformat()},
            "loadtest_run": str(loadtest.pk) if loadtest else None,
            "baseline_run": str(baseline.pk) if baseline else None,
        },
        "rating": verdict,
        "rating_rules": list(RATING_RULES),
        "availability": availability,
        "load_test": load,
        "pgbouncer": _findings(run, "pgbouncer"),
        "redis": _findings(run, "redis"),
        "database": _findings(run, "postgresql"),
        "comparison": comparison,
        "bottlenecks": bottlenecks,
        "checklist": checklist,
    }


def _value(findings: dict[str, dict], name: str) -> str:
    item = findings.get(name)
    if item is None or item["status"] == "not measured":
        return NOT_MEASURED + (f" ({item['note']})" if item and item["note"] else "")
    return str(item["value"])


def markdown(data: dict[str, Any]) -> str:
    lines = ["# Performance Validation Report", ""]
    sources = data["sources"]
    lines += [
        f"Built {data['built_at']} from validation run {sources['validation_run']['id']} "
        f"(finished {sources['validation_run']['finished_at']})"
        + (f", load-test run {sources['loadtest_run']}" if sources["loadtest_run"] else "")
        + (f", baseline run {sources['baseline_run']}" if sources["baseline_run"] else "")
        + ".",
        "",
        "## Executive Summary",
        "",
        f"**Rating: {data['rating']}**",
        "",
        *[f"- {rule}" for rule in data["rating_rules"]],
        "",
        "## Service Availability",
        "",
        "| Service | Status | Critical | Availability (7 days) | Check time |",
        "|---|---|---|---|---|",
    ]
    for row in data["availability"]:
        lines.append(
            f"| {row['service']} | {row['status']} | {'yes' if row['critical'] else 'no'} | "
            f"{row['availability']} | {row['latency_ms']:.0f} ms |"
        )
    lines += ["", "## Load Test Results", ""]
    if data["load_test"] is None:
        lines.append(f"{NOT_MEASURED}: no load-test run was given (`--loadtest RUN_ID`).")
    else:
        load = data["load_test"]
        lines += [f"Run {load['run']} against {load['target']}, finished {load['finished_at']}.",
                  "", "| Metric | Value | Target | Status |", "|---|---|---|---|"]  # fmt: skip
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in load["metrics"]]
        lines += ["", "**Key Findings:**", *[f"- {line}" for line in load["findings"]]]
    for title, key, names in (
        ("PgBouncer Connection Pooling", "pgbouncer",
         ("pool_mode", "pool_sizes", "clients", "servers", "avg_query_ms", "avg_wait_ms")),
        ("Redis Caching Layer", "redis",
         ("version", "maxmemory_policy", "keyspace_hit_rate", "instantaneous_ops_per_sec",
          "used_memory", "connected_clients")),
        ("Database Performance", "database",
         ("version", "round_trip_ms", "tables", "indexes", "connections",
          "buffer_cache_hit_ratio", "unapplied_migrations")),
    ):  # fmt: skip
        lines += ["", f"## {title}", ""]
        findings = data[key]
        if not findings:
            lines.append(f"{NOT_MEASURED}: the validation run did not include this check.")
            continue
        lines += ["| Measure | Value |", "|---|---|"]
        lines += [f"| {name} | {_value(findings, name)} |" for name in names]
    lines += ["", "## Comparison with the Baseline", ""]
    if data["comparison"] is None:
        lines.append(f"{NOT_MEASURED}: no baseline run was given (`--baseline RUN_ID`).")
    else:
        comparison = data["comparison"]
        lines += [f"Against run {comparison['baseline']}: **{comparison['overall']}**.", "",
                  "| Metric | Baseline | This run | Verdict |", "|---|---|---|---|"]  # fmt: skip
        lines += [f"| {d['label']} | {d['baseline']} | {d['current']} | {d['verdict']} |"
                  for d in comparison["deltas"]]  # fmt: skip
    lines += ["", "## Bottleneck Analysis", ""]
    lines += [f"- {item}" for item in data["bottlenecks"]] or [
        "No check warned or failed in this run."
    ]
    lines += ["", "## Infrastructure Readiness Checklist", ""]
    lines += [
        f"- [{'x' if item['ok'] else ' '}] {item['check']}: {item['item']} ({item['status']})"
        for item in data["checklist"]
    ]
    lines += ["", "## Conclusion", "", f"{data['rating']}, by the rules above."]
    return "\n".join(lines) + "\n"
