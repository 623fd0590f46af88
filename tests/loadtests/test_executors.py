"""Executors: VU counts, graceful ramp-down, and the open model's dropped iterations."""

from apps.loadtests.engine.config import ConstantArrivalRate, ConstantVUs, RampingVUs, Stage
from tests.loadtests.engine_helpers import run


def test_arrival_rate_drops_iterations_that_find_no_free_vu(slow_server):
    # 10 iterations/s for 1 s = starts at 0.0, 0.1, … 0.9; one VU, each iteration 150 ms.
    # The VU is busy at 0.1 (since 0.0), free at 0.2, busy at 0.3, …: every other start is
    # dropped, with 50 ms of margin on either side of each decision.
    result = run(
        slow_server.url,
        paths=["/slow"],
        executor=ConstantArrivalRate(rate=10, duration_s=1.0, max_vus=1, graceful_stop_s=1.0),
    )
    store = result.store
    assert store.iterations + store.dropped_iterations == 10
    assert 4 <= store.dropped_iterations <= 6
    assert store.values("dropped_iterations")[0]["count"] == store.dropped_iterations
    assert sum(point.dropped_iterations for point in store.series) == store.dropped_iterations


def test_arrival_rate_with_enough_vus_drops_nothing(slow_server):
    result = run(
        slow_server.url,
        paths=["/slow"],
        executor=ConstantArrivalRate(rate=20, duration_s=0.5, max_vus=10, graceful_stop_s=1.0),
    )
    assert result.store.dropped_iterations == 0
    assert result.store.iterations == 10
    assert result.store.vus_max.maximum == 10


def test_constant_vus_runs_that_many_vus(http_server):
    result = run(http_server.url, executor=ConstantVUs(vus=4, duration_s=0.3))
    assert http_server.connections == 4
    assert result.store.vus_max.value == 4
    assert result.store.interrupted_iterations == 0


def test_ramp_down_lets_an_iteration_finish_within_the_grace(slow_server):
    # 2 VUs, then a drop to 0 at 0.2 s while each is inside a 150 ms request
    stages = (Stage(0.2, 2), Stage(0.0, 0), Stage(0.3, 0))
    result = run(
        slow_server.url,
        paths=["/slow"],
        executor=RampingVUs(stages=stages, start_vus=2, graceful_ramp_down_s=1.0),
    )
    assert result.store.interrupted_iterations == 0
    assert result.store.iterations >= 4  # 2 VUs × (0.0–0.15, 0.15–0.30)


def test_ramp_down_interrupts_iterations_past_the_grace(slow_server):
    stages = (Stage(0.2, 2), Stage(0.0, 0), Stage(0.3, 0))
    result = run(
        slow_server.url,
        paths=["/slow"],
        executor=RampingVUs(stages=stages, start_vus=2, graceful_ramp_down_s=0.01),
    )
    assert result.store.interrupted_iterations == 2
    assert result.store.iterations == 2  # the first iteration of each VU


def test_ramping_series_follows_the_stages(http_server):
    stages = (Stage(0.8, 4), Stage(0.4, 4), Stage(0.2, 0))
    result = run(
        http_server.url,
        executor=RampingVUs(stages=stages, start_vus=0, graceful_ramp_down_s=0.5),
    )
    series = result.store.series
    assert series[0].vus == 4  # sampled at t = 1 s: the ramp reached 4 at 0.8 s
    assert result.store.vus.maximum == 4
    assert result.store.vus_max.value == 4
    assert http_server.connections == 4
