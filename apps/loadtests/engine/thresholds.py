"""k6 thresholds: `METRIC[{tag:value,…}]:EXPR[,EXPR…]`, EXPR being `AGGREGATION OP NUMBER`.

    http_req_duration:p(95)<300
    http_req_duration:avg<100,p(99.9)<1000      several expressions on one metric
    http_req_failed:rate<0.01
    http_reqs:count>1000                        counters: count, rate
    http_req_duration{path:/health}:med<=50     a tag sub-metric (path/name, method, status,
                                                expected_response; checks take check:NAME)
    vus:max>=100                                gauges: value, min, max

Aggregations per metric type are k6's (trend: avg, min, med, max, p(N); counter: count, rate;
rate: rate; gauge: value). Anything else is a ConfigError, so a typo is a usage error before the
run rather than a threshold that silently never fails.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apps.loadtests.engine.metrics import METRICS, REQUEST_TAGS, MetricStore, parse_trend_stat
from apps.loadtests.exceptions import ConfigError

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "===": operator.eq,
    "!=": operator.ne,
}
_EXPRESSION = re.compile(
    r"^\s*(?P<agg>[a-z]+(?:\(\s*\d+(?:\.\d+)?\s*\))?)\s*(?P<op>===|==|!=|<=|>=|<|>)\s*"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
_METRIC = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)(?:\{(?P<tags>[^{}]*)\})?$")
_NON_TREND_AGGREGATIONS = {
    "counter": {"count", "rate"},
    "rate": {"rate"},
    "gauge": {"value", "min", "max"},
}
AGGREGATIONS = {
    "trend": "avg, min, med, max, p(N)",
    "counter": "count, rate",
    "rate": "rate",
    "gauge": "value, min, max",
}


@dataclass(frozen=True)
class Threshold:
    metric: str
    tags: tuple[tuple[str, str], ...]
    aggregation: str
    operator: str
    value: float
    source: str  # the expression as k6 prints it: `p(95)<300`

    @property
    def metric_key(self) -> str:
        return metric_key(self.metric, dict(self.tags))

    def holds_for(self, observed: float) -> bool:
        return _OPERATORS[self.operator](observed, self.value)


def metric_key(metric: str, tags: Mapping[str, str]) -> str:
    """`http_req_duration{path:/health,status:200}`: k6's name of a (sub-)metric."""
    if not tags:
        return metric
    return metric + "{" + ",".join(f"{k}:{v}" for k, v in tags.items()) + "}"


@dataclass(frozen=True)
class ThresholdResult:
    metric: str
    tags: dict[str, str]
    source: str
    observed: float
    ok: bool
    method: str

    @property
    def metric_key(self) -> str:
        return metric_key(self.metric, self.tags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "tags": self.tags,
            "source": self.source,
            "observed": self.observed,
            "ok": self.ok,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThresholdResult:
        return cls(
            metric=data["metric"],
            tags=dict(data["tags"]),
            source=data["source"],
            observed=float(data["observed"]),
            ok=bool(data["ok"]),
            method=data["method"],
        )


def _split_metric(text: str) -> tuple[str, str]:
    """`name{tags}:exprs` → (`name{tags}`, `exprs`); the colon may appear inside the tags."""
    depth = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ":" and depth == 0:
            return text[:index].strip(), text[index + 1 :].strip()
    raise ConfigError(
        f"threshold {text!r}: expected METRIC:EXPRESSION, e.g. http_req_duration:p(95)<300"
    )


def _parse_tags(metric: str, raw: str | None, text: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    tags = []
    allowed = {"check"} if metric == "checks" else REQUEST_TAGS
    for item in raw.split(","):
        key, sep, value = item.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ConfigError(f"threshold {text!r}: a tag filter is {{tag:value}}")
        if metric in {"iterations", "dropped_iterations", "iteration_duration", "vus", "vus_max"}:
            raise ConfigError(f"threshold {text!r}: {metric} has no tag sub-metrics")
        if key not in allowed:
            raise ConfigError(
                f"threshold {text!r}: tag {key!r} is not one of {', '.join(sorted(allowed))}"
            )
        tags.append((key, value))
    return tuple(tags)


def _check_aggregation(metric: str, aggregation: str, text: str) -> str:
    kind = METRICS[metric].type
    aggregation = re.sub(r"\s+", "", aggregation)
    if kind == "trend":
        try:
            parse_trend_stat(aggregation)
        except ValueError:
            pass
        else:
            if aggregation != "count":
                return aggregation
    elif aggregation in _NON_TREND_AGGREGATIONS[kind]:
        return aggregation
    raise ConfigError(
        f"threshold {text!r}: {metric} is a {kind}; use {AGGREGATIONS[kind]}, not {aggregation!r}"
    )


def parse_threshold(text: str) -> list[Threshold]:
    """Every expression of one `--threshold` option."""
    name_part, expressions = _split_metric(text.strip())
    match = _METRIC.match(name_part)
    if match is None:
        raise ConfigError(f"threshold {text!r}: {name_part!r} is not a metric name")
    metric = match.group("name")
    if metric not in METRICS:
        raise ConfigError(
            f"threshold {text!r}: unknown metric {metric!r} (one of {', '.join(METRICS)})"
        )
    tags = _parse_tags(metric, match.group("tags"), text)
    thresholds = []
    for expression in _split_expressions(expressions):
        parsed = _EXPRESSION.match(expression)
        if parsed is None:
            raise ConfigError(
                f"threshold {text!r}: {expression!r} is not AGGREGATION OP NUMBER, e.g. p(95)<300"
            )
        aggregation = _check_aggregation(metric, parsed.group("agg"), text)
        value = float(parsed.group("value"))
        if not math.isfinite(value):
            raise ConfigError(f"threshold {text!r}: {parsed.group('value')!r} is not a number")
        thresholds.append(
            Threshold(
                metric=metric,
                tags=tags,
                aggregation=aggregation,
                operator=parsed.group("op"),
                value=value,
                source=f"{aggregation}{parsed.group('op')}{parsed.group('value')}",
            )
        )
    return thresholds


def _split_expressions(text: str) -> list[str]:
    """Split on commas outside parentheses (`p( 95 )` may carry spaces, never commas)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if not all(part.strip() for part in parts):
        raise ConfigError(f"threshold expression missing in {text!r}")
    return parts


def parse_thresholds(texts: Iterable[str]) -> list[Threshold]:
    return [threshold for text in texts for threshold in parse_threshold(text)]


def evaluate(thresholds: Iterable[Threshold], store: MetricStore) -> list[ThresholdResult]:
    """Each threshold with the value it saw and its verdict."""
    results = []
    for threshold in thresholds:
        tags = dict(threshold.tags)
        kind = METRICS[threshold.metric].type
        stats = (threshold.aggregation,) if kind == "trend" else ()
        values, method = store.values(threshold.metric, tags, trend_stats=stats)
        observed = values[threshold.aggregation]
        results.append(
            ThresholdResult(
                metric=threshold.metric,
                tags=tags,
                source=threshold.source,
                observed=observed,
                ok=threshold.holds_for(observed),
                method=method if kind == "trend" else "exact",
            )
        )
    return results
