"""A stored run written up as the performance validation report's load-test section
(configuration, a metrics table with value / target / status, key findings), in Markdown or
HTML. Every figure comes from the stored run; a metric without a threshold has no target and
says so instead of inventing one."""

from html import escape

from apps.loadtests import charts, compare
from apps.loadtests.models import LoadTestRun

# (label, metric, statistic, unit)
ROWS = (
    ("Iterations completed", "iterations", "count", ""),
    ("Throughput", "http_reqs", "rate", "req/s"),
    ("HTTP request duration (avg)", "http_req_duration", "avg", "ms"),
    ("HTTP request duration (p90)", "http_req_duration", "p(90)", "ms"),
    ("HTTP request duration (p95)", "http_req_duration", "p(95)", "ms"),
    ("HTTP request duration (p99)", "http_req_duration", "p(99)", "ms"),
    ("Request blocked time (avg)", "http_req_blocked", "avg", "ms"),
    ("Connection time (avg)", "http_req_connecting", "avg", "ms"),
    ("Request waiting time (avg)", "http_req_waiting", "avg", "ms"),
    ("HTTP failures", "http_req_failed", "rate", "%"),
    ("Dropped iterations", "dropped_iterations", "count", ""),
    ("Max VUs", "vus_max", "max", ""),
)


def _value(run: LoadTestRun, metric: str, stat: str) -> float | None:
    values = (run.summary.get(metric) or {}).get("values", {})
    if stat in values:
        return values[stat]
    if stat == "max" and "value" in values:
        return values["value"]
    return None


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.2%}"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "req/s":
        return f"{value:,.1f} req/s"
    return f"{value:,.0f}"


def _threshold(run: LoadTestRun, metric: str, stat: str) -> dict | None:
    wanted = "rate" if stat == "rate" else stat
    for threshold in run.thresholds:
        if threshold["metric"] == metric and not threshold.get("tags"):
            source = threshold["source"].replace(" ", "")
            if source.startswith(wanted) or (stat == "med" and source.startswith("med")):
                return threshold
    return None


def metrics_table(run: LoadTestRun) -> list[tuple[str, str, str, str]]:
    rows = []
    for label, metric, stat, unit in ROWS:
        value = _value(run, metric, stat)
        threshold = _threshold(run, metric, stat)
        target = threshold["source"] if threshold else "no threshold"
        status = ("PASS" if threshold["ok"] else "FAIL") if threshold else "-"
        rows.append((label, _shown(value, unit), target, status))
    return rows


def key_findings(run: LoadTestRun, baseline: LoadTestRun | None = None) -> list[str]:
    findings = []
    if run.request_rate is not None:
        findings.append(
            f"Throughput: {run.request_rate:,.1f} requests/second over {run.requests:,} requests."
        )
    if run.p95_ms is not None:
        method = (
            "exact (every sample kept)"
            if run.percentile_method == "exact"
            else ("from HDR histograms (within 0.1 %)")
        )
        findings.append(f"Latency: p95 {run.p95_ms:.2f} ms, p99 {run.p99_ms:.2f} ms; {method}.")
    if run.error_rate is not None:
        codes = ", ".join(f"{code}: {count:,}" for code, count in sorted(run.status_counts.items()))
        findings.append(f"Failures: {run.error_rate:.2%} of requests (status codes {codes}).")
    failed = [t for t in run.thresholds if not t["ok"]]
    if run.thresholds:
        findings.append(
            f"Thresholds: {len(run.thresholds) - len(failed)} of {len(run.thresholds)} passed"
            + (
                "; failed: " + ", ".join(f"{t['metric']} {t['source']}" for t in failed)
                if failed
                else "."
            )
        )
    dropped = _value(run, "dropped_iterations", "count")
    if dropped:
        findings.append(f"{dropped:,.0f} iterations could not start in time (dropped).")
    if run.error:
        findings.append(f"The run did not complete: {run.error}")
    if baseline is not None:
        deltas = compare.compare(run.summary, baseline.summary)
        findings.append(
            f"Against the baseline run {baseline.pk}: {compare.overall(deltas)} "
            "(a change counts beyond 10 %)."
        )
    return findings


def _configuration(run: LoadTestRun) -> list[tuple[str, str]]:
    executor = run.config.get("executor", {})
    shape = ", ".join(f"{k}={v}" for k, v in executor.items() if k not in {"kind"})
    workers = f" over {run.workers} workers, merged" if run.workers > 1 else ""
    return [
        ("Run", f"{run.pk}{workers}"),
        ("Tool", "Dharma runloadtest (k6 metric definitions)"),
        ("Target", run.target_url),
        ("Executor", f"{run.executor} ({shape})"),
        ("Requests", ", ".join(
            f"{r.get('method', 'GET')} {r.get('path')}" for r in
            run.config.get("scenario", {}).get("requests", [])
        ) or "-"),
        ("Started", run.started_at.isoformat() if run.started_at else "-"),
        ("Finished", run.finished_at.isoformat() if run.finished_at else "-"),
        ("Status", run.get_status_display()),
    ]  # fmt: skip


def markdown(run: LoadTestRun, baseline: LoadTestRun | None = None) -> str:
    lines = [f"## Load Test Results — {run.name or run.target_url}", "", "### Test Configuration"]
    lines += [f"- **{label}**: {value}" for label, value in _configuration(run)]
    lines += ["", "### Performance Metrics", "", "| Metric | Value | Target | Status |",
              "|--------|-------|--------|--------|"]  # fmt: skip
    lines += [f"| **{label}** | {value} | {target} | {status} |"
              for label, value, target, status in metrics_table(run)]  # fmt: skip
    lines += ["", "**Key Findings:**"] + [f"- {line}" for line in key_findings(run, baseline)]
    if baseline is not None:
        lines += ["", "### Compared with the baseline", ""]
        lines += ["| Metric | Baseline | This run | Δ | Verdict |", "|---|---|---|---|---|"]
        for delta in compare.compare(run.summary, baseline.summary):
            change = "-" if delta.change is None else f"{delta.change:+.1%}"
            lines.append(
                f"| {delta.label} | {delta.baseline if delta.baseline is not None else '-'} | "
                f"{delta.current if delta.current is not None else '-'} | {change} | "
                f"{delta.verdict} |"
            )
    return "\n".join(lines) + "\n"


def html(run: LoadTestRun, baseline: LoadTestRun | None = None) -> str:
    """The same sections as a standalone page, with the charts inline (no scripts)."""
    config = "".join(
        f"<li><b>{escape(label)}</b>: {escape(str(value))}</li>"
        for label, value in _configuration(run)
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
        for row in metrics_table(run)
    )
    findings = "".join(f"<li>{escape(line)}</li>" for line in key_findings(run, baseline))
    series = run.series or []
    svg = ""
    if series:
        svg = charts.line_chart(
            "Requests per second", "req/s", {"req/s": [p["requests"] for p in series]}
        ) + charts.line_chart(
            "Latency", "ms", {"p95": [p["p95"] for p in series], "p99": [p["p99"] for p in series]}
        )
    title = escape(run.name or run.target_url)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Load test — '
        f"{title}</title></head><body><h2>Load Test Results — {title}</h2>"
        f"<h3>Test Configuration</h3><ul>{config}</ul><h3>Performance Metrics</h3>"
        f'<table border="1" cellpadding="4"><tr><th>Metric</th><th>Value</th>'
        f"<th>Target</th><th>Status</th></tr>{rows}</table>{svg}"
        f"<h3>Key Findings</h3><ul>{findings}</ul></body></html>\n"
    )
