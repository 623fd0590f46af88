"""/metrics/validation: stored load-test and validation figures, and PgBouncer's pools, parsed
with prometheus_client's own text parser."""

import os
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from apps.loadtests.models import LoadTestRun
from apps.validation import services
from apps.validation.metrics import PgBouncerPoolsCollector
from tests.ports import closed_port

pytestmark = pytest.mark.django_db

URL = "/metrics/validation"


def scrape(client) -> dict[str, list]:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.content.decode())
    }


def test_the_latest_load_test_of_each_target_is_exported(client, http_server):
    for _ in range(2):
        call_command(
            "runloadtest", "--url", http_server.url, "--path", "/", "--vus", "1", "--duration",
            "200ms", "--no-progress", "--threshold", "http_req_failed:rate<0.01",
            stdout=StringIO(),
        )  # fmt: skip
    latest = LoadTestRun.objects.order_by("-finished_at").first()
    metrics = scrape(client)
    (p95,) = metrics["dharma_loadtest_p95_seconds"]
    assert p95.labels == {"name": latest.name, "target": http_server.url}
    assert p95.value == pytest.approx(latest.p95_ms / 1000)
    (rate,) = metrics["dharma_loadtest_request_rate"]
    assert rate.value == pytest.approx(latest.request_rate)
    assert metrics["dharma_loadtest_thresholds_passed"][0].value == 1.0
    assert metrics["dharma_loadtest_finished_timestamp_seconds"][0].value == pytest.approx(
        latest.finished_at.timestamp()
    )


def test_a_tenants_load_test_is_not_exported(client, http_server):
    from tests.accounts.factories import TenantFactory

    call_command(
        "runloadtest", "--url", http_server.url, "--path", "/", "--vus", "1", "--duration",
        "200ms", "--no-progress", stdout=StringIO(),
    )  # fmt: skip
    LoadTestRun.objects.update(tenant=TenantFactory())
    assert scrape(client)["dharma_loadtest_p95_seconds"] == []


def test_checks_availability_and_status_changes_are_exported(client, settings):
    services.run_validation(checks=["postgresql", "redis"])
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    services.run_validation(checks=["redis"])
    metrics = scrape(client)
    ok = {s.labels["check"]: (s.value, s.labels["critical"]) for s in
          metrics["dharma_validation_check_ok"]}  # fmt: skip
    assert ok == {"redis": (0.0, "true")}  # the latest run checked Redis only
    availability = {
        (s.labels["service"], s.labels["window"]): s.value
        for s in metrics["dharma_service_availability_ratio"]
    }
    assert availability[("redis", "1h")] == 0.5 and availability[("postgresql", "7d")] == 1.0
    changes = {s.labels["service"]: s.value for s in metrics["dharma_service_status_changes"]}
    assert changes == {"postgresql": 0.0, "redis": 1.0}


def test_without_a_pgbouncer_console_its_metrics_are_described_but_empty(client, settings):
    settings.DHARMA_PGBOUNCER_ADMIN_URL = ""
    metrics = scrape(client)
    for name in ("dharma_pgbouncer_pool_clients", "dharma_pgbouncer_pool_servers",
                 "dharma_pgbouncer_up"):  # fmt: skip
        assert metrics[name] == []


def test_a_dead_pgbouncer_console_is_down():
    families = {
        f.name: f.samples
        for f in PgBouncerPoolsCollector(
            dsn=f"postgresql://postgres@127.0.0.1:{closed_port()}/pgbouncer"
        ).collect()
    }
    assert [s.value for s in families["dharma_pgbouncer_up"]] == [0.0]
    assert families["dharma_pgbouncer_pool_clients"] == []


def pgbouncer_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6432)) == 0


@pytest.mark.skipif(
    not pgbouncer_answers() and not os.environ.get("DHARMA_REQUIRE_PGBOUNCER"),
    reason="no PgBouncer on 127.0.0.1:6432 (.ci/pgbouncer.sh starts one; CI requires it)",
)
def test_pgbouncer_pools_are_read_live(client, settings):
    import psycopg

    settings.DHARMA_PGBOUNCER_ADMIN_URL = "postgresql://postgres@127.0.0.1:6432/pgbouncer"
    # A client of its own through PgBouncer, so that a pool exists while it is scraped.
    with psycopg.connect("host=127.0.0.1 port=6432 user=postgres dbname=postgres") as conn:
        conn.execute("SELECT 1")
        metrics = scrape(client)
    assert [s.value for s in metrics["dharma_pgbouncer_up"]] == [1.0]
    pools = {(s.labels["database"], s.labels["state"]) for s in
             metrics["dharma_pgbouncer_pool_servers"]}  # fmt: skip
    assert {("postgres", state) for state in ("active", "idle", "used", "tested", "login")} <= pools
    clients = {s.labels["state"] for s in metrics["dharma_pgbouncer_pool_clients"]
               if s.labels["database"] == "postgres"}  # fmt: skip
    assert clients == {"active", "waiting"}
    assert all(
        s.labels["database"] != "pgbouncer" for s in metrics["dharma_pgbouncer_pool_clients"]
    )
