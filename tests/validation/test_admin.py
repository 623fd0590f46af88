"""The admin's per-service availability and history pages, flapping on alerts, and stored
measurements, through the Django test client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.operations.models import HealthAlert, ServiceHealthCheck
from apps.validation import services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/validation/serviceavailability/"


def check(service: str, status: str, minutes_ago: float, **fields) -> ServiceHealthCheck:
    return ServiceHealthCheck.objects.create(
        service_name=service,
        environment="local",
        status=status,
        check_type="readiness",
        checked_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


@pytest.fixture
def flapping_redis():
    """Redis up and down every 5 minutes for the last 40 minutes, plus an old failure."""
    for n, status in enumerate(["healthy", "unhealthy"] * 4):
        check("redis", status, 5 * n + 1, response_time=3 + n, version="7.0.15")
    check("redis", "unhealthy", 60 * 30)  # 30 hours ago: in 7 d only
    check("postgresql", "healthy", 2, response_time=12, version="15.8")


def test_the_list_shows_availability_and_flapping_per_service(admin_client, flapping_redis):
    response = admin_client.get(LIST)
    assert response.status_code == 200
    rows = {row["summary"].service: row for row in response.context["rows"]}
    assert set(rows) == {"redis", "postgresql"}
    assert rows["redis"]["availability"] == ["50.00%", "50.00%", "44.44%"]
    assert rows["redis"]["summary"].flaps == 7 and rows["redis"]["summary"].flapping
    assert rows["postgresql"]["availability"] == ["100.00%", "100.00%", "100.00%"]
    assert not rows["postgresql"]["summary"].flapping
    html = response.content.decode()
    assert "<th>Availability 1h</th>" in html and "<th>Availability 7d</th>" in html
    assert "44.44%" in html and "flapping</strong>" in html
    assert 'href="/admin/validation/serviceavailability/history/local/redis/"' in html


def test_the_history_page_of_a_service(admin_client, flapping_redis):
    response = admin_client.get(f"{LIST}history/local/redis/")
    assert response.status_code == 200
    assert len(response.context["checks"]) == 9
    html = response.content.decode()
    assert "redis (local)" in html
    summary, table = html.split('id="service-history"')
    assert "44.44%" in summary and "flapping</strong>" in summary
    assert table.count("<td>unhealthy</td>") == 5 and table.count("<td>healthy</td>") == 4
    assert "<td>7.0.15</td>" in table and "<td>3</td>" in table  # version, latency (ms)


def test_history_links_to_the_validation_run(admin_client):
    run = services.run_validation(checks=["postgresql"])
    html = admin_client.get(f"{LIST}history/local/postgresql/").content.decode()
    assert f'href="/admin/validation/validationrun/{run.pk}/change/"' in html


def test_an_unknown_service_is_a_404_and_no_checks_say_so(admin_client):
    assert admin_client.get(f"{LIST}history/local/nope/").status_code == 404
    response = admin_client.get(LIST)
    assert response.status_code == 200
    assert b"No service has been checked in the last 7 days" in response.content


def test_staff_without_the_permission_are_refused(client, flapping_redis):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}history/local/redis/").status_code == 403


def test_alerts_show_their_flap_count(admin_client):
    HealthAlert.objects.create(
        severity="critical", service="redis", metric="readiness", message="down",
        metadata={"flaps": 4, "flapping": True, "flap_window": 10},
    )  # fmt: skip
    html = admin_client.get("/admin/operations/healthalert/").content.decode()
    assert "4 in the last 10: flapping" in html


def test_measurements_are_listed_for_superusers_only(admin_client, client):
    now = timezone.now()
    services.measurement_record(
        kind="cache-benefit",
        figures={
            "endpoint": "GET /api/v1/blueprints/{id}/versions/1/",
            "requests_per_mode": 10,
            "cold": {"p50_ms": 20.0, "p95_ms": 30.0, "mean_ms": 22.0},
            "warm": {"p50_ms": 4.0, "p95_ms": 6.0, "mean_ms": 4.5},
        },  # test data, not a measurement
        command="benchmarks/cache_benefit.py --record (test data)",
        host="test-host",
        started_at=now - timedelta(seconds=5),
        finished_at=now,
    )
    html = admin_client.get("/admin/validation/validationmeasurement/").content.decode()
    assert "p50 cold 20.00 ms, warm 4.00 ms" in html
    staff = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_validationmeasurement"))
    client.force_login(staff)
    response = client.get("/admin/validation/validationmeasurement/")
    assert response.status_code == 200 and "p50 cold" not in response.content.decode()
