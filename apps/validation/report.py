"""The performance validation report, built only from stored measurements.

Sections as the report users know: executive summary with a rating, service availability, load
test results, PgBouncer, Redis and database analysis, monitoring, comparison with a baseline
run, bottleneck analysis, readiness checklist, conclusion. Every figure comes from a stored
validation run, the per-service check history, a stored load-test run or a stored benchmark
measurement (`validation_measurements`); what was not measured says so. The rating follows
written rules (`RATING_RULES`), and the report names the runs, measurements and times it was
built from.

`build()` gathers the figures (the JSON format); `document()` lays them out as sections of
paragraphs, tables and lists, which `markdown()` and `html()` both render, so the three formats
show the same figures.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from apps.loadtests import compare
from apps.loadtests import reports as loadtest_reports
from apps.loadtests.models import LoadTestRun
from apps.validation import services
from apps.validation.models import MeasurementKind, ValidationMeasurement, ValidationRun

NOT_MEASURED = "not measured"
RATING_RULES = (
    "PRODUCTION READY: every critical check passed and every load-test threshold passed.",
    "READY WITH WARNINGS: no critical check failed and every load-test threshold passed, but "
    "some check warned or was not measured.",
    "NOT READY: a critical check failed, a load-test threshold failed, or no load test was run.",
)
AVAILABILITY_WINDOW = timedelta(days=7)
RECORD_COMMANDS = {
    MeasurementKind.PGBOUNCER_POOLING: "benchmarks/pgbouncer_clients.py --record",
    MeasurementKind.CACHE_BENEFIT: "benchmarks/cache_benefit.py --record",
}


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


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def _derived(measurement: ValidationMeasurement) -> dict[str, Any]:
    """Figures the report computes from a measurement's stored ones."""
    figures = measurement.figures
    if measurement.kind == MeasurementKind.PGBOUNCER_POOLING:
        pooled = figures["pooled"]["max_server_connections"]
        direct = figures["direct"]["max_server_connections"]
        return {
            "server_connections_pooled": pooled,
            "server_connections_direct": direct,
            "server_connection_reduction": round(1 - pooled / direct, 4) if direct else None,
        }
    return {
        f"{stat}_cold_over_warm": _ratio(figures["cold"][stat], figures["warm"][stat])
        for stat in ("p50_ms", "p95_ms", "mean_ms")
    }


def _measurement(measurement: ValidationMeasurement | None) -> dict[str, Any] | None:
    if measurement is None:
        return None
    return {
        "id": str(measurement.pk),
        "kind": measurement.kind,
        "command": measurement.command,
        "host": measurement.host,
        "started_at": measurement.started_at.isoformat(),
        "finished_at": measurement.finished_at.isoformat(),
        "notes": measurement.notes,
        "figures": measurement.figures,
        "derived": _derived(measurement),
    }


def build(
    run: ValidationRun,
    loadtest: LoadTestRun | None = None,
    baseline: LoadTestRun | None = None,
    measurements: dict[str, ValidationMeasurement | None] | None = None,
) -> dict[str, Any]:
    since = timezone.now() - AVAILABILITY_WINDOW
    measurements = measurements or {}
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
    stored = {kind: _measurement(measurements.get(kind)) for kind in MeasurementKind.values}
    verdict = rating(run, loadtest)
    return {
        "built_at": timezone.now().isoformat(),
        "sources": {
            "validation_run": {"id": str(run.pk), "finished_at": run.finished_at.isoformat()},
            "loadtest_run": str(loadtest.pk) if loadtest else None,
            "baseline_run": str(baseline.pk) if baseline else None,
            "measurements": {kind: m["id"] if m else None for kind, m in stored.items()},
        },
        "rating": verdict,
        "rating_rules": list(RATING_RULES),
        "availability": availability,
        "load_test": load,
        "pgbouncer": _findings(run, "pgbouncer"),
        "redis": _findings(run, "redis"),
        "database": _findings(run, "postgresql"),
        "prometheus": _findings(run, "prometheus"),
        "measurements": stored,
        "comparison": comparison,
        "bottlenecks": bottlenecks,
        "checklist": checklist,
    }


# --- layout -------------------------------------------------------------------------------------


@dataclass
class Block:
    """One element of a section: a paragraph (`p`, `strong`, `h3`), a table or a list."""

    kind: str  # p, strong, h3, table, list, checklist
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    checked: list[bool] = field(default_factory=list)

    @property
    def checklist_items(self) -> list[tuple[str, bool]]:
        return list(zip(self.items, self.checked, strict=True))


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text))

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        self.blocks.append(Block("table", header=header, rows=[[str(c) for c in r] for r in rows]))


def _value(findings: dict[str, dict], name: str) -> str:
    item = findings.get(name)
    if item is None or item["status"] == "not measured":
        return NOT_MEASURED + (f" ({item['note']})" if item and item["note"] else "")
    return str(item["value"])


def _source(measurement: dict[str, Any]) -> str:
    return (
        f"Measurement {measurement['id']} ({measurement['kind']}), "
        f"{measurement['started_at']} to {measurement['finished_at']} on {measurement['host']}, "
        f"by: {measurement['command']}"
        + (f". Notes: {measurement['notes']}" if measurement["notes"] else "")
    )


