"""Scenarios from --path options and from files; checks."""

import json
import random

import pytest

from apps.loadtests.engine.scenario import load_scenario, scenario_from_paths
from apps.loadtests.exceptions import ConfigError


def test_paths_carry_weights():
    scenario = scenario_from_paths(["/health", "/api/v1/x:3"])
    assert [(r.path, r.weight) for r in scenario.requests] == [("/health", 1), ("/api/v1/x", 3)]
    rng = random.Random(1)
    picks = [scenario.pick(rng) for _ in range(4000)]
    assert 0.7 < picks.count(1) / len(picks) < 0.8


@pytest.mark.parametrize("bad", [["health"], ["/x:0"], ["/a b"], []])
def test_refuses_bad_paths(bad):
    with pytest.raises(ConfigError):
        scenario_from_paths(bad)


def test_loads_a_yaml_scenario_with_checks(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(
        """
flow: sequence
requests:
  - path: /json
    think: 10ms
    checks:
      - status: 200
      - body_contains: '"ok"'
      - json: {path: stats.keys, equals: 3}
      - json: {path: items.1, exists: true}
      - {json: {path: missing, exists: false}, name: nothing missing}
  - method: post
    path: /api/v1/blueprints/validate/
    headers: {X-Trace: load}
    body: {graph: {components: []}}
    weight: 2
"""
    )
    scenario = load_scenario(path)
    first, second = scenario.requests
    assert scenario.flow == "sequence" and first.think_s == pytest.approx(0.01)
    body = json.dumps({"status": "ok", "stats": {"keys": 3}, "items": [1, 2]}).encode()
    assert [check.evaluate(200, body) for check in first.checks] == [True] * 5
    assert [check.evaluate(500, b"nope") for check in first.checks] == [False] * 5
    assert first.checks[4].evaluate(200, b"{}")
    assert first.checks[2].name == "json stats.keys == 3"
    assert first.checks[4].name == "nothing missing"
    assert second.method == "POST" and second.weight == 2
    assert ("Content-Type", "application/json") in second.headers
    assert json.loads(second.body) == {"graph": {"components": []}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requests: [{path: x}]", "must start with /"),
        ("[1, 2]", "requests"),
        ("requests: [{path: /a, method: BREW}]", "not supported"),
        ("requests: [{path: /a, checks: [{status: 999}]}]", "HTTP status"),
        ("requests: [{path: /a, checks: [{json: {path: a}}]}]", "one of equals, exists"),
        ("requests: [{path: /a, think: soon}]", "not a duration"),
        ("requests: [{path: /a, colour: red}]", "unknown key"),
        ("requests: [{path: /a, headers: {Host: x}}]", "set by Dharma"),
        ("requests: {{{", "not YAML"),
        ("flow: random\nrequests: [{path: /a}]", "flow"),
    ],
)
def test_refuses_bad_scenario_files(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_scenario(path)


def test_missing_scenario_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="No such file"):
        load_scenario(tmp_path / "absent.yaml")
