"""What a run reports: k6's end-of-test summary, its JSON export, CSV samples, a JUnit file, and
the live progress line.

The text follows k6's layout (metric name padded with dots; trends as `avg=… min=…`; rates as a
percentage with ✓/✗ counts; counters with a per-second rate; thresholds marked ✓/✗ at their
metric) and adds what k6 leaves to other tools: which method produced the percentiles, the
status-code distribution, per-path statistics and transport errors.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import IO, Any

from apps.loadtests.engine.config import format_duration
from apps.loadtests.engine.metrics import EXACT, METRICS, TREND_STATS_DEFAULT, parse_trend_stat
from apps.loadtests.engine.results import RunResult
from apps.loadtests.engine.runner import Progress, SampleSink
from apps.loadtests.engine.thresholds import ThresholdResult, metric_key
from apps.loadtests.exceptions import ConfigError

EXPECTED_SUBMETRIC = {"expected_response": "true"}
NAME_WIDTH = 32


def parse_trend_stats(text: str) -> tuple[str, ...]:
    """`--summary-trend-stats "avg,min,med,max,p(90),p(95),p(99)"`."""
    stats = tuple(part.strip() for part in text.split(",") if part.strip())
    if not stats:
        raise ConfigError("--summary-trend-stats: give at least one statistic")
    for stat in stats:
        try:
            parse_trend_stat(stat)
        except ValueError as exc:
            raise ConfigError(f"--summary-trend-stats: {exc}") from None
    return stats


def _trim(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


def format_ms(value: float) -> str:
    """k6's durations: 0s, 512µs, 1.45ms, 1.12s, 1m3s."""
    if value == 0:
        return "0s"
    if value < 1:
        return f"{_trim(value * 1000)}µs"
    if value < 1000:
        return f"{_trim(value)}ms"
    if value < 60_000:
        return f"{_trim(value / 1000)}s"
    minutes, seconds = divmod(value / 1000, 60)
    return f"{int(minutes)}m{_trim(seconds)}s"


def format_bytes(value: float) -> str:
    """SI bytes as k6 prints them: 211 kB, 9.6 MB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            figure = value / size
            return f"{figure:.1f} {unit}" if figure < 10 else f"{figure:.0f} {unit}"
    return f"{value:.0f} B"


def _values_text(metric: str, values: dict[str, float], duration_s: float) -> str:
    kind, contains = METRICS[metric].type, METRICS[metric].contains
    if kind == "trend":
        return " ".join(f"{stat}={format_ms(value):<8}" for stat, value in values.items()).rstrip()
    if kind == "rate":
        return (
            f"{values['rate'] * 100:.2f}%".ljust(8)
            + f"✓ {int(values['passes']):<9} ✗ {int(values['fails'])}"
        )
    if kind == "gauge":
        return f"{values['value']:<7g} min={values['min']:<7g} max={values['max']:g}"
    if contains == "data":
        return f"{format_bytes(values['count']):<8}{format_bytes(values['rate'])}/s"
    return f"{values['count']:<7.0f} {values['rate']:.6f}/s"


def _line(mark: str, label: str, text: str, indent: int = 0) -> str:
    label = (" " * indent + label).ljust(NAME_WIDTH, ".")
    return f"   {mark} {label}: {text}"


def submetrics(result: RunResult) -> dict[str, list[dict[str, str]]]:
    """Sub-metrics to show under each metric: k6's expected_response one, and every one a
    threshold names."""
    shown: dict[str, list[dict[str, str]]] = {"http_req_duration": [EXPECTED_SUBMETRIC]}
    for threshold in result.thresholds:
        if threshold.tags and threshold.tags not in shown.setdefault(threshold.metric, []):
            shown[threshold.metric].append(threshold.tags)
    return shown


def _mark(results: list[ThresholdResult]) -> str:
    if not results:
        return " "
    return "✓" if all(result.ok for result in results) else "✗"


def render_text(result: RunResult, trend_stats: Sequence[str] = TREND_STATS_DEFAULT) -> str:
    store = result.store
    config = result.config
    executor = config["executor"]
    lines = [""]
    lines.append(f"     target: {config['url']}")
    lines.append(f"   scenario: {_describe_executor(executor)}")
    lines.append(f"   requests: {_describe_requests(config['scenario'])}")
    lines.append("")
    if result.aborted:
        lines.append(f"   ✗ run aborted: {result.aborted}")
        lines.append("")
    if store.checks:
        for name, (passes, fails) in store.checks.items():
            mark = "✓" if not fails else "✗"
            lines.append(f"     {mark} {name}")
            if fails:
                total = passes + fails
                lines.append(f"      ↳  {passes * 100 // total}% — ✓ {passes} / ✗ {fails}")
        lines.append("")
    by_metric: dict[str, list[ThresholdResult]] = {}
    for threshold in result.thresholds:
        by_metric.setdefault(threshold.metric_key, []).append(threshold)
    shown = submetrics(result)
    for metric in METRICS:
        if (metric == "checks" and not store.checks) or (
            metric == "dropped_iterations" and not store.dropped_iterations
        ):
            continue  # k6 lists only metrics that received samples
        values, _ = store.values(metric, trend_stats=trend_stats)
        lines.append(
            _line(
                _mark(by_metric.get(metric, [])),
                metric,
                _values_text(metric, values, store.duration_s),
            )
        )
        for tags in shown.get(metric, []):
            sub_values, _ = store.values(metric, tags, trend_stats=trend_stats)
            label = "{ " + ", ".join(f"{k}:{v}" for k, v in tags.items()) + " }"
            lines.append(
                _line(
                    _mark(by_metric.get(metric_key(metric, tags), [])),
                    label,
                    _values_text(metric, sub_values, store.duration_s),
                    indent=2,
                )
            )
    lines.append("")
    method = store.percentile_method
    lines.append(
        "   percentiles: "
        + (
            "exact (every sample kept; k6's linear interpolation at p·(n−1))"
            if method == EXACT
            else "HDR histograms (3 significant digits, within 0.1 %)"
        )
    )
    statuses = store.status_counts()
    if statuses:
        lines.append(
            "   status codes: "
            + ", ".join(f"{status or 'error'}: {count}" for status, count in statuses.items())
        )
    if store.errors:
        lines.append(
            "   transport errors: "
            + ", ".join(f"{reason}: {count}" for reason, count in store.errors.most_common())
        )
    paths = store.path_stats(("avg", "p(95)"))
    if len(paths) > 1 or (paths and paths[0]["failed"]):
        lines.append("")
        lines.append("   per path:")
        for row in paths:
            lines.append(
                f"     {row['method']:<6} {row['path']:<40} {row['requests']:>9} reqs "
                f"{row['rate']:>10.1f}/s  failed {row['failed']:<7} "
                f"avg={format_ms(row['duration']['avg'])} "
                f"p(95)={format_ms(row['duration']['p(95)'])}"
            )
    lines.append("")
    lines.append(
        f"   running ({_clock(store.duration_s)}), "
        f"{int(store.vus.value)}/{executor['max_vus']} VUs, "
        f"{store.iterations} complete and {store.interrupted_iterations} interrupted iterations"
    )
    if result.thresholds:
        failed = result.failed_metrics
        lines.append(
            "   thresholds: all passed"
            if not failed
            else f"   thresholds on metrics {', '.join(repr(m) for m in failed)} have been crossed"
        )
    return "\n".join(lines) + "\n"


def _clock(seconds: float) -> str:
    """k6's run clock: 0m30.0s."""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:04.1f}s"


