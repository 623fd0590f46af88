"""The validation report in Markdown, HTML and JSON from the same stored runs and measurements:
the same figures in all three, stored measurements shown with their source (or "not measured"),
and the command's options."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.loadtests.models import LoadTestRun
from apps.validation import report, selectors, services

pytestmark = pytest.mark.django_db

# Test data, recorded through the service as a benchmark would: not a measurement.
POOLING = {
    "clients": 1000,
    "queries_per_client": 5,
    "max_connections": 100,
    "pooled": {"completed": 1000, "errors": 0, "max_server_connections": 31, "wall_s": 4.2},
    "direct": {"completed": 97, "errors": 903, "max_server_connections": 100, "wall_s": 2.0},
}
CACHE = {
    "endpoint": "GET /api/v1/blueprints/{id}/versions/1/",
    "requests_per_mode": 50,
    "cold": {"p50_ms": 20.0, "p95_ms": 31.5, "mean_ms": 22.0},
    "warm": {"p50_ms": 4.0, "p95_ms": 7.0, "mean_ms": 4.4},
}


def record(kind, figures, minutes_ago=0, notes="test data"):
    finished = timezone.now() - timedelta(minutes=minutes_ago)
    return services.measurement_record(
        kind=kind,
        figures=figures,
        command=f"{report.RECORD_COMMANDS[kind]} (test data)",
        host="test-host",
        started_at=finished - timedelta(seconds=20),
        finished_at=finished,
        notes=notes,
    )


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style:  # the page's own CSS is not part of the report
            self.parts.append(data)


def html_text(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts), parser.tags


NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def numbers(text: str) -> list[str]:
    return sorted(NUMBER.findall(text))


@pytest.fixture
def stored(http_server):
    run = services.run_validation(checks=["postgresql", "redis"])
    call_command(
        "runloadtest", "--url", http_server.url, "--path", "/", "--vus", "1", "--duration",
        "300ms", "--no-progress", "--threshold", "http_req_failed:rate<0.01",
        stdout=StringIO(),
    )  # fmt: skip
    pooling = record("pgbouncer-pooling", POOLING)
    cache = record("cache-benefit", CACHE, notes="a <b>bold</b> & odd note")
    return run, LoadTestRun.objects.get(), pooling, cache


def test_markdown_html_and_json_show_the_same_figures(stored):
    run, loadtest, _pooling, _cache = stored
    data = report.build(run, loadtest, None, selectors.measurements_for_report())
    markdown = report.markdown(data)
    page = report.html(data)
    text, tags = html_text(page)
    assert numbers(markdown) == numbers(text)  # every figure, once per place it appears
    # the JSON holds each figure the two documents show
    round_trip = data["database"]["round_trip_ms"]["value"]
    assert f"| round_trip_ms | {round_trip} |" in markdown
    assert f"<td>round_trip_ms</td><td>{round_trip}</td>" in page
    assert data["measurements"]["pgbouncer-pooling"]["derived"] == {
        "server_connections_pooled": 31,
        "server_connections_direct": 100,
        "server_connection_reduction": 0.69,
    }
    assert "31 through PgBouncer against 100 straight to PostgreSQL" in markdown
    assert "(69.0% fewer)" in markdown and "(69.0% fewer)" in text
    assert data["measurements"]["cache-benefit"]["derived"]["p50_ms_cold_over_warm"] == 5.0
    assert "| p50 | 20.00 ms | 4.00 ms | 5.00× |" in markdown
    assert "<td>p95</td><td>31.50 ms</td><td>7.00 ms</td><td>4.50×</td>" in page
    p95 = next(row[1] for row in data["load_test"]["metrics"] if "(p95)" in row[0])
    assert p95 in markdown and p95 in text
    for row in data["availability"]:
        assert f"| {row['service']} | {row['status']} |" in markdown
        assert f"<td>{row['service']}</td><td>{row['status']}</td>" in page
    # self-contained and escaped
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "a &lt;b&gt;bold&lt;/b&gt; &amp; odd note" in page and "<b>bold</b>" not in page


def test_the_report_names_the_measurements_it_was_built_from(stored):
    _run, _loadtest, pooling, cache = stored
    out = StringIO()
    call_command("validation_report", stdout=out)
    text = out.getvalue()
    assert f"measurements {pooling.pk} (pgbouncer-pooling), {cache.pk} (cache-benefit)." in text
    assert (
        f"Measurement {pooling.pk} (pgbouncer-pooling), {pooling.started_at.isoformat()} to "
        f"{pooling.finished_at.isoformat()} on test-host, by: "
        "benchmarks/pgbouncer_clients.py --record (test data). Notes: test data"
    ) in text


def test_without_measurements_the_report_says_not_measured():
    services.run_validation(checks=["postgresql"])
    out = StringIO()
    call_command("validation_report", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["measurements"] == {"pgbouncer-pooling": None, "cache-benefit": None}
    out = StringIO()
    call_command("validation_report", stdout=out)
    assert (
        "not measured: no pgbouncer-pooling measurement is stored "
        "(`benchmarks/pgbouncer_clients.py --record` stores one)." in out.getvalue()
    )
    assert "not measured: no cache-benefit measurement is stored" in out.getvalue()
    assert "fewer)" not in out.getvalue() and "Cold ÷ warm" not in out.getvalue()


def test_a_chosen_measurement_replaces_the_latest_of_its_kind(tmp_path):
    services.run_validation(checks=["postgresql"])
    older = record("pgbouncer-pooling", {**POOLING, "max_connections": 200}, minutes_ago=60)
    latest = record("pgbouncer-pooling", POOLING)
    target = tmp_path / "report.json"
    call_command("validation_report", "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())["sources"]["measurements"]["pgbouncer-pooling"] == str(
        latest.pk
    )
    call_command(
        "validation_report", "--format", "json", "--output", str(target),
        "--measurement", str(older.pk),
    )  # fmt: skip
    data = json.loads(target.read_text())
    assert data["measurements"]["pgbouncer-pooling"]["id"] == str(older.pk)
    assert data["measurements"]["pgbouncer-pooling"]["figures"]["max_connections"] == 200


def test_the_html_format_is_written_to_a_file(tmp_path):
    services.run_validation(checks=["postgresql"])
    target = tmp_path / "report.html"
    call_command("validation_report", "--format", "html", "--output", str(target))
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert '<p class="rating rating-not-ready">Rating: NOT READY</p>' in page
    assert "<h2>Infrastructure Readiness Checklist</h2>" in page


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--measurement", "nope"], "--measurement: no stored measurement 'nope'"),
        (["--measurement", "00000000-0000-0000-0000-000000000000"],
         "--measurement: no stored measurement"),
        (["--format", "html", "--output", "/no/such/dir/r.html"],
         "--output: the directory of /no/such/dir/r.html does not exist"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(arguments, message):
    services.run_validation(checks=["postgresql"])
    with pytest.raises(CommandError) as refused:
        call_command("validation_report", *arguments, stdout=StringIO())
    assert refused.value.returncode == 2 and message in str(refused.value)


def test_two_measurements_of_one_kind_are_refused():
    services.run_validation(checks=["postgresql"])
    first, second = record("cache-benefit", CACHE), record("cache-benefit", CACHE)
    with pytest.raises(CommandError) as refused:
        call_command(
            "validation_report", "--measurement", str(first.pk), "--measurement", str(second.pk)
        )
    assert refused.value.returncode == 2
    assert "more than one cache-benefit measurement given" in str(refused.value)
