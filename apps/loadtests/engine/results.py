"""The result of a run: a plain object that serialises to JSON and merges with its peers.

It carries the configuration, the measurements (a MetricStore: counters, tag-set histograms,
the per-second series), and the threshold verdicts. A stored run keeps `to_dict()`; a run split
over several workers merges their results with `merge_results`, which re-evaluates the
thresholds over the merged measurements (HDR percentiles, as the figures then say).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.loadtests.engine.metrics import METRICS, MetricStore, merge_stores
from apps.loadtests.engine.thresholds import ThresholdResult, evaluate, parse_thresholds

FORMAT_VERSION = 1


@dataclass
class RunResult:
    config: dict[str, Any]
    store: MetricStore
    started_at: str
    ended_at: str
    thresholds: list[ThresholdResult] = field(default_factory=list)
    aborted: str | None = None  # why the run could not complete (e.g. the login failed)

    @property
    def passed(self) -> bool:
        return self.aborted is None and all(result.ok for result in self.thresholds)

    @property
    def failed_metrics(self) -> list[str]:
        return sorted({r.metric_key for r in self.thresholds if not r.ok})

    def evaluate_thresholds(self) -> None:
        self.thresholds = evaluate(parse_thresholds(self.config.get("thresholds", [])), self.store)

    def summary_values(self, trend_stats: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each built-in metric's values and the method behind them."""
        values = {}
        for name in METRICS:
            figures, method = self.store.values(name, trend_stats=trend_stats)
            values[name] = {"values": figures, "method": method}
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "config": self.config,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "aborted": self.aborted,
            "store": self.store.to_dict(),
            "thresholds": [result.to_dict() for result in self.thresholds],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        return cls(
            config=data["config"],
            store=MetricStore.from_dict(data["store"]),
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            aborted=data.get("aborted"),
            thresholds=[ThresholdResult.from_dict(raw) for raw in data["thresholds"]],
        )


def merge_results(results: Sequence[RunResult]) -> RunResult:
    """One result over parts that ran the same configuration side by side."""
    if not results:
        raise ValueError("nothing to merge")
    merged = RunResult(
        config=results[0].config,
        store=merge_stores([result.store for result in results]),
        started_at=min(result.started_at for result in results),
        ended_at=max(result.ended_at for result in results),
        aborted=next((result.aborted for result in results if result.aborted), None),
    )
    merged.evaluate_thresholds()
    return merged
