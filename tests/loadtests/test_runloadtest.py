"""`manage.py runloadtest`: exit codes, refusals before any request, and the output files."""

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

# Every run is stored (load_test_runs).
pytestmark = pytest.mark.django_db


def runloadtest(*args):
    call_command("runloadtest", *args, "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115


def exit_code(*args):
    try:
        runloadtest(*args)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


def test_exit_0_when_every_threshold_passes(http_server):
    code, _ = exit_code(
        "--url", http_server.url, "--path", "/", "--vus", "2", "--duration", "200ms",
        "--threshold", "http_req_failed:rate<0.01", "--threshold", "http_reqs:count>0",
    )  # fmt: skip
    assert code == 0


def test_exit_99_when_a_threshold_fails(http_server):
    code, message = exit_code(
        "--url", http_server.url, "--path", "/status/500", "--duration", "100ms",
        "--threshold", "http_req_failed:rate<0.01",
    )  # fmt: skip
    assert code == 99
    assert message == "thresholds on metrics 'http_req_failed' have been crossed"


def test_a_refused_target_is_a_failed_run_not_a_crash(refused_url):
    code, _ = exit_code(
        "--url", refused_url, "--path", "/", "--duration", "100ms",
        "--threshold", "http_req_failed:rate<0.5",
    )  # fmt: skip
    assert code == 99


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "soon"], "not a duration"),
        (["--stage", "30s"], "DURATION:TARGET"),
        (["--threshold", "http_req_duration:p(95)<<1"], "AGGREGATION OP NUMBER"),
        (["--threshold", "latency:p(95)<1"], "unknown metric"),
        (["--scenario", "/nonexistent/scenario.yaml"], "scenario file"),
        (["--vus", "0"], "at least 1"),
        (["--rate", "fast", "--duration", "1s", "--max-vus", "1"], "not a number"),
        (["--summary-trend-stats", "avg,p(x)"], "not a trend statistic"),
        (["--out", "json=x"], "only csv"),
        (["--summary-export", "/nonexistent/dir/x.json"], "does not exist"),
        (["--profile", "seed", "--duration", "1s"], "--profile sets the stages"),
        (["--path", "/", "--scenario", "x.yaml"], "cannot be combined"),
        ([], "give --path or --scenario"),
    ],
)
def test_usage_errors_exit_2_before_any_request(http_server, args, message):
    path = [] if not args or {"--scenario", "--profile"} & set(args) else ["--path", "/"]
    code, text = exit_code("--url", http_server.url, *path, *args)
    assert code == 2
    assert message in text
    assert "\n" not in text
    assert http_server.connections == 0


@pytest.mark.parametrize("url", ["http//x", "ftp://127.0.0.1:1", "http://127.0.0.1:99999"])
def test_bad_urls_exit_2(url):
    assert exit_code("--url", url)[0] == 2


def test_a_host_outside_the_allow_list_gets_no_request(http_server):
    with override_settings(DHARMA_LOADTEST_ALLOWED_HOSTS=["localhost"]):
        code, message = exit_code("--url", http_server.url, "--duration", "100ms")
    assert code == 2
    assert "'127.0.0.1' is not allowed" in message
    assert http_server.connections == 0


