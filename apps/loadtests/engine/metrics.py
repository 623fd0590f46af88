"""k6's built-in metrics, collected per tag set, with exact or HDR percentiles.

Definitions follow k6 (https://grafana.com/docs/k6/latest/using-k6/metrics/reference/):
`http_req_duration` = sending + waiting + receiving; `http_req_blocked` is the time until a
connection was obtained (for a new connection that includes connecting and, over https, the TLS
handshake, `http_req_tls_handshaking`); `http_req_failed` is a
rate whose "true" samples are responses outside 200–399 and transport errors (status 0);
`http_req_duration{expected_response:true}` covers the responses that did not fail. Times are in
milliseconds, data in bytes.

Percentiles use k6's method while every sample is kept: sort, then interpolate linearly at
p·(n−1). Past a memory bound, or when results of several processes are merged, samples live in
HDR histograms (1 µs resolution, 3 significant digits, so within 0.1 % of the value), which add
exactly. Every figure records the method that produced it.

The request hot path appends six floats to arrays of its tag set's bucket and bumps counters;
everything else (sorting, folding into histograms, the per-second series) happens once a second
in `MetricsCollector.tick` or at the end.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

# HDR histograms hold microseconds from 1 µs to a day with 3 significant digits.
HDR_LOWEST_US = 1
HDR_HIGHEST_US = 24 * 3600 * 1_000_000
HDR_SIGNIFICANT_DIGITS = 3
EXACT = "exact"
HDR = "hdr"

# (method, path name, status) of a request: the tags its samples are kept under.
TagKey = tuple[str, str, int]

PHASES = (
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
)


@dataclass(frozen=True)
class MetricDef:
    type: str  # counter, gauge, rate, trend
    contains: str  # default, time, data


METRICS: dict[str, MetricDef] = {
    "checks": MetricDef("rate", "default"),
    "data_received": MetricDef("counter", "data"),
    "data_sent": MetricDef("counter", "data"),
    "dropped_iterations": MetricDef("counter", "default"),
    "http_req_blocked": MetricDef("trend", "time"),
    "http_req_connecting": MetricDef("trend", "time"),
    "http_req_duration": MetricDef("trend", "time"),
    "http_req_failed": MetricDef("rate", "default"),
    "http_req_receiving": MetricDef("trend", "time"),
    "http_req_sending": MetricDef("trend", "time"),
    "http_req_tls_handshaking": MetricDef("trend", "time"),
    "http_req_waiting": MetricDef("trend", "time"),
    "http_reqs": MetricDef("counter", "default"),
    "iteration_duration": MetricDef("trend", "time"),
    "iterations": MetricDef("counter", "default"),
    "vus": MetricDef("gauge", "default"),
    "vus_max": MetricDef("gauge", "default"),
}
# The statistics each metric type can give (thresholds and --summary-trend-stats).
TREND_STATS_DEFAULT = ("avg", "min", "med", "max", "p(90)", "p(95)")
REQUEST_TAGS = frozenset({"method", "name", "path", "status", "expected_response"})
_PERCENTILE = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


def is_expected(status: int) -> bool:
    """k6's default expected statuses: 200–399. Status 0 is a transport error."""
    return 200 <= status <= 399