def _not_stored(kind: str) -> str:
    return (
        f"{NOT_MEASURED}: no {kind} measurement is stored "
        f"(`{RECORD_COMMANDS[MeasurementKind(kind)]}` stores one)."
    )


def _pgbouncer_measured(section: Section, measurement: dict[str, Any] | None) -> None:
    section.blocks.append(Block("h3", "Measured under concurrent clients"))
    if measurement is None:
        section.p(_not_stored(MeasurementKind.PGBOUNCER_POOLING))
        return
    figures, derived = measurement["figures"], measurement["derived"]
    section.p(_source(measurement))
    section.table(
        ["Path", "Clients", "Completed", "Errors", "Server connections (max)", "Wall time"],
        [
            [label, f"{figures['clients']:,}", f"{figures[key]['completed']:,}",
             f"{figures[key]['errors']:,}", figures[key]["max_server_connections"],
             f"{figures[key]['wall_s']} s"]
            for label, key in (("through PgBouncer", "pooled"), ("direct to PostgreSQL", "direct"))
        ],
    )  # fmt: skip
    reduction = derived["server_connection_reduction"]
    section.p(
        f"Server connections used: {derived['server_connections_pooled']} through PgBouncer "
        f"against {derived['server_connections_direct']} straight to PostgreSQL for the same "
        f"{figures['clients']:,} clients × {figures['queries_per_client']} queries"
        + (f" ({reduction:.1%} fewer)" if reduction is not None else "")
        + f"; PostgreSQL max_connections {figures['max_connections']}."
    )
    pooled, direct = figures["pooled"], figures["direct"]
    if pooled["errors"] or direct["errors"]:
        section.p(
            f"Failed clients: {pooled['errors']:,} through PgBouncer"
            + (f" (first error: {pooled['first_error']})" if pooled.get("first_error") else "")
            + f", {direct['errors']:,} straight to PostgreSQL"
            + (f" (first error: {direct['first_error']})" if direct.get("first_error") else "")
            + "."
        )
    if direct["errors"]:
        section.p(
            f"Straight to PostgreSQL, the {direct['max_server_connections']} server connections "
            f"are what PostgreSQL could give (max_connections {figures['max_connections']}, "
            "shared with its other sessions), not what the clients asked for."
        )


def _cache_measured(section: Section, measurement: dict[str, Any] | None) -> None:
    section.blocks.append(Block("h3", "Measured cache benefit"))
    if measurement is None:
        section.p(_not_stored(MeasurementKind.CACHE_BENEFIT))
        return
    figures, derived = measurement["figures"], measurement["derived"]
    section.p(_source(measurement))
    size = (
        f" ({figures['components']:,} components, {figures['response_bytes']:,} bytes)"
        if "components" in figures and "response_bytes" in figures
        else ""
    )
    section.p(
        f"{figures['endpoint']}{size}: {figures['requests_per_mode']} requests with a cold "
        "cache (the cached response evicted before each) and as many with a warm one, "
        "interleaved."
    )
    if figures.get("unexpected_cache_results"):
        section.p(
            f"{figures['unexpected_cache_results']} response(s) did not come from where the "
            f"mode says (first: {figures.get('first_unexpected', '?')})."
        )

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}×"

    section.table(
        ["Latency", "Cold cache", "Warm cache", "Cold ÷ warm"],
        [
            [label, f"{figures['cold'][stat]:.2f} ms", f"{figures['warm'][stat]:.2f} ms",
             ratio(derived[f"{stat}_cold_over_warm"])]
            for label, stat in (("p50", "p50_ms"), ("p95", "p95_ms"), ("mean", "mean_ms"))
        ],
    )  # fmt: skip


def _monitoring(section: Section, findings: dict[str, dict]) -> None:
    if not findings:
        section.p(f"{NOT_MEASURED}: the validation run did not include this check.")
        return
    if "targets" not in findings:
        section.p(_value(findings, "prometheus"))
        return
    counts = findings["targets"]["value"]
    section.p(
        f"Prometheus {_value(findings, 'version')}: {counts['total']} active target(s), "
        f"{counts['up']} up, {counts['down']} down, {counts['unknown']} not scraped yet."
    )
    targets = [item for name, item in findings.items() if name.startswith("target ")]
    section.table(
        ["Job", "Instance", "Health", "Last scrape (s ago)", "Status", "Last error"],
        [
            [t["value"]["job"], t["value"]["instance"], t["value"]["health"],
             "-" if t["value"]["last_scrape_age_s"] is None else t["value"]["last_scrape_age_s"],
             t["status"], t["value"]["last_error"] or "-"]
            for t in targets
        ],
    )  # fmt: skip


