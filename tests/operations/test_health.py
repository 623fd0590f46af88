from contextlib import contextmanager

import pytest
from django.db import connection, connections

from tests.ports import closed_port

REDIS_DEAD = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": None,  # set per test to a closed port
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}


@contextmanager
def database_at_closed_port():
    """Point the default connection at a port nothing listens on: a real connection failure."""
    conn = connections["default"]
    conn.close()
    saved = conn.settings_dict["PORT"]
    conn.settings_dict["PORT"] = closed_port()
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["PORT"] = saved


@pytest.fixture
def dead_cache(settings):
    caches = {"default": dict(REDIS_DEAD["default"])}
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = caches


@pytest.fixture
def metrics_token(settings):
    """/health's cross-tenant finding counts are for callers with the metrics token."""
    settings.DHARMA_METRICS_TOKEN = "health-test-token"
    return {"HTTP_AUTHORIZATION": "Bearer health-test-token"}


@pytest.mark.django_db
def test_health_reports_the_contract_shape(client, metrics_token):
    response = client.get("/health", **metrics_token)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert set(body) == {"status", "timestamp", "uptime", "version", "services", "stats"}
    assert isinstance(body["uptime"], float)
    assert body["services"]["database"]["status"] == "connected"
    assert body["services"]["database"]["responseTime"] >= 0
    assert body["services"]["cache"]["status"] == "connected"
    assert set(body["stats"]) == {"totalEvents", "last24Hours", "criticalEvents"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_api_health_is_an_alias(client):
    assert client.get("/api/health").json()["status"] == "healthy"


@pytest.mark.django_db
def test_health_uses_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get("/health")


@pytest.mark.django_db
def test_health_is_degraded_but_200_when_the_cache_is_down(client, dead_cache):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["services"]["cache"]["status"] == "disconnected"
    assert "error" in body["services"]["cache"]


def test_health_is_unhealthy_503_when_the_database_is_unreachable(
    client, django_db_blocker, metrics_token
):
    with django_db_blocker.unblock(), database_at_closed_port():
        response = client.get("/health", **metrics_token)
        live = client.get("/health/live")
        ready = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["services"]["database"]["status"] == "disconnected"
    assert body["services"]["database"]["error"].startswith("OperationalError")
    assert body["stats"] == {"totalEvents": 0, "last24Hours": 0, "criticalEvents": 0}
    assert live.status_code == 200
    assert live.json()["status"] == "ok"
    assert ready.status_code == 503
    assert "database" in ready.json()["failed"]


def test_liveness_does_no_io(client, django_assert_num_queries, settings):
    # No database access is allowed in this test: a query would raise.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/health/live")
    assert response.status_code == 200
    assert set(response.json()) == {"status", "timestamp", "uptime"}


@pytest.mark.django_db
def test_ready_when_database_cache_and_migrations_are_in_order(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert body["checks"]["migrations"]["unapplied"] == []


@pytest.mark.django_db
def test_not_ready_with_an_unapplied_migration(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'accounts' AND name = '0001_initial_schema'"
        )
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["unapplied"] == ["accounts.0001_initial_schema"]


@pytest.mark.django_db
def test_not_ready_when_the_cache_is_down(client, dead_cache):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


def test_health_rejects_writes(client):
    assert client.post("/health").status_code == 405


@pytest.mark.django_db
def test_health_stats_count_guardrail_findings(client, settings, metrics_token):
    from datetime import timedelta

    from django.utils import timezone

    from apps.guardrails.models import GovernancePolicy, PolicyViolation
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    policy = GovernancePolicy.objects.create(
        name="encrypt storage",
        policy_type="security",
        severity="critical",
        enforcement_level="hard-fail",
        policy_rules=[],
        created_by=user,
        effective_from=timezone.now(),
    )

    def finding(severity: str):
        return PolicyViolation.objects.create(
            tenant=user.tenant,
            policy=policy,
            resource_type="blueprint",
            resource_id=user.pk,
            severity=severity,
            violation_details="bucket not encrypted",
            detected_by="automated-scan",
        )

    settings.DHARMA_HEALTH_STATS_TTL = 0
    finding("critical")
    finding("high")
    old = finding("critical")
    PolicyViolation.objects.filter(pk=old.pk).update(detected_at=timezone.now() - timedelta(days=2))
    stats = client.get("/health", **metrics_token).json()["stats"]
    assert stats == {"totalEvents": 3, "last24Hours": 2, "criticalEvents": 2}

    # Within the TTL the counts are not recomputed: the round trip is a SELECT 1.
    settings.DHARMA_HEALTH_STATS_TTL = 3600
    finding("low")
    assert client.get("/health", **metrics_token).json()["stats"]["totalEvents"] == 3
    settings.DHARMA_HEALTH_STATS_TTL = 0
    assert client.get("/health", **metrics_token).json()["stats"]["totalEvents"] == 4
