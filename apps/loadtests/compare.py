"""A run against a baseline: Δ per metric with a verdict.

The figures compared are the stored summary values (exact percentiles when both runs kept every
sample, HDR otherwise; the method is shown). A change counts when it is larger than
`SIGNIFICANT` (10 %) of the baseline — the noise of a shared machine is several per cent — in
the direction that is worse (a regression) or better (an improvement) for that metric.
"""

from dataclasses import dataclass

SIGNIFICANT = 0.10

# (label, metric, statistic, higher is better)
COMPARED = (
    ("requests per second", "http_reqs", "rate", True),
    ("http_req_duration avg", "http_req_duration", "avg", False),
    ("http_req_duration med", "http_req_duration", "med", False),
    ("http_req_duration p(95)", "http_req_duration", "p(95)", False),
    ("http_req_duration p(99)", "http_req_duration", "p(99)", False),
    ("http_req_failed rate", "http_req_failed", "rate", False),
    ("iterations per second", "iterations", "rate", True),
)


@dataclass(frozen=True)
class Delta:
    label: str
    baseline: float | None
    current: float | None
    change: float | None  # relative, e.g. 0.12 = +12 %
    verdict: str  # regression, improvement, no significant change, not comparable
    method: str


def compare(current: dict, baseline: dict) -> list[Delta]:
    deltas = []
    for label, metric, stat, higher_is_better in COMPARED:
        now = (current.get(metric) or {}).get("values", {}).get(stat)
        before = (baseline.get(metric) or {}).get("values", {}).get(stat)
        methods = {
            (current.get(metric) or {}).get("method", ""),
            (baseline.get(metric) or {}).get("method", ""),
        }
        method = "exact" if methods == {"exact"} else "hdr" if "hdr" in methods else "-"
        if now is None or before is None:
            deltas.append(Delta(label, before, now, None, "not comparable", method))
            continue
        change = (now - before) / abs(before) if before else (0.0 if now == 0 else None)
        if change is None:
            # From nothing to something: only a failure rate can say which way that is.
            verdict = "regression" if not higher_is_better else "improvement"
        elif abs(change) <= SIGNIFICANT:
            verdict = "no significant change"
        elif (change > 0) == higher_is_better:
            verdict = "improvement"
        else:
            verdict = "regression"
        deltas.append(Delta(label, before, now, change, verdict, method))
    return deltas


def overall(deltas: list[Delta]) -> str:
    verdicts = {delta.verdict for delta in deltas}
    if "regression" in verdicts:
        return "regression"
    if "improvement" in verdicts:
        return "improvement"
    return "no significant change"