def _describe_executor(executor: dict[str, Any]) -> str:
    kind = executor["kind"]
    grace = format_duration(executor["graceful_stop_s"])
    if kind == "constant-vus":
        return (
            f"constant-vus: {executor['vus']} looping VUs for "
            f"{format_duration(executor['duration_s'])} (gracefulStop: {grace})"
        )
    if kind == "ramping-vus":
        stages = ", ".join(
            f"{format_duration(stage['duration_s'])}:{stage['target']}"
            for stage in executor["stages"]
        )
        return (
            f"ramping-vus: up to {executor['max_vus']} looping VUs, startVUs "
            f"{executor['start_vus']}, stages {stages} (gracefulRampDown: "
            f"{format_duration(executor['graceful_ramp_down_s'])}, gracefulStop: {grace})"
        )
    return (
        f"constant-arrival-rate: {executor['rate']:g} iterations/"
        f"{format_duration(executor['time_unit_s'])} for {format_duration(executor['duration_s'])}"
        f" (maxVUs: {executor['max_vus']}, gracefulStop: {grace})"
    )


def _describe_requests(scenario: dict[str, Any]) -> str:
    requests = scenario["requests"]
    parts = [
        f"{r['method']} {r['path']}" + (f" ×{r['weight']}" if len(requests) > 1 else "")
        for r in requests
    ]
    return f"{scenario['flow']}: " + ", ".join(parts)


