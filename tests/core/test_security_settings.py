"""The production security settings: parsed from the environment, off by default so that the
first run (plain HTTP on 127.0.0.1) works, and effective where they are read per request."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from dharma.settings.environment import api_renderers, env_int, proxy_ssl_header

ROOT = Path(__file__).resolve().parents[2]


def test_proxy_ssl_header_is_unset_by_default(monkeypatch):
    monkeypatch.delenv("DJANGO_SECURE_PROXY_SSL_HEADER", raising=False)
    assert proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER") is None


@pytest.mark.parametrize(
    "value",
    ["HTTP_X_FORWARDED_PROTO,https", " X-Forwarded-Proto , https ", "x_forwarded_proto,https"],
)
def test_proxy_ssl_header_is_a_header_and_its_value(monkeypatch, value):
    monkeypatch.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", value)
    assert proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("value", ["HTTP_X_FORWARDED_PROTO", ",https", "A,b,c"])
def test_a_malformed_proxy_ssl_header_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", value)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECURE_PROXY_SSL_HEADER"):
        proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")


def test_env_int_reads_a_non_negative_number(monkeypatch):
    monkeypatch.delenv("DJANGO_SECURE_HSTS_SECONDS", raising=False)
    assert env_int("DJANGO_SECURE_HSTS_SECONDS", 0) == 0
    monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", "31536000")
    assert env_int("DJANGO_SECURE_HSTS_SECONDS", 0) == 31536000
    for bad in ["-1", "a year", "1.5"]:
        monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", bad)
        with pytest.raises(ImproperlyConfigured, match="DJANGO_SECURE_HSTS_SECONDS"):
            env_int("DJANGO_SECURE_HSTS_SECONDS", 0)


def test_the_browsable_api_only_in_debug():
    assert api_renderers(debug=False) == ["rest_framework.renderers.JSONRenderer"]
    assert "rest_framework.renderers.BrowsableAPIRenderer" in api_renderers(debug=True)


def test_the_defaults_keep_plain_http_working():
    # Tests run with no security variable set: the first run's defaults.
    assert django_settings.SECURE_SSL_REDIRECT is False
    assert django_settings.SECURE_HSTS_SECONDS == 0
    assert django_settings.SECURE_PROXY_SSL_HEADER is None
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


@pytest.mark.parametrize("debug", ["false", "true"])
def test_the_settings_offer_the_browsable_api_only_in_debug(debug):
    # Read at import (DRF binds renderers to its views then): import the settings afresh.
    env = {
        **os.environ,
        "DJANGO_DEBUG": debug,
        "DJANGO_SECRET_KEY": "k" * 50,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https",
        "DJANGO_SECURE_HSTS_SECONDS": "600",
        "DHARMA_NUM_PROXIES": "1",
    }
    code = (
        "import json; from dharma.settings import base as s; print(json.dumps(["
        "s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'], s.SECURE_PROXY_SSL_HEADER,"
        "s.SECURE_HSTS_SECONDS, s.REST_FRAMEWORK['NUM_PROXIES'], s.SESSION_COOKIE_SECURE]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    renderers, header, hsts, proxies, secure_cookies = json.loads(out.stdout)
    assert renderers == api_renderers(debug=debug == "true")
    assert header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (hsts, proxies) == (600, 1)
    assert secure_cookies is (debug == "false")


@pytest.mark.django_db
def test_the_ssl_redirect_spares_probes_and_scrapes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/api/v1/projects/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    for path in ["/health", "/health/live", "/health/ready", "/api/health", "/metrics"]:
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_behind_the_proxy_header_https_requests_are_not_redirected_and_get_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/health/live", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
