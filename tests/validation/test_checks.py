"""Readiness checks against the real PostgreSQL and Redis of this machine, and against dead
ports: a target that is down fails its check with the error, and the run completes."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.operations.models import HealthAlert, ServiceHealthCheck
from apps.validation import services
from apps.validation.checks import REGISTRY, Status
from apps.validation.models import ValidationRun
from tests.ports import closed_port

pytestmark = pytest.mark.django_db


def findings(result):
    return {item.name: item for item in result.findings}


def test_postgresql_is_measured():
    result = REGISTRY["postgresql"]().run()
    assert result.status in (Status.PASS, Status.WARN), result
    measured = findings(result)
    assert measured["version"].value.split(".")[0].isdigit()
    assert 0 < measured["round_trip_ms"].value < 1000
    indexes = measured["indexes"].value
    assert indexes["total"] >= 189 and indexes["gin"] >= 3 and indexes["partial"] >= 23
    assert measured["tables"].value >= 39
    assert measured["connections"].value["max_connections"] > 0
    assert measured["unapplied_migrations"].value == []
    top = measured["top_statements"]
    assert top.status == Status.NOT_MEASURED or isinstance(top.value, list)
    if top.status == Status.NOT_MEASURED:
        assert "pg_stat_statements" in top.note


def test_a_missing_required_extension_fails_the_check(settings):
    settings.DHARMA_VALIDATION_PG_EXTENSIONS = ["no_such_extension"]
    result = REGISTRY["postgresql"]().run()
    assert result.status == Status.FAIL
    assert findings(result)["extensions"].note == "missing: no_such_extension"


def test_postgresql_on_a_dead_port_fails_with_the_error():
    from apps.validation.checks.postgres import PostgresCheck

    result = PostgresCheck(dsn=f"host=127.0.0.1 port={closed_port()} dbname=x user=postgres").run()
    assert result.status == Status.FAIL and "OperationalError" in result.error


def test_redis_is_measured_and_a_dead_port_fails(settings):
    result = REGISTRY["redis"]().run()
    assert result.status in (Status.PASS, Status.WARN, Status.NOT_MEASURED)
    measured = findings(result)
    assert measured["version"].value and measured["connected_clients"].value >= 1
    assert "maxmemory_policy" in measured
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    dead = REGISTRY["redis"]().run()
    assert dead.status == Status.FAIL and "ConnectionError" in dead.error


def test_celery_without_a_broker_is_not_measured_and_says_why():
    result = REGISTRY["celery"]().run()
    assert result.status == Status.NOT_MEASURED
    assert findings(result)["workers"].note == "no broker configured: tasks run in-process"


def test_services_are_probed_over_http(settings, live_server):
    settings.DHARMA_VALIDATION_SERVICES = {
        "dharma": f"{live_server.url}/health/live",
        "missing": f"{live_server.url}/nope",
        "dead": f"http://127.0.0.1:{closed_port()}/health",
    }
    result = REGISTRY["services"]().run()
    measured = findings(result)
    assert measured["dharma"].status == Status.PASS
    assert measured["dharma"].value["status_code"] == 200
    assert measured["missing"].status == Status.FAIL
    assert measured["missing"].value["status_code"] == 404
    assert measured["dead"].status == Status.FAIL and "error" in measured["dead"].value
    assert result.status == Status.FAIL


def test_a_run_stores_results_history_and_alerts(settings):
    run = services.run_validation(checks=["postgresql", "redis"])
    assert run.status in ("passed", "warned")
    assert [result["check"] for result in run.results] == ["postgresql", "redis"]
    history = ServiceHealthCheck.objects.filter(metadata__validation_run=str(run.pk))
    assert {row.service_name for row in history} == {"postgresql", "redis"}
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    failing = services.run_validation(checks=["redis"])
    assert failing.status == "failed" and failing.critical_failures == 1
    alert = HealthAlert.objects.get(service="redis", resolved=False)
    assert "ConnectionError" in alert.message
    services.run_validation(checks=["redis"])  # still failing: no second alert
    assert HealthAlert.objects.filter(service="redis").count() == 1
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    services.run_validation(checks=["redis"])
    alert.refresh_from_db()
    assert alert.resolved and alert.resolved_at is not None
    from django.utils import timezone

    share = services.availability("redis", since=timezone.now() - timezone.timedelta(hours=1))
    assert share == pytest.approx(2 / 4)


def test_the_validate_command(settings):
    out = StringIO()
    call_command("validate", "--checks", "postgresql", stdout=out)
    assert "postgresql (critical)" in out.getvalue()
    assert "round_trip_ms" in out.getvalue()
    out = StringIO()
    call_command("validate", "--checks", "redis", "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["results"][0]["check"] == "redis"
    with pytest.raises(CommandError) as usage:
        call_command("validate", "--checks", "postgresql,nope")
    assert usage.value.returncode == 2 and "unknown check(s): nope" in str(usage.value)
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    with pytest.raises(CommandError) as failed:
        call_command("validate", "--checks", "redis", stdout=StringIO())
    assert failed.value.returncode == 1
    assert ValidationRun.objects.count() == 3


def test_admin_runs_now_and_shows_the_checklist(admin_client):
    listing = admin_client.get("/admin/validation/validationrun/")
    assert listing.status_code == 200 and b"Run now" in listing.content
    response = admin_client.post("/admin/validation/validationrun/run-now/")
    run = ValidationRun.objects.get()
    assert run.trigger == "admin"
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    assert page.status_code == 200 and b"round_trip_ms" in page.content


PGBOUNCER_ADMIN = "postgresql://postgres@127.0.0.1:6432/pgbouncer"


def pgbouncer_answers() -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6432)) == 0


@pytest.mark.skipif(
    not pgbouncer_answers() and not __import__("os").environ.get("DHARMA_REQUIRE_PGBOUNCER"),
    reason="no PgBouncer on 127.0.0.1:6432 (.ci/pgbouncer.sh starts one; CI requires it)",
)
def test_pgbouncer_is_measured_through_its_admin_console():
    from apps.validation.checks.pgbouncer import PgBouncerCheck

    result = PgBouncerCheck(dsn=PGBOUNCER_ADMIN).run()
    assert result.status in (Status.PASS, Status.WARN), result
    measured = findings(result)
    assert measured["pool_mode"].value == "transaction"
    sizes = measured["pool_sizes"].value
    assert (sizes["default_pool_size"], sizes["min_pool_size"], sizes["reserve_pool_size"]) == (
        "25",
        "10",
        "5",
    )
    assert sizes["max_client_conn"] == "1000"
    assert set(measured["servers"].value) == {"active", "idle", "used"}


def test_pgbouncer_not_configured_or_down():
    from apps.validation.checks.pgbouncer import PgBouncerCheck

    assert PgBouncerCheck(dsn="").run().status == Status.NOT_MEASURED
    dead = PgBouncerCheck(dsn=f"postgresql://postgres@127.0.0.1:{closed_port()}/pgbouncer").run()
    assert dead.status == Status.FAIL and "OperationalError" in dead.error


def test_alerts_are_acknowledged_and_resolved_from_the_admin(admin_client, admin_user):
    alert = HealthAlert.objects.create(
        severity="critical", service="redis", metric="readiness", message="down"
    )
    url = "/admin/operations/healthalert/"
    admin_client.post(url, {"action": "acknowledge", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.acknowledged and alert.acknowledged_by == admin_user
    admin_client.post(url, {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.resolved and alert.resolved_at is not None


def test_the_report_is_built_from_stored_runs_only(tmp_path, http_server):
    from apps.loadtests.models import LoadTestRun

    run = services.run_validation(checks=["postgresql", "redis"])
    out = StringIO()
    call_command("validation_report", stdout=out)
    text = out.getvalue()
    assert f"validation run {run.pk}" in text
    assert "**Rating: NOT READY**" in text  # no load test: the rules say not ready
    assert "not measured: no load-test run was given" in text
    assert "## PgBouncer Connection Pooling" in text
    assert "not measured: the validation run did not include this check." in text
    round_trip = next(
        item["value"] for item in run.results[0]["findings"] if item["name"] == "round_trip_ms"
    )
    assert f"| round_trip_ms | {round_trip} |" in text
    call_command(
        "runloadtest", "--url", http_server.url, "--path", "/", "--vus", "1", "--duration",
        "300ms", "--no-progress", "--threshold", "http_req_failed:rate<0.01",
        stdout=StringIO(),
    )  # fmt: skip
    loadtest = LoadTestRun.objects.get()
    target = tmp_path / "report.json"
    call_command(
        "validation_report", "--loadtest", str(loadtest.pk), "--format", "json",
        "--output", str(target),
    )  # fmt: skip
    data = json.loads(target.read_text())
    assert data["sources"]["loadtest_run"] == str(loadtest.pk)
    assert data["rating"] in ("PRODUCTION READY", "READY WITH WARNINGS")
    assert data["load_test"]["metrics"][1][0] == "Throughput"
    with pytest.raises(CommandError) as bad:
        call_command("validation_report", "--loadtest", "nope")
    assert bad.value.returncode == 2