def summary_export(
    result: RunResult, trend_stats: Sequence[str] = TREND_STATS_DEFAULT
) -> dict[str, Any]:
    """k6's summary data (as handed to handleSummary): metrics → {type, contains, values,
    thresholds: {expression: {ok}}}. Trend entries also say which method gave the percentiles;
    a `dharma` section adds status codes, per-path statistics and transport errors."""
    store = result.store
    metrics: dict[str, Any] = {}
    by_metric: dict[str, list[ThresholdResult]] = {}
    for threshold in result.thresholds:
        by_metric.setdefault(threshold.metric_key, []).append(threshold)
    entries: list[tuple[str, dict[str, str]]] = [(metric, {}) for metric in METRICS]
    for metric, tag_sets in submetrics(result).items():
        entries += [(metric, tags) for tags in tag_sets]
    for metric, tags in entries:
        if metric == "checks" and not store.checks:
            continue
        values, method = store.values(metric, tags, trend_stats=trend_stats)
        entry: dict[str, Any] = {
            "type": METRICS[metric].type,
            "contains": METRICS[metric].contains,
            "values": values,
        }
        if METRICS[metric].type == "trend":
            entry["percentiles"] = method
        key = metric_key(metric, tags)
        if key in by_metric:
            entry["thresholds"] = {
                threshold.source: {"ok": threshold.ok, "observed": threshold.observed}
                for threshold in by_metric[key]
            }
        metrics[key] = entry
    checks = [
        {"name": name, "path": f"::{name}", "passes": passes, "fails": fails}
        for name, (passes, fails) in store.checks.items()
    ]
    return {
        "root_group": {"name": "", "path": "", "groups": [], "checks": checks},
        "options": {"summaryTrendStats": list(trend_stats), "summaryTimeUnit": ""},
        "state": {"testRunDurationMs": store.duration_s * 1000},
        "metrics": metrics,
        "dharma": {
            "config": result.config,
            "started_at": result.started_at,
            "ended_at": result.ended_at,
            "aborted": result.aborted,
            "percentiles": store.percentile_method,
            "status_counts": {str(k): v for k, v in store.status_counts().items()},
            "paths": store.path_stats(trend_stats),
            "errors": dict(store.errors),
            "interrupted_iterations": store.interrupted_iterations,
        },
    }


def junit_xml(result: RunResult) -> str:
    """One test case per threshold (`metric - expression`), a failure for each crossed one."""
    failures = sum(1 for threshold in result.thresholds if not threshold.ok)
    suites = ET.Element("testsuites", tests=str(len(result.thresholds)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="loadtest thresholds",
        tests=str(len(result.thresholds)),
        failures=str(failures),
        time=f"{result.store.duration_s:.3f}",
    )
    for threshold in result.thresholds:
        case = ET.SubElement(
            suite,
            "testcase",
            name=f"{threshold.metric_key} - {threshold.source}",
            classname="runloadtest",
        )
        if not threshold.ok:
            ET.SubElement(
                case,
                "failure",
                message=f"{threshold.metric_key} {threshold.source} failed: observed "
                f"{threshold.observed:g} ({threshold.method})",
            )
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


CSV_COLUMNS = (
    "metric_name",
    "timestamp",
    "metric_value",
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
    "extra_tags",
    "metadata",
)


class CsvSampleWriter(SampleSink):
    """k6's CSV output (`--out csv=FILE`): one row per metric sample, k6's columns, timestamps
    in Unix seconds."""

    def __init__(self, stream: IO[str], base_url: str) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)
        self.base_url = base_url.rstrip("/")

    def request(
        self,
        key: tuple[str, str, int],
        timestamp: float,
        phases_ms: dict[str, float],
        sent: int,
        received: int,
    ) -> None:
        method, name, status = key
        expected = "true" if 200 <= status <= 399 else "false"
        error = "" if status else "transport error"
        stamp = str(math.floor(timestamp))
        tags = ("", error, "", expected, "", method, name, "HTTP/1.1", "default", "", str(status))
        tail = ("", "", f"{self.base_url}{name}", "", "")
        rows = [("http_reqs", stamp, "1", *tags, *tail)]
        rows += [(phase, stamp, f"{value:.6f}", *tags, *tail) for phase, value in phases_ms.items()]
        failed = "0" if expected == "true" else "1"
        rows.append(("http_req_failed", stamp, failed, *tags, *tail))
        rows.append(("data_sent", stamp, str(sent), *tags, *tail))
        rows.append(("data_received", stamp, str(received), *tags, *tail))
        self.writer.writerows(rows)

    def iteration(self, timestamp: float, duration_ms: float) -> None:
        stamp = str(math.floor(timestamp))
        blank = ("",) * (len(CSV_COLUMNS) - 3)
        self.writer.writerow(("iterations", stamp, "1", *blank))
        self.writer.writerow(("iteration_duration", stamp, f"{duration_ms:.6f}", *blank))


def progress_line(progress: Progress) -> str:
    """`running (0m12s/5m0s), 050/100 VUs, 41234 req/s, p(95)=1.2ms, errors 0.00%`."""
    width = len(str(progress.vus_max))
    errors = progress.errors / progress.requests * 100 if progress.requests else 0.0
    return (
        f"running ({format_duration(progress.elapsed_s)}/{format_duration(progress.planned_s)}), "
        f"{progress.vus:0{width}d}/{progress.vus_max} VUs, {progress.requests_per_s:.0f} req/s, "
        f"p(95)={format_ms(progress.p95_ms)}, errors {errors:.2f}%"
    )
