"""The Redis cache under real faults, on a Redis server of the test's own (tests/own_services.py).

- Redis killed and started again from an older snapshot: cached responses and tokens come back
  as they were at the snapshot; no read may show less than the last acknowledged write.
- Redis hung (SIGSTOP): requests are answered from the database at once, the circuit breaker
  opens (/health and /metrics say so), writes still make cached responses stale, and the cache
  is used again once Redis answers.
"""

import copy
import re
import time

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from tests.blueprints.api.test_versions import GRAPH
from tests.own_services import OwnRedis

# Real commits: cache tokens are replaced when a write commits (transaction.on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def own_redis():
    with OwnRedis() as server:
        yield server


@pytest.fixture
def cache_on(own_redis, settings):
    """Both caches ("default": throttles and sessions; "responses") on the test's own Redis,
    with the project's options; the breaker reopens its probe after one second."""
    settings.DHARMA_REDIS_BREAKER_RESET_SECONDS = 1.0
    caches = copy.deepcopy(django_settings.CACHES)
    for alias, config in caches.items():
        assert "redis" in config["BACKEND"].lower(), "these tests need REDIS_URL set"
        config["LOCATION"] = own_redis.url
        config["KEY_PREFIX"] = f"cache-faults:{alias}"
    with override_settings(CACHES=caches):
        yield own_redis


def warm(client, url: str) -> None:
    """Read `url` until it is served from the cache (a first read may only start a token)."""
    for _ in range(3):
        if client.get(url)["X-Cache"] == "HIT":
            return
    raise AssertionError(f"{url} is not cached")


def test_a_restart_from_an_older_snapshot_never_serves_an_older_revision(
    api, architect, blueprint_url, cache_on
):
    client = api(architect)
    search = "/api/v1/blueprints/?search=shop"
    first = client.get(blueprint_url)
    warm(client, blueprint_url)
    warm(client, search)
    version = client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    assert version.status_code == 201, version.content
    version_url = f"{blueprint_url}versions/{version.json()['version_number']}/"
    warm(client, version_url)
    cache_on.snapshot()

    for n in range(5):  # acknowledged writes the snapshot does not hold
        response = client.patch(blueprint_url, {"name": f"shop-{n}"}, format="json")
        assert response.status_code == 200, response.content
    acknowledged = response.json()
    assert acknowledged["revision"] > first.json()["revision"] + 1
    assert client.get(blueprint_url).json() == acknowledged

    cache_on.kill()
    cache_on.start()  # back as of the snapshot: older tokens, older responses

    for _ in range(3):  # the first read after the restart, and those that follow
        detail = client.get(blueprint_url)
        assert detail.status_code == 200
        assert detail.json()["revision"] == acknowledged["revision"]
        assert detail.json()["name"] == "shop-4"
        names = [item["name"] for item in client.get(search).json()["results"]]
        assert names == ["shop-4"]
    assert client.get(blueprint_url)["X-Cache"] == "HIT"  # the cache is used again

    cache_on.snapshot()
    assert client.delete(blueprint_url).status_code == 204
    cache_on.kill()
    cache_on.start()
    assert client.get(version_url).status_code == 404
    assert client.get(blueprint_url).status_code == 404


def test_a_restart_from_an_older_snapshot_never_brings_back_a_revoked_role(
    api, architect, blueprint_url, cache_on
):
    from apps.accounts.models import UserRole

    client = api(architect)
    for _ in range(3):  # the role grants are cached (tokens started, then stored)
        assert client.get("/api/v1/blueprints/").status_code == 200
    cache_on.snapshot()
    for user_role in UserRole.objects.filter(user=architect):
        user_role.delete()
    assert client.get("/api/v1/blueprints/").status_code == 403
    cache_on.kill()
    cache_on.start()  # the grants and their tokens as of the snapshot
    assert client.get("/api/v1/blueprints/").status_code == 403
    assert client.get(blueprint_url).status_code == 403


def circuit_open(metrics: str, server: OwnRedis) -> list[float]:
    """The dharma_cache_circuit_open samples of `server` in an exposition."""
    pattern = rf'^dharma_cache_circuit_open\{{server="127.0.0.1:{server.port}"\}} (\S+)$'
    return [float(value) for value in re.findall(pattern, metrics, re.M)]


def test_a_hung_redis_costs_requests_almost_nothing(
    api, architect, blueprint_url, cache_on, client
):
    api_client = api(architect)
    assert api_client.get(blueprint_url).status_code == 200
    assert api_client.get(blueprint_url)["X-Cache"] == "HIT"
    requests = 50
    budget = 15.0  # seconds for all of them; a hung Redis with 1 s timeouts needs minutes
    cache_on.freeze()
    try:
        started = time.monotonic()
        answered = 0
        for _ in range(requests):
            response = api_client.get(blueprint_url)
            assert response.status_code == 200
            assert response.json()["name"] == "shop"
            answered += 1
            if time.monotonic() - started > budget:
                break
        assert answered == requests, f"{answered} of {requests} requests in {budget} s"

        # A write while the breaker is open still makes the cached detail stale.
        patched = api_client.patch(blueprint_url, {"name": "shop-frozen"}, format="json")
        assert patched.status_code == 200
        assert api_client.get(blueprint_url).json()["name"] == "shop-frozen"

        # A probe that falls on the breaker's half-open moment waits for its socket timeout
        # and opens it again: the next one is answered by the open breaker.
        caches_seen = []
        for _ in range(3):
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "degraded"
            caches_seen.append(health.json()["services"]["cache"])
        assert any(
            seen.get("circuit") == "open" and "circuit open" in seen["error"]
            for seen in caches_seen
        ), caches_seen
        metrics = client.get("/metrics").content.decode()
        assert circuit_open(metrics, cache_on) == [1.0]
        assert time.monotonic() - started < budget + 15  # the probes were quick too
    finally:
        cache_on.thaw()

    deadline = time.monotonic() + 30
    while True:
        response = api_client.get(blueprint_url)
        assert response.json()["name"] == "shop-frozen"  # never the response cached before
        if response.get("X-Cache") == "HIT":
            break
        assert time.monotonic() < deadline, "the cache was not used again after Redis thawed"
        time.sleep(0.2)
    assert client.get("/health").json()["services"]["cache"]["status"] == "connected"
    assert circuit_open(client.get("/metrics").content.decode(), cache_on) == [0.0]