def document(data: dict[str, Any]) -> tuple[str, list[Section]]:
    """The report as an introduction line and its sections."""
    sources = data["sources"]
    measured = [f"{m} ({kind})" for kind, m in sources["measurements"].items() if m]
    intro = (
        f"Built {data['built_at']} from validation run {sources['validation_run']['id']} "
        f"(finished {sources['validation_run']['finished_at']})"
        + (f", load-test run {sources['loadtest_run']}" if sources["loadtest_run"] else "")
        + (f", baseline run {sources['baseline_run']}" if sources["baseline_run"] else "")
        + (f", measurements {', '.join(measured)}" if measured else "")
        + "."
    )
    sections = []
    summary = Section("Executive Summary")
    summary.blocks.append(Block("strong", f"Rating: {data['rating']}"))
    summary.blocks.append(Block("list", items=data["rating_rules"]))
    sections.append(summary)

    availability = Section("Service Availability")
    availability.table(
        ["Service", "Status", "Critical", "Availability (7 days)", "Check time"],
        [
            [row["service"], row["status"], "yes" if row["critical"] else "no",
             row["availability"], f"{row['latency_ms']:.0f} ms"]
            for row in data["availability"]
        ],
    )  # fmt: skip
    sections.append(availability)

    load_section = Section("Load Test Results")
    if data["load_test"] is None:
        load_section.p(f"{NOT_MEASURED}: no load-test run was given (`--loadtest RUN_ID`).")
    else:
        load = data["load_test"]
        load_section.p(
            f"Run {load['run']} against {load['target']}, finished {load['finished_at']}."
        )
        load_section.table(["Metric", "Value", "Target", "Status"], load["metrics"])
        load_section.blocks.append(Block("strong", "Key Findings:"))
        load_section.blocks.append(Block("list", items=load["findings"]))
    sections.append(load_section)

    measurements = data["measurements"]
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
        section = Section(title)
        findings = data[key]
        if not findings:
            section.p(f"{NOT_MEASURED}: the validation run did not include this check.")
        elif all(item["status"] == "not measured" for item in findings.values()):
            notes = "; ".join(item["note"] for item in findings.values() if item["note"])
            section.p(f"{NOT_MEASURED}" + (f": {notes}." if notes else "."))
        else:
            section.table(["Measure", "Value"], [[name, _value(findings, name)] for name in names])
        if key == "pgbouncer":
            _pgbouncer_measured(section, measurements[MeasurementKind.PGBOUNCER_POOLING])
        if key == "redis":
            _cache_measured(section, measurements[MeasurementKind.CACHE_BENEFIT])
        sections.append(section)

    monitoring = Section("Monitoring (Prometheus)")
    _monitoring(monitoring, data["prometheus"])
    sections.append(monitoring)

    comparison_section = Section("Comparison with the Baseline")
    if data["comparison"] is None:
        comparison_section.p(f"{NOT_MEASURED}: no baseline run was given (`--baseline RUN_ID`).")
    else:
        comparison = data["comparison"]
        comparison_section.p(f"Against run {comparison['baseline']}: {comparison['overall']}.")
        comparison_section.table(
            ["Metric", "Baseline", "This run", "Verdict"],
            [[d["label"], d["baseline"], d["current"], d["verdict"]] for d in comparison["deltas"]],
        )
    sections.append(comparison_section)

    bottlenecks = Section("Bottleneck Analysis")
    if data["bottlenecks"]:
        bottlenecks.blocks.append(Block("list", items=data["bottlenecks"]))
    else:
        bottlenecks.p("No check warned or failed in this run.")
    sections.append(bottlenecks)

    checklist = Section("Infrastructure Readiness Checklist")
    checklist.blocks.append(
        Block(
            "checklist",
            items=[
                f"{item['check']}: {item['item']} ({item['status']})" for item in data["checklist"]
            ],
            checked=[item["ok"] for item in data["checklist"]],
        )
    )
    sections.append(checklist)
    sections.append(Section("Conclusion", [Block("p", f"{data['rating']}, by the rules above.")]))
    return intro, sections


TITLE = "Performance Validation Report"


def markdown(data: dict[str, Any]) -> str:
    intro, sections = document(data)
    lines = [f"# {TITLE}", "", intro]
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        for number, block in enumerate(section.blocks):
            if number:
                lines.append("")
            if block.kind == "p":
                lines.append(block.text)
            elif block.kind == "strong":
                lines.append(f"**{block.text}**")
            elif block.kind == "h3":
                lines.append(f"### {block.text}")
            elif block.kind == "table":
                lines.append("| " + " | ".join(block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += ["| " + " | ".join(row) + " |" for row in block.rows]
            elif block.kind == "list":
                lines += [f"- {item}" for item in block.items]
            elif block.kind == "checklist":
                lines += [
                    f"- [{'x' if ok else ' '}] {item}"
                    for item, ok in zip(block.items, block.checked, strict=True)
                ]
    return "\n".join(lines) + "\n"


def html(data: dict[str, Any]) -> str:
    """One self-contained page (inline style, no external resource); every value is escaped
    by the template engine."""
    intro, sections = document(data)
    return render_to_string(
        "validation/report.html",
        {
            "title": TITLE,
            "intro": intro,
            "sections": sections,
            "rating_class": data["rating"].lower().replace(" ", "-"),
        },
    )