def percentile_exact(ordered: Sequence[float], fraction: float) -> float:
    """k6's TrendSink.P: linear interpolation at fraction·(n−1) over sorted samples."""
    count = len(ordered)
    if count == 0:
        return 0.0
    if count == 1:
        return float(ordered[0])
    position = fraction * (count - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


def parse_trend_stat(stat: str) -> float | None:
    """The fraction of a `p(N)` statistic, None for avg/min/med/max/count; else ValueError."""
    if stat in {"avg", "min", "med", "max", "count"}:
        return None
    match = _PERCENTILE.match(stat)
    if match is None or not 0 <= float(match.group(1)) <= 100:
        raise ValueError(f"{stat!r} is not a trend statistic (avg, min, med, max, count, p(N))")
    return float(match.group(1)) / 100


def new_histogram() -> HdrHistogram:
    return HdrHistogram(HDR_LOWEST_US, HDR_HIGHEST_US, HDR_SIGNIFICANT_DIGITS)


def record_into(histogram: HdrHistogram, values_ms: Iterable[float]) -> None:
    """Record milliseconds as microseconds, grouping equal values first: a run's latencies
    repeat a lot at 1 µs resolution, so this calls record_value far fewer times."""
    for value_us, count in Counter(round(value * 1000) for value in values_ms).items():
        histogram.record_value(min(max(value_us, 0), HDR_HIGHEST_US), count)


class Trend:
    """Samples of one trend metric (in ms) for one tag set.

    Exact while `samples` holds every sample; once folded (memory bound) or merged, earlier
    samples live in `histogram` and later ones wait in `samples` until the next fold. Count,
    sum, min and max are always exact.
    """

    __slots__ = ("_count", "_max", "_min", "_total", "exact", "histogram", "samples")

    def __init__(self) -> None:
        self.samples = array("d")
        self.histogram: HdrHistogram | None = None
        self.exact = True
        self._count = 0  # of the samples folded into the histogram
        self._total = 0.0
        self._min = math.inf
        self._max = -math.inf

    @property
    def count(self) -> int:
        return self._count + len(self.samples)

    @property
    def total(self) -> float:
        return self._total + math.fsum(self.samples)

    @property
    def minimum(self) -> float:
        return min(self._min, min(self.samples, default=math.inf))

    @property
    def maximum(self) -> float:
        return max(self._max, max(self.samples, default=-math.inf))

    @property
    def method(self) -> str:
        return EXACT if self.exact else HDR

    def fold(self) -> None:
        """Move the kept samples into the histogram; from now on percentiles are HDR's."""
        if self.histogram is None:
            self.histogram = new_histogram()
        if self.samples:
            self._count += len(self.samples)
            self._total += math.fsum(self.samples)
            self._min = min(self._min, min(self.samples))
            self._max = max(self._max, max(self.samples))
            record_into(self.histogram, self.samples)
            del self.samples[:]  # in place: the hot path holds a reference to this array
        self.exact = False

    def as_histogram(self) -> HdrHistogram:
        """A histogram of every sample, leaving this trend as it is."""
        histogram = new_histogram()
        if self.histogram is not None:
            histogram.add(self.histogram)
        record_into(histogram, self.samples)
        return histogram

    @classmethod
    def combine(cls, trends: Iterable[Trend]) -> Trend:
        """One trend over the samples of several (a sub-metric over several tag sets): exact if
        all are exact, otherwise a histogram."""
        trends = list(trends)
        combined = cls()
        if all(trend.exact for trend in trends):
            for trend in trends:
                combined.samples.extend(trend.samples)
            return combined
        combined.exact = False
        combined.histogram = new_histogram()
        for trend in trends:
            combined._count += trend._count
            combined._total += trend._total
            combined._min = min(combined._min, trend._min)
            combined._max = max(combined._max, trend._max)
            if trend.histogram is not None:
                combined.histogram.add(trend.histogram)
            combined.samples.extend(trend.samples)
        combined.fold()
        return combined

    def values(self, stats: Sequence[str]) -> dict[str, float]:
        """k6's trend statistics (avg, min, med, max, count, p(N)); zeros when empty, as k6."""
        count = self.count
        fractions = {stat: parse_trend_stat(stat) for stat in stats}
        if "med" in fractions:
            fractions["med"] = 0.5
        wanted = {stat: f for stat, f in fractions.items() if f is not None}
        result: dict[str, float] = {}
        if count == 0:
            return dict.fromkeys(stats, 0.0)
        lowest, highest = self.minimum, self.maximum
        if self.exact:
            ordered = sorted(self.samples) if wanted else []
            points = {stat: percentile_exact(ordered, f) for stat, f in wanted.items()}
        else:
            histogram = self.as_histogram() if self.samples else self.histogram
            assert histogram is not None
            by_percent = histogram.get_percentile_to_value_dict([f * 100 for f in wanted.values()])
            points = {
                stat: min(max(by_percent[f * 100] / 1000, lowest), highest)
                for stat, f in wanted.items()
            }
        for stat in stats:
            if stat == "avg":
                result[stat] = self.total / count
            elif stat == "min":
                result[stat] = lowest
            elif stat == "max":
                result[stat] = highest
            elif stat == "count":
                result[stat] = float(count)
            else:
                result[stat] = points[stat]
        return result

    def to_dict(self) -> dict[str, Any]:
        """Serialised as a histogram (samples are not shipped between processes)."""
        return {
            "count": self.count,
            "sum": self.total,
            "min": self.minimum if self.count else None,
            "max": self.maximum if self.count else None,
            "hdr": self.as_histogram().encode().decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trend:
        trend = cls()
        trend.exact = False
        trend.histogram = HdrHistogram.decode(data["hdr"].encode("ascii"))
        trend._count = int(data["count"])
        trend._total = float(data["sum"])
        if trend._count:
            trend._min = float(data["min"])
            trend._max = float(data["max"])
        return trend


class RequestBucket:
    """Everything recorded for one tag set (method, path name, status)."""

    __slots__ = ("bytes_received", "bytes_sent", "count", "failed", "key", "trends")

    def __init__(self, key: TagKey) -> None:
        self.key = key
        self.failed = not is_expected(key[2])
        self.count = 0
        self.bytes_sent = 0
        self.bytes_received = 0
        self.trends = {phase: Trend() for phase in PHASES}

    def merge(self, other: RequestBucket) -> None:
        self.count += other.count
        self.bytes_sent += other.bytes_sent
        self.bytes_received += other.bytes_received
        for phase in PHASES:
            self.trends[phase] = Trend.combine([self.trends[phase], other.trends[phase]])
            self.trends[phase].fold()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.key[0],
            "name": self.key[1],
            "status": self.key[2],
            "count": self.count,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "trends": {phase: trend.to_dict() for phase, trend in self.trends.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestBucket:
        bucket = cls((str(data["method"]), str(data["name"]), int(data["status"])))
        bucket.count = int(data["count"])
        bucket.bytes_sent = int(data["bytes_sent"])
        bucket.bytes_received = int(data["bytes_received"])
        # A result stored before a phase existed has none of its samples: an empty trend.
        bucket.trends = {
            phase: Trend.from_dict(data["trends"][phase]) if phase in data["trends"] else Trend()
            for phase in PHASES
        }
        return bucket


@dataclass
class Gauge:
    """k6's gauge: the last value, and the smallest and largest seen."""

    value: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def set(self, value: float) -> None:
        self.value = value
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)

    def values(self) -> dict[str, float]:
        seen = self.maximum >= self.minimum
        return {
            "value": self.value,
            "min": self.minimum if seen else 0.0,
            "max": self.maximum if seen else 0.0,
        }


@dataclass
class SeriesPoint:
    """One second of the run (requests by the second they completed in)."""

    second: int
    vus: int
    requests: int
    errors: int
    iterations: int
    dropped_iterations: int
    p50: float
    p95: float
    p99: float
    method: str = EXACT
    hdr: str = ""  # the second's http_req_duration histogram, for merging

    def to_dict(self) -> dict[str, Any]:
        return {
            "second": self.second,
            "vus": self.vus,
            "requests": self.requests,
            "errors": self.errors,
            "iterations": self.iterations,
            "dropped_iterations": self.dropped_iterations,
            "p50": self.p50,
            "p95": self.p95,
            "p99": self.p99,
            "method": self.method,
            "hdr": self.hdr,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesPoint:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass
class MetricStore:
    """All of a run's measurements; what both the live collector and a stored or merged result
    answer queries from."""

    duration_s: float = 0.0
    buckets: dict[TagKey, RequestBucket] = field(default_factory=dict)
    iteration_duration: Trend = field(default_factory=Trend)
    iterations: int = 0
    interrupted_iterations: int = 0
    dropped_iterations: int = 0
    checks: dict[str, list[int]] = field(default_factory=dict)  # name → [passes, fails]
    errors: Counter[str] = field(default_factory=Counter)
    vus: Gauge = field(default_factory=Gauge)
    vus_max: Gauge = field(default_factory=Gauge)
    series: list[SeriesPoint] = field(default_factory=list)

    # --- queries ------------------------------------------------------------------------------

    def matching(self, tags: Mapping[str, str]) -> list[RequestBucket]:
        """The buckets whose tags match every `tag: value` given."""
        selected = []
        for key, bucket in self.buckets.items():
            method, name, status = key
            values = {
                "method": method,
                "name": name,
                "path": name,
                "status": str(status),
                "expected_response": "false" if bucket.failed else "true",
            }
            if all(values.get(tag) == value for tag, value in tags.items()):
                selected.append(bucket)
        return selected

    def trend(self, metric: str, tags: Mapping[str, str] | None = None) -> Trend:
        if metric == "iteration_duration":
            return self.iteration_duration if not tags else Trend()
        return Trend.combine(bucket.trends[metric] for bucket in self.matching(tags or {}))

    def values(
        self, metric: str, tags: Mapping[str, str] | None = None, trend_stats: Sequence[str] = ()
    ) -> tuple[dict[str, float], str]:
        """k6's values of a metric or sub-metric, and the method (exact or hdr) behind them."""
        tags = tags or {}
        kind = METRICS[metric].type
        rate_of = self.duration_s or 1.0
        if kind == "trend":
            trend = self.trend(metric, tags)
            return trend.values(trend_stats or TREND_STATS_DEFAULT), trend.method
        if kind == "gauge":
            return (self.vus if metric == "vus" else self.vus_max).values(), EXACT
        if kind == "counter":
            if metric in {"iterations", "dropped_iterations"}:
                count = float(getattr(self, metric)) if not tags else 0.0
            else:
                field_name = {
                    "http_reqs": "count",
                    "data_sent": "bytes_sent",
                    "data_received": "bytes_received",
                }[metric]
                count = float(sum(getattr(b, field_name) for b in self.matching(tags)))
            return {"count": count, "rate": count / rate_of}, EXACT
        if metric == "checks":
            selected = [v for k, v in self.checks.items() if tags.get("check", k) == k]
            if set(tags) - {"check"}:
                selected = []
            passes = sum(v[0] for v in selected)
            fails = sum(v[1] for v in selected)
        else:  # http_req_failed: the "true" samples are the failed requests
            buckets = self.matching(tags)
            passes = sum(b.count for b in buckets if b.failed)
            fails = sum(b.count for b in buckets if not b.failed)
        total = passes + fails
        return {"rate": passes / total if total else 0.0, "passes": passes, "fails": fails}, EXACT

    def status_counts(self) -> dict[int, int]:
        counts: Counter[int] = Counter()
        for (_, _, status), bucket in self.buckets.items():
            counts[status] += bucket.count
        return dict(sorted(counts.items()))

    def path_stats(self, trend_stats: Sequence[str]) -> list[dict[str, Any]]:
        """Per (method, path): requests, failures, req/s and http_req_duration statistics."""
        names = sorted({(method, name) for method, name, _ in self.buckets})
        rows = []
        for method, name in names:
            buckets = self.matching({"method": method, "name": name})
            trend = Trend.combine(b.trends["http_req_duration"] for b in buckets)
            count = sum(b.count for b in buckets)
            failed = sum(b.count for b in buckets if b.failed)
            rows.append(
                {
                    "method": method,
                    "path": name,
                    "requests": count,
                    "failed": failed,
                    "rate": count / (self.duration_s or 1.0),
                    "statuses": {
                        str(b.key[2]): b.count for b in sorted(buckets, key=lambda b: b.key[2])
                    },
                    "duration": trend.values(trend_stats),
                    "method_of_percentiles": trend.method,
                }
            )
        return rows

    @property
    def percentile_method(self) -> str:
        trends = [self.iteration_duration] + [
            t for bucket in self.buckets.values() for t in bucket.trends.values()
        ]
        return EXACT if all(trend.exact for trend in trends) else HDR

    # --- serialisation and merging ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration_s": self.duration_s,
            "buckets": [bucket.to_dict() for bucket in self.buckets.values()],
            "iteration_duration": self.iteration_duration.to_dict(),
            "iterations": self.iterations,
            "interrupted_iterations": self.interrupted_iterations,
            "dropped_iterations": self.dropped_iterations,
            "checks": {name: list(counts) for name, counts in self.checks.items()},
            "errors": dict(self.errors),
            "vus": self.vus.values(),
            "vus_max": self.vus_max.values(),
            "series": [point.to_dict() for point in self.series],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricStore:
        store = cls(
            duration_s=float(data["duration_s"]),
            iteration_duration=Trend.from_dict(data["iteration_duration"]),
            iterations=int(data["iterations"]),
            interrupted_iterations=int(data["interrupted_iterations"]),
            dropped_iterations=int(data["dropped_iterations"]),
            checks={name: [int(p), int(f)] for name, (p, f) in data["checks"].items()},
            errors=Counter({str(k): int(v) for k, v in data["errors"].items()}),
            series=[SeriesPoint.from_dict(point) for point in data["series"]],
        )
        for raw in data["buckets"]:
            bucket = RequestBucket.from_dict(raw)
            store.buckets[bucket.key] = bucket
        for name in ("vus", "vus_max"):
            values = data[name]
            setattr(store, name, Gauge(values["value"], values["min"], values["max"]))
        return store


def merge_stores(stores: Sequence[MetricStore]) -> MetricStore:
    """One store over the samples of several processes that ran side by side (a distributed
    run): counts add up, histograms add up exactly, gauges of VUs add up (each process runs its
    own VUs), series are aligned by second, and the run lasts as long as the longest part."""
    merged = MetricStore(duration_s=max((s.duration_s for s in stores), default=0.0))
    merged.iteration_duration = Trend.combine(s.iteration_duration for s in stores)
    merged.iteration_duration.fold()
    for store in stores:
        merged.iterations += store.iterations
        merged.interrupted_iterations += store.interrupted_iterations
        merged.dropped_iterations += store.dropped_iterations
        merged.errors.update(store.errors)
        for name, (passes, fails) in store.checks.items():
            counts = merged.checks.setdefault(name, [0, 0])
            counts[0] += passes
            counts[1] += fails
        for key, bucket in store.buckets.items():
            if key not in merged.buckets:
                merged.buckets[key] = RequestBucket(key)
            merged.buckets[key].merge(bucket)
    for name in ("vus", "vus_max"):
        gauges = [getattr(s, name) for s in stores]
        seen = [g for g in gauges if g.maximum >= g.minimum]
        setattr(
            merged,
            name,
            Gauge(
                value=sum(g.value for g in gauges),
                minimum=sum(g.minimum for g in seen) if seen else math.inf,
                maximum=sum(g.maximum for g in seen) if seen else -math.inf,
            ),
        )
    merged.series = merge_series([s.series for s in stores])
    return merged


def merge_series(parts: Sequence[Sequence[SeriesPoint]]) -> list[SeriesPoint]:
    by_second: dict[int, list[SeriesPoint]] = {}
    for part in parts:
        for point in part:
            by_second.setdefault(point.second, []).append(point)
    merged = []
    for second in sorted(by_second):
        points = by_second[second]
        histogram = new_histogram()
        for point in points:
            if point.hdr:
                histogram.add(HdrHistogram.decode(point.hdr.encode("ascii")))
        percent = histogram.get_percentile_to_value_dict([50, 95, 99])
        has = histogram.get_total_count() > 0
        merged.append(
            SeriesPoint(
                second=second,
                vus=sum(p.vus for p in points),
                requests=sum(p.requests for p in points),
                errors=sum(p.errors for p in points),
                iterations=sum(p.iterations for p in points),
                dropped_iterations=sum(p.dropped_iterations for p in points),
                p50=percent[50] / 1000 if has else 0.0,
                p95=percent[95] / 1000 if has else 0.0,
                p99=percent[99] / 1000 if has else 0.0,
                method=HDR,
                hdr=histogram.encode().decode("ascii") if has else "",
            )
        )
    return merged


class MetricsCollector:
    """The live side of a MetricStore: the hot path records into it, `tick` closes each second.

    `max_exact_samples` bounds the requests whose samples are all kept; past it every trend is
    folded into its histogram, and percentiles are HDR's from then on.
    """

    def __init__(self, max_exact_samples: int) -> None:
        self.store = MetricStore()
        self.max_exact_samples = max_exact_samples
        self.folded = False
        self._kept = 0
        self._second_durations = array("d")
        self._second_requests = 0
        self._second_errors = 0
        self._second_iterations = 0
        self._second_dropped = 0

    def bucket(self, method: str, name: str, status: int) -> RequestBucket:
        key = (method, name, status)
        bucket = self.store.buckets.get(key)
        if bucket is None:
            bucket = self.store.buckets[key] = RequestBucket(key)
        return bucket

    def record_request(
        self,
        bucket: RequestBucket,
        blocked: float,
        connecting: float,
        tls_handshaking: float,
        sending: float,
        waiting: float,
        receiving: float,
        sent: int,
        received: int,
    ) -> None:
        """Phases in seconds, as measured; stored in milliseconds like k6."""
        duration = (sending + waiting + receiving) * 1000
        trends = bucket.trends
        trends["http_req_duration"].samples.append(duration)
        trends["http_req_blocked"].samples.append(blocked * 1000)
        trends["http_req_connecting"].samples.append(connecting * 1000)
        trends["http_req_tls_handshaking"].samples.append(tls_handshaking * 1000)
        trends["http_req_sending"].samples.append(sending * 1000)
        trends["http_req_waiting"].samples.append(waiting * 1000)
        trends["http_req_receiving"].samples.append(receiving * 1000)
        bucket.count += 1
        bucket.bytes_sent += sent
        bucket.bytes_received += received
        self._second_durations.append(duration)
        self._second_requests += 1
        self._second_errors += bucket.failed

    def record_error(self, reason: str) -> None:
        self.store.errors[reason] += 1

    def record_iteration(self, seconds: float) -> None:
        self.store.iteration_duration.samples.append(seconds * 1000)
        self.store.iterations += 1
        self._second_iterations += 1

    def record_interrupted_iteration(self) -> None:
        self.store.interrupted_iterations += 1

    def record_dropped_iteration(self) -> None:
        self.store.dropped_iterations += 1
        self._second_dropped += 1

    def record_check(self, name: str, passed: bool) -> None:
        counts = self.store.checks.get(name)
        if counts is None:
            counts = self.store.checks[name] = [0, 0]
        counts[0 if passed else 1] += 1

    def tick(self, second: int, vus: int, vus_max: int, *, final: bool = False) -> SeriesPoint:
        """Close one second of the series: VUs now, requests completed during it, and the
        percentiles of their durations; fold into histograms when over the memory bound. The
        `final` (partial) second after the executor has stopped does not sample the VU gauges,
        which k6 samples while the test runs."""
        if not final or self.store.vus.maximum < 0:
            self.store.vus.set(vus)
            self.store.vus_max.set(vus_max)
        durations = self._second_durations
        ordered = sorted(durations)
        histogram = ""
        if durations:
            second_histogram = new_histogram()
            record_into(second_histogram, durations)
            histogram = second_histogram.encode().decode("ascii")
        point = SeriesPoint(
            second=second,
            vus=vus,
            requests=self._second_requests,
            errors=self._second_errors,
            iterations=self._second_iterations,
            dropped_iterations=self._second_dropped,
            p50=percentile_exact(ordered, 0.50),
            p95=percentile_exact(ordered, 0.95),
            p99=percentile_exact(ordered, 0.99),
            hdr=histogram,
        )
        self.store.series.append(point)
        self._kept += self._second_requests
        self._second_durations = array("d")
        self._second_requests = self._second_errors = 0
        self._second_iterations = self._second_dropped = 0
        if self.folded or self._kept > self.max_exact_samples:
            self.fold()
        return point

    def fold(self) -> None:
        self.folded = True
        for bucket in self.store.buckets.values():
            for trend in bucket.trends.values():
                trend.fold()
        self.store.iteration_duration.fold()

    @property
    def second_so_far(self) -> tuple[int, int, list[float]]:
        """Requests, errors and durations of the second not closed yet (for progress)."""
        return self._second_requests, self._second_errors, list(self._second_durations)
