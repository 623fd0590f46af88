"""Alerts of a flapping service, and stored benchmark measurements."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from apps.operations.models import HealthAlert
from apps.validation import history, services
from apps.validation.models import ValidationMeasurement
from tests.ports import closed_port

pytestmark = pytest.mark.django_db

REAL_REDIS = django_settings.REDIS_URL


def run_redis(settings, up: bool):
    settings.REDIS_URL = REAL_REDIS if up else f"redis://127.0.0.1:{closed_port()}/0"
    run = services.run_validation(checks=["redis"])
    assert run.results[0]["status"] == ("pass" if up else "fail"), run.results
    return run


def test_a_flapping_service_keeps_one_alert_open_with_its_flap_count(settings):
    run_redis(settings, up=True)
    run_redis(settings, up=False)
    first = HealthAlert.objects.get(service="redis")
    assert first.metadata["flaps"] == 1 and first.metadata["flapping"] is False
    run_redis(settings, up=True)  # 2 changes: not flapping, the alert resolves
    first.refresh_from_db()
    assert first.resolved
    assert first.resolution_notes == (
        "the readiness check passed again (2 status changes in the last 10 checks)"
    )
    run_redis(settings, up=False)  # 3 changes: flapping, and the new alert says so
    second = HealthAlert.objects.get(service="redis", resolved=False)
    assert second.metadata["flaps"] == 3 and second.metadata["flapping"] is True
    assert second.message.endswith("(flapping: 3 status changes in the last 10 checks)")
    passes = 0
    while True:  # passes leave it open until the last 10 checks hold fewer than 3 changes
        run_redis(settings, up=True)
        passes += 1
        second.refresh_from_db()
        if second.resolved:
            break
        assert second.metadata["flapping"] is True
        assert "but flapping" in second.metadata["kept_open"]
        assert passes < history.FLAP_WINDOW
    # up, down, up, down, then 8 passes: the last 10 are up, down and 8 ups, 2 changes
    assert passes == 8 and second.metadata["flaps"] == 2 and second.metadata["flapping"] is False
    assert HealthAlert.objects.filter(service="redis").count() == 2


def test_a_still_failing_service_updates_its_alert_instead_of_opening_another(settings):
    run_redis(settings, up=False)
    run_redis(settings, up=False)
    alert = HealthAlert.objects.get(service="redis")
    assert not alert.resolved and alert.metadata["flaps"] == 0


PGBOUNCER_FIGURES = {
    "clients": 1000,
    "queries_per_client": 5,
    "max_connections": 100,
    "pooled": {"completed": 1000, "errors": 0, "max_server_connections": 31, "wall_s": 4.2},
    "direct": {"completed": 97, "errors": 903, "max_server_connections": 100, "wall_s": 2.0},
}  # test data, not a measurement


def record(**overrides):
    now = timezone.now()
    fields = {
        "kind": "pgbouncer-pooling",
        "figures": PGBOUNCER_FIGURES,
        "command": "benchmarks/pgbouncer_clients.py --record (test data)",
        "host": "test-host",
        "started_at": now - timedelta(seconds=30),
        "finished_at": now,
        **overrides,
    }
    return services.measurement_record(**fields)


def test_a_measurement_is_stored_with_what_ran_where_and_when():
    measurement = record(notes="test data")
    stored = ValidationMeasurement.objects.get()
    assert stored == measurement and stored.figures == PGBOUNCER_FIGURES
    assert (stored.kind, stored.host, stored.notes) == (
        "pgbouncer-pooling",
        "test-host",
        "test data",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "guess"}, "unknown kind 'guess'; known: pgbouncer-pooling, cache-benefit"),
        ({"figures": {}}, "figures.clients is missing"),
        ({"figures": {**PGBOUNCER_FIGURES, "clients": "1000"}}, "figures.clients must be a number"),
        ({"figures": {**PGBOUNCER_FIGURES, "pooled": {"completed": 1}}},
         "figures.pooled.errors is missing"),
        ({"figures": [1, 2]}, "figures must be an object"),
        ({"kind": "cache-benefit"}, "figures.endpoint is missing"),
        ({"command": " "}, "command must name what was run"),
        ({"host": ""}, "host must name where it ran"),
        ({"started_at": timezone.now() + timedelta(hours=1)}, "finished_at is before started_at"),
    ],
)  # fmt: skip
def test_a_bad_measurement_is_refused_and_nothing_is_written(overrides, message):
    with pytest.raises(services.InvalidMeasurement) as refused:
        record(**overrides)
    assert message in str(refused.value)
    assert not ValidationMeasurement.objects.exists()