def test_writes_the_summary_export_junit_and_csv(http_server, tmp_path):
    export, junit, samples = tmp_path / "summary.json", tmp_path / "junit.xml", tmp_path / "s.csv"
    code, _ = exit_code(
        "--url", http_server.url, "--path", "/", "--path", "/status/404:2", "--duration", "100ms",
        "--threshold", "http_req_duration:p(95)<5000,avg<5000",
        "--threshold", "http_req_failed{path:/status/404}:rate<0.5",
        "--summary-trend-stats", "avg,min,med,max,p(90),p(95),p(99)",
        "--summary-export", str(export), "--junit", str(junit), "--out", f"csv={samples}",
    )  # fmt: skip
    assert code == 99
    data = json.loads(export.read_text())
    duration = data["metrics"]["http_req_duration"]
    assert duration["type"] == "trend" and duration["contains"] == "time"
    assert set(duration["values"]) == {"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"}
    assert duration["thresholds"]["p(95)<5000"]["ok"] is True
    assert duration["percentiles"] == "exact"
    failed = data["metrics"]["http_req_failed{path:/status/404}"]
    assert failed["thresholds"]["rate<0.5"]["ok"] is False and failed["values"]["rate"] == 1
    assert "http_req_duration{expected_response:true}" in data["metrics"]
    requests = data["metrics"]["http_reqs"]["values"]["count"]
    assert sum(data["dharma"]["status_counts"].values()) == requests
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    with samples.open() as stream:
        rows = list(csv.DictReader(stream))
    assert rows[0].keys() >= {"metric_name", "timestamp", "metric_value", "status", "url"}
    assert sum(1 for row in rows if row["metric_name"] == "http_reqs") == requests
    assert {row["status"] for row in rows if row["metric_name"] == "http_req_waiting"} == {
        "200", "404"
    }  # fmt: skip


def test_profiles_are_offered():
    code, message = exit_code("--url", "http://127.0.0.1:1", "--profile", "nope")
    assert code == 2 or "invalid choice" in message


def test_an_https_target_with_a_self_signed_certificate(https_server, tmp_path):
    export = tmp_path / "summary.json"
    args = (
        "--url", https_server.url, "--path", "/", "--vus", "1", "--duration", "200ms",
        "--threshold", "http_req_failed:rate<0.01", "--summary-export", str(export),
    )  # fmt: skip
    code, message = exit_code(*args)
    assert code == 99 and "http_req_failed" in message  # the certificate is not trusted
    code, _ = exit_code(*args, "--insecure-skip-tls-verify")
    assert code == 0
    metrics = json.loads(export.read_text())["metrics"]
    assert metrics["http_req_tls_handshaking"]["values"]["max"] > 0
    assert https_server.requests == metrics["http_reqs"]["values"]["count"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", ""], "--duration: empty value"),
        (["--duration", "0"], "must be longer than zero"),
        (["--duration=-5s"], "not a duration"),
        (["--duration", "abc"], "not a duration"),
        (["--vus", ""], "--vus: empty value"),
        (["--vus=-5s"], "not a whole number"),
        (["--vus", "abc"], "not a whole number"),
        (["--rate", "", "--duration", "1s", "--max-vus", "1"], "--rate: empty value"),
        (["--rate", "0", "--duration", "1s", "--max-vus", "1"], "must be a positive number"),
        (["--rate", "-5", "--duration", "1s", "--max-vus", "1"], "must be a positive number"),
        (["--rate", "10", "--duration", "1s", "--max-vus", ""], "--max-vus: empty value"),
        (["--rate", "10", "--duration", "1s", "--max-vus", "0"], "at least 1"),
        (["--stage", ""], "--stage: empty value"),
        (["--stage", "0"], "DURATION:TARGET"),
        (["--stage=-5s:10"], "not a duration"),
        (["--stage", "30s:abc"], "whole number of VUs"),
        (["--stage", "0s:10"], "longer than zero in total"),
        (["--threshold", ""], "--threshold: empty value"),
        (["--threshold", "abc"], "threshold"),
        (["--timeout", ""], "--timeout: empty value"),
        (["--graceful-stop", ""], "--graceful-stop: empty value"),
        (["--login", ""], "--login: empty value"),
        (["--summary-export", ""], "--summary-export: empty value"),
        (["--wait-timeout", ""], "--wait-timeout: empty duration"),
        (["--baseline", ""], "--baseline: no finished run"),
    ],
)
def test_empty_and_invalid_values_exit_2_instead_of_a_default_run(http_server, args, message):
    code, text = exit_code("--url", http_server.url, "--path", "/", *args)
    assert (code, message in text) == (2, True), text
    assert http_server.connections == 0
