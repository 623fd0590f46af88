import pytest
import redis
from django.conf import settings

from tests.loadtests.conftest import http_server  # noqa: F401 - a local HTTP target for load tests
from tests.validation.prometheus_server import prometheus_server  # noqa: F401

HEALTHY_HIT_RATE = 0.95


@pytest.fixture(autouse=True)
def _redis_hit_rate_healthy():
    """The Redis check judges the server's keyspace hit rate, which every client of this shared
    Redis moves (tests clear their caches, so they mostly miss). Tests that expect a healthy
    Redis first read one key of their own often enough for the server-wide rate to be healthy,
    and that is all this changes."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        stats = client.info("stats")
        hits, misses = stats["keyspace_hits"], stats["keyspace_misses"]
        # (hits + n) / (hits + misses + n) >= rate  <=>  n >= (rate * misses - (1 - rate) * hits)
        # / (1 - rate); plus a margin for the other clients' misses meanwhile.
        needed = int((HEALTHY_HIT_RATE * misses - (1 - HEALTHY_HIT_RATE) * hits)
                     / (1 - HEALTHY_HIT_RATE)) + 1000  # fmt: skip
        if hits + misses < 1000 or needed > 1000:
            key = "dharma-test:validation:hit-rate"
            client.set(key, "1", ex=60)
            for start in range(0, max(needed, 1000), 5000):
                pipe = client.pipeline(transaction=False)
                for _ in range(min(5000, max(needed, 1000) - start)):
                    pipe.get(key)
                pipe.execute()
    finally:
        client.close()
    yield
