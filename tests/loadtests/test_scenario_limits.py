"""Scenario files that would exhaust the machine: too large, aliases that expand to gigabytes
("billion laughs"), nesting deep enough to overflow the stack. Each is a usage error (exit code
2, the reason on stderr, no traceback) found while the file is read, in bounded memory.

The commands run as subprocesses with a 1 GiB address space and a timeout, so that a bomb that
gets through fails the test (MemoryError, exit 1) instead of taking the machine's memory."""

import itertools
import json

import pytest
import yaml

from apps.loadtests.engine import scenario as scenario_module
from apps.loadtests.engine.scenario import BoundedLoader, load_scenario, parse_document
from apps.loadtests.exceptions import ConfigError
from apps.loadtests.options import config_from_options
from tests.bounded_command import run_manage

URL = "http://127.0.0.1:9"  # never reached: every file here is refused before a request


def laughs(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose request body expands to 9**9 (387 million) strings."""
    lines = ["requests:", "  - path: /", "    body:"]
    lines.append('      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
    for previous, name in itertools.pairwise("abcdefghijklmnopqrstuvwxyz"[:levels]):
        lines.append(f"      {name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def refused(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    return result.stderr


def runloadtest(path) -> str:
    return refused(
        run_manage("runloadtest", "--url", URL, "--scenario", str(path), "--no-progress")
    )


def test_billion_laughs_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs())
    assert path.stat().st_size < 500
    stderr = runloadtest(path)
    assert "with its aliases expanded the document is larger than 1,048,576 bytes" in stderr


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "requests:\n  - path: /\n    body: " + "[" * 50_000 + "]" * 50_000 + "\n"),
        (
            "deep-block.yaml",
            "requests:\n  - path: /\n    body:\n"
            + "".join("  " * (level + 3) + "k:\n" for level in range(5_000))
            + "  " * 5_003
            + "v\n",
        ),
        (
            "deep.json",
            '{"requests": [{"path": "/", "body": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
        ),
    ],
)
def test_deep_nesting_is_a_usage_error_not_a_recursion_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    stderr = runloadtest(path)
    assert "nest" in stderr  # "nested deeper than 64 levels", or libyaml's own nesting limit


def test_a_scenario_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    request = "  - {path: /items, headers: {X-Trace: load}, body: {name: item, size: 1}}\n"
    path.write_text("requests:\n" + request * (2 * 1024 * 1024 // len(request)))
    stderr = runloadtest(path)
    assert "the limit is 1,048,576 (DHARMA_SCENARIO_MAX_BYTES)" in stderr


def test_the_size_limit_is_a_setting(tmp_path, settings):
    path = tmp_path / "scenario.yaml"
    path.write_text("requests:\n  - path: /health\n")
    options = {"url": URL, "scenario": str(path)}
    assert config_from_options(options)[0].scenario.requests[0].path == "/health"
    settings.DHARMA_SCENARIO_MAX_BYTES = 10
    with pytest.raises(ConfigError, match="is 28 bytes; the limit is 10 "):
        config_from_options(options)


# --- the loader itself (in process) ---------------------------------------------------------


def test_anchors_and_aliases_within_the_bound_still_work(tmp_path):
    path = tmp_path / "shared.yaml"
    path.write_text(
        "requests:\n"
        "  - path: /a\n    headers: &headers {X-Trace: load, Accept: application/json}\n"
        "  - path: /b\n    headers: *headers\n"
        "  - {path: /c, method: POST, body: &body {graph: {components: [], relations: []}}}\n"
        "  - {path: /d, method: POST, body: *body}\n"
    )
    scenario = load_scenario(path)
    assert scenario.requests[1].headers == scenario.requests[0].headers
    assert scenario.requests[3].body == b'{"graph":{"components":[],"relations":[]}}'


def test_a_file_without_aliases_never_measures_more_than_its_length():
    text = json.dumps(
        {"requests": [{"path": f"/p/{n}", "body": {"values": list(range(50))}} for n in range(50)]}
    )
    assert parse_document(text, max_expanded=len(text))["requests"][49]["path"] == "/p/49"


def test_an_alias_to_a_node_that_holds_it_is_refused():
    with pytest.raises(yaml.YAMLError, match="refers to a node holding it"):
        parse_document("a: &a [1, *a]\n", max_expanded=1000)


def test_merge_keys_count_what_they_copy():
    text = "a: &a {x: " + "y" * 500 + "}\n" + "".join(f"k{n}: {{<<: *a}}\n" for n in range(10))
    assert parse_document(text, max_expanded=10_000)["k9"]["x"] == "y" * 500
    with pytest.raises(yaml.YAMLError, match="with its aliases expanded"):
        parse_document(text, max_expanded=len(text))


def test_libyaml_parses_when_installed():
    if yaml.__with_libyaml__:
        assert any(base.__name__ == "CParser" for base in BoundedLoader.__mro__)
    assert scenario_module.MAX_DEPTH == 64
