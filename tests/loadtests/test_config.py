"""Durations, stages, the ramping-vus plan, profiles, targets and the allow-list."""

import pytest

from apps.loadtests.engine.config import (
    PROFILES,
    ConstantArrivalRate,
    RampingVUs,
    Stage,
    build_executor,
    check_target_allowed,
    parse_duration,
    parse_stage,
    parse_target,
)
from apps.loadtests.engine.executors import stage_changes, stage_target
from apps.loadtests.exceptions import ConfigError, TargetNotAllowedError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("1m30s", 90), ("500ms", 0.5), ("1.5h", 5400), ("2", 2), ("1h1m1s", 3661)],
)
def test_parses_k6_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "10x", "-5s", "0s", "5s10", "s"])
def test_refuses_bad_durations(text):
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_parses_stages():
    assert parse_stage("30s:50") == Stage(30.0, 50)
    assert parse_stage("0s:10") == Stage(0.0, 10)
    for bad in ("30s", "30s:-1", "x:5", ":5", "30s:five"):
        with pytest.raises(ConfigError):
            parse_stage(bad)


STAGES = [Stage(10, 10), Stage(10, 10), Stage(5, 0)]


@pytest.mark.parametrize(
    ("elapsed", "vus"),
    [
        (0.0, 0),
        (0.99, 0),  # 0→10 over 10 s: the first VU at 1 s
        (1.0, 1),
        (5.5, 5),
        (9.99, 9),
        (10.0, 10),
        (15.0, 10),  # hold
        (20.0, 10),
        (20.49, 10),  # 10→0 over 5 s: one VU less every 0.5 s, truncated toward 10
        (20.5, 9),
        (22.5, 5),
        (24.99, 1),
        (25.0, 0),
        (99.0, 0),
    ],
)
def test_stage_target_interpolates_linearly_like_k6(elapsed, vus):
    assert stage_target(STAGES, 0, elapsed) == vus


def test_stage_target_starts_from_start_vus():
    assert stage_target([Stage(10, 0)], 5, 0.0) == 5
    assert stage_target([Stage(10, 0)], 5, 2.0) == 4
    assert stage_target([Stage(0, 7), Stage(1, 7)], 0, 0.0) == 7  # a zero-length stage jumps


def test_stage_changes_are_the_steps_of_stage_target():
    changes = stage_changes(STAGES, 0)
    assert changes[0] == (0.0, 0)
    assert len(changes) == 1 + 10 + 10
    for at, vus in changes[1:]:
        assert stage_target(STAGES, 0, at + 1e-9) == vus
        assert stage_target(STAGES, 0, at - 1e-6) in {vus - 1, vus + 1}


def test_profiles_reproduce_the_seed_and_the_original():
    seed = PROFILES["seed"]
    assert sum(s.duration_s for s in seed.stages) == 300
    assert [s.target for s in seed.stages][-1] == 0
    assert max(s.target for s in seed.stages) == 100
    original = PROFILES["original"]
    assert [(s.duration_s, s.target) for s in original.stages] == [
        (30, 10), (60, 50), (180, 50), (60, 100), (180, 100), (30, 0)
    ]  # fmt: skip
    assert "http_req_failed:rate<0.01" in original.thresholds


def test_executor_shortcuts_follow_k6():
    ramping = build_executor(
        vus=None, duration_s=None, stages=[Stage(1, 5)], rate=None, max_vus=None
    )
    assert isinstance(ramping, RampingVUs) and ramping.max_vus == 5
    arrival = build_executor(vus=None, duration_s=2, stages=[], rate=10, max_vus=3)
    assert isinstance(arrival, ConstantArrivalRate)
    assert arrival.planned_iterations == 20
    with pytest.raises(ConfigError, match="--max-vus"):
        build_executor(vus=None, duration_s=2, stages=[], rate=10, max_vus=None)
    with pytest.raises(ConfigError):
        build_executor(vus=None, duration_s=None, stages=[Stage(1, 5)], rate=3, max_vus=1)


def test_targets_and_allow_list():
    target = parse_target("http://[::1]:8000/base/")
    assert (target.host, target.port, target.base_path) == ("::1", 8000, "/base")
    secure = parse_target("https://localhost/api")
    assert (secure.scheme, secure.port, secure.host_header, secure.tls) == (
        "https",
        443,
        "localhost",
        True,
    )
    assert parse_target("https://localhost:8443").host_header == "localhost:8443"
    assert parse_target("http://localhost:443").host_header == "localhost:443"
    check_target_allowed(target, ["localhost", "0:0::1"])
    with pytest.raises(TargetNotAllowedError, match=r"example\.com"):
        check_target_allowed(parse_target("http://example.com"), ["localhost", "127.0.0.1"])
    for bad in (
        "ftp://localhost",
        "localhost:8000",
        "https://",
        "http://:80",
        "http://h:x",
    ):
        with pytest.raises(ConfigError):
            parse_target(bad)
