"""Platform-wide figures: /metrics and /metrics/validation behind DHARMA_METRICS_TOKEN when it is
set, and /health's cross-tenant finding counts only for that token or a superuser."""

from pathlib import Path

import pytest
import yaml

from tests.accounts.factories import UserFactory

TOKEN = "s3cret-metrics-token"
ROOT = Path(__file__).resolve().parents[2]
METRICS = ["/metrics", "/metrics/validation"]


@pytest.fixture
def token_set(settings):
    settings.DHARMA_METRICS_TOKEN = TOKEN


# --- /metrics, /metrics/validation ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", METRICS)
def test_metrics_are_open_without_a_configured_token(client, settings, path):
    settings.DHARMA_METRICS_TOKEN = ""
    assert client.get(path).status_code == 200
    assert client.get(path, HTTP_AUTHORIZATION="Bearer anything").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", METRICS)
def test_metrics_need_the_token_when_one_is_set(client, token_set, path):
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert missing.json()["error"]["code"] == "not_authenticated"
    assert set(missing.json()["error"]) == {"code", "message", "fields"}
    assert client.get(path, HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    wrong = client.get(path, HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "permission_denied"
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}").status_code == 403
    right = client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain")


# --- /health's counts -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health", "/api/health"])
def test_anonymous_callers_get_status_and_checks_but_no_counts(client, token_set, path):
    body = client.get(path).json()
    assert body["status"] == "healthy"
    assert set(body) == {"status", "timestamp", "uptime", "version", "services"}
    assert body["services"]["database"]["status"] == "connected"
    wrong = client.get(path, HTTP_AUTHORIZATION="Bearer not-the-token").json()
    assert "stats" not in wrong


@pytest.mark.django_db
def test_without_a_configured_token_no_bearer_unlocks_the_counts(client, settings):
    settings.DHARMA_METRICS_TOKEN = ""
    assert "stats" not in client.get("/health", HTTP_AUTHORIZATION="Bearer ").json()


@pytest.mark.django_db
def test_the_metrics_token_shows_the_counts_in_one_query(
    client, token_set, django_assert_num_queries
):
    with django_assert_num_queries(1):
        body = client.get("/health", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    assert set(body["stats"]) == {"totalEvents", "last24Hours", "criticalEvents"}


@pytest.mark.django_db
def test_a_superuser_session_shows_the_counts_and_a_tenant_user_session_does_not(client):
    client.force_login(UserFactory())
    assert "stats" not in client.get("/health").json()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert set(client.get("/health").json()["stats"]) == {
        "totalEvents",
        "last24Hours",
        "criticalEvents",
    }


# --- Prometheus sends the token -------------------------------------------------------------------


def test_prometheus_sends_the_token_file_its_entrypoint_writes():
    docker = ROOT / "docker"
    prometheus = yaml.safe_load((docker / "prometheus" / "prometheus.yml").read_text())
    dharma_jobs = [job for job in prometheus["scrape_configs"] if "web:8000" in str(job)]
    assert {job["metrics_path"] for job in dharma_jobs} == set(METRICS)
    files = {job["authorization"]["credentials_file"] for job in dharma_jobs}
    assert {job["authorization"]["type"] for job in dharma_jobs} == {"Bearer"}
    (credentials_file,) = files
    entrypoint = (docker / "prometheus" / "entrypoint.sh").read_text()
    assert f'"${{DHARMA_METRICS_TOKEN:-}}" > {credentials_file}' in entrypoint
    compose = yaml.safe_load((docker / "docker-compose.yml").read_text())
    service = compose["services"]["prometheus"]
    assert service["entrypoint"] == ["/bin/sh", "/etc/prometheus/entrypoint.sh"]
    assert "./prometheus/entrypoint.sh:/etc/prometheus/entrypoint.sh:ro" in service["volumes"]
    assert "DHARMA_METRICS_TOKEN" in service["environment"]
    assert "DHARMA_METRICS_TOKEN" in compose["x-app-environment"]
