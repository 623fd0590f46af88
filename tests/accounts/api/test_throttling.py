"""Login and token refresh are throttled per client address, and a client cannot choose its own."""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"


def wrong_login(client: APIClient, **extra):
    return client.post(
        LOGIN, {"email": "sa@example.com", "password": "wrong"}, format="json", **extra
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert response.json() == {
        "error": {"code": "throttled", "message": response.json()["error"]["message"], "fields": {}}
    }
    message = response.json()["error"]["message"]
    assert message and "{" not in message and "[" not in message
    assert int(response["Retry-After"]) > 0


def test_a_new_forwarded_for_on_every_attempt_does_not_escape_the_login_throttle(make_user):
    make_user(email="sa@example.com")
    client = APIClient()
    responses = [
        wrong_login(client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(11)
    ]
    assert [r.status_code for r in responses[:10]] == [401] * 10
    assert_throttled(responses[10])


def test_another_client_address_has_its_own_login_budget(make_user):
    make_user(email="sa@example.com")
    client = APIClient()
    for _ in range(10):
        wrong_login(client, REMOTE_ADDR="198.51.100.7")
    assert_throttled(wrong_login(client, REMOTE_ADDR="198.51.100.7"))
    assert wrong_login(client, REMOTE_ADDR="198.51.100.8").status_code == 401


def test_behind_one_trusted_proxy_the_last_forwarded_hop_is_the_client(make_user, settings):
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make_user(email="sa@example.com")
    client = APIClient()
    # The proxy appends the address it saw; whatever the client wrote before it is ignored, and
    # every request reaches Dharma from the proxy's own address.
    statuses = [
        wrong_login(
            client,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        ).status_code
        for n in range(10)
    ]
    assert statuses == [401] * 10
    assert_throttled(
        wrong_login(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.9")
    )
    other = wrong_login(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 401


def test_proxies_are_not_trusted_unless_configured():
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_token_refresh_is_throttled(settings):
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token_refresh": "3/min"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = APIClient()
    statuses = [
        client.post(
            REFRESH,
            {"refresh": "not-a-token"},
            format="json",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(4)
    ]
    assert [r.status_code for r in statuses[:3]] == [401] * 3
    assert_throttled(statuses[3])


def test_token_refresh_has_its_own_default_rate():
    assert "token_refresh" in django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
