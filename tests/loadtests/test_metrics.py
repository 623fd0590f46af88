"""Percentiles (k6's method and HDR), trends, and merging of partial results."""

import random

import pytest

from apps.loadtests.engine.metrics import (
    EXACT,
    HDR,
    MetricsCollector,
    MetricStore,
    Trend,
    merge_stores,
    percentile_exact,
)
from apps.loadtests.engine.results import RunResult, merge_results


def trend_of(values):
    trend = Trend()
    trend.samples.extend(values)
    return trend


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.95, 0.0),  # k6 answers 0 for an empty trend
        ([7.0], 0.95, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),  # i = 0.5·3 = 1.5 → 2 + 0.5·(3−2)
        ([1.0, 2.0, 3.0, 4.0], 0.9, 3.7),  # i = 2.7 → 3 + 0.7·(4−3)
        ([1.0, 2.0, 3.0, 4.0], 0.95, 3.85),  # i = 2.85
        ([1.0, 2.0, 3.0, 4.0], 0.0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 1.0, 4.0),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 0.99, 49.6),  # i = 3.96 → 40 + 0.96·10
        ([10.0, 20.0, 30.0, 40.0, 50.0], 0.999, 49.96),  # p(99.9): i = 3.996
    ],
)
def test_percentile_interpolates_at_p_times_n_minus_one(values, fraction, expected):
    assert percentile_exact(values, fraction) == pytest.approx(expected)


def test_trend_values_sort_and_name_k6_statistics():
    values = trend_of([4.0, 1.0, 3.0, 2.0]).values(("avg", "min", "med", "max", "p(90)", "count"))
    assert values == pytest.approx(
        {"avg": 2.5, "min": 1.0, "med": 2.5, "max": 4.0, "p(90)": 3.7, "count": 4.0}
    )


def test_empty_trend_answers_zeros():
    assert Trend().values(("avg", "p(95)")) == {"avg": 0.0, "p(95)": 0.0}


def test_hdr_percentiles_are_within_the_histogram_precision():
    rng = random.Random(7)
    values = [rng.lognormvariate(0, 1) * 10 for _ in range(20_000)]
    exact = trend_of(values)
    folded = trend_of(values)
    folded.fold()
    stats = ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)")
    exact_values, hdr_values = exact.values(stats), folded.values(stats)
    assert exact.method == EXACT and folded.method == HDR
    for stat in ("avg", "min", "max"):  # kept exactly in either mode
        assert hdr_values[stat] == pytest.approx(exact_values[stat], rel=1e-9)
    for stat in ("med", "p(90)", "p(95)", "p(99)", "p(99.9)"):
        # 3 significant digits: within 0.1 %, plus the gap between neighbouring samples
        assert hdr_values[stat] == pytest.approx(exact_values[stat], rel=2e-3)


def test_fold_keeps_counts_and_adds_later_samples():
    trend = trend_of([1.0, 2.0])
    trend.fold()
    trend.samples.extend([3.0, 4.0])
    assert (trend.count, trend.total, trend.minimum, trend.maximum) == (4, 10.0, 1.0, 4.0)
    assert trend.values(("med",))["med"] == pytest.approx(2.0, rel=2e-3)


def record(collector, samples):
    for method, name, status, phases in samples:
        bucket = collector.bucket(method, name, status)
        collector.record_request(bucket, *phases, 100, 200)
    for duration in (0.002, 0.004):
        collector.record_iteration(duration)


def fake_samples(count, seed):
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        status = rng.choice([200, 200, 200, 404, 0])
        name = rng.choice(["/health", "/api/v1/x"])
        phases = tuple(rng.uniform(0, 0.01) for _ in range(6))
        samples.append(("GET", name, status, phases))
    return samples


def test_merge_of_partial_results_equals_one_process_over_the_same_samples():
    samples = fake_samples(3000, seed=3)
    whole, first, second = (MetricsCollector(10**6) for _ in range(3))
    record(whole, samples)
    record(whole, [])  # the iterations of the second part, as the parts record them
    record(first, samples[:1200])
    record(second, samples[1200:])
    for collector in (whole, first, second):
        collector.tick(0, 5, 5)
        collector.store.duration_s = 1.0
    whole.fold()  # a single process compared in HDR mode, as a merged result is
    parts = [MetricStore.from_dict(c.store.to_dict()) for c in (first, second)]  # shipped
    merged = merge_stores(parts)
    stats = ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count")
    for metric in ("http_req_duration", "http_req_waiting", "http_req_blocked"):
        for tags in ({}, {"path": "/health"}, {"expected_response": "true"}, {"status": "404"}):
            expected, expected_method = whole.store.values(metric, tags, stats)
            got, method = merged.values(metric, tags, stats)
            assert method == expected_method == HDR
            assert got == pytest.approx(expected, rel=1e-9), (metric, tags)
    for metric in ("http_reqs", "data_sent", "data_received", "http_req_failed", "iterations"):
        assert merged.values(metric)[0] == pytest.approx(whole.store.values(metric)[0])
    assert merged.status_counts() == whole.store.status_counts()
    assert merged.series[0].requests == 3000
    assert merged.vus.maximum == 10  # each process ran its own 5 VUs


def test_run_result_round_trips_and_merges_with_thresholds():
    collector = MetricsCollector(10**6)
    record(collector, fake_samples(500, seed=5))
    collector.tick(0, 2, 2)
    collector.store.duration_s = 1.0
    config = {"url": "http://127.0.0.1", "thresholds": ["http_req_failed:rate<0.5"]}
    result = RunResult(config, collector.store, "2026-01-01T00:00:00", "2026-01-01T00:00:01")
    result.evaluate_thresholds()
    copy = RunResult.from_dict(result.to_dict())
    merged = merge_results([copy, RunResult.from_dict(result.to_dict())])
    assert merged.store.values("http_reqs")[0]["count"] == 1000
    assert merged.thresholds[0].observed == pytest.approx(result.thresholds[0].observed)
    assert merged.thresholds[0].ok == result.thresholds[0].ok


def test_memory_bound_switches_to_histograms():
    collector = MetricsCollector(max_exact_samples=100)
    record(collector, fake_samples(150, seed=9))
    collector.tick(0, 1, 1)
    assert collector.store.percentile_method == HDR
    record(collector, fake_samples(10, seed=10))
    collector.tick(1, 1, 1)
    assert collector.store.values("http_reqs")[0]["count"] == 160
    assert collector.store.trend("http_req_duration").count == 160
