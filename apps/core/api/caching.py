"""Redis cache for API responses.

Callers build keys that change whenever what the response shows changes (see
`Tenant.content_generation`), so nothing is ever invalidated by deleting keys, and a stale
response cannot be served after a write. A cache that is down or slow never fails a request: the
error is counted and the response is built from the database.

Exported in /metrics: `dharma_api_cache_requests_total{view, result="hit"|"miss"|"error"}`.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from prometheus_client import Counter
from rest_framework.response import Response

logger = logging.getLogger(__name__)

CACHE_REQUESTS = Counter(
    "dharma_api_cache_requests",
    "API response cache lookups, by view and result (hit, miss, error).",
    ["view", "result"],
)


def cached_response(view: str, key: str, build: Callable[[], Response]) -> Response:
    cache = caches["responses"]
    try:
        data = cache.get(key)
    except Exception:
        logger.warning("API cache read failed for %s", view, exc_info=True)
        CACHE_REQUESTS.labels(view=view, result="error").inc()
        data = None
        reachable = False
    else:
        reachable = True
    if data is not None:
        CACHE_REQUESTS.labels(view=view, result="hit").inc()
        response = Response(data)
        response["X-Cache"] = "HIT"
        return response
    response = build()
    if reachable:
        CACHE_REQUESTS.labels(view=view, result="miss").inc()
        if response.status_code == 200:
            try:
                cache.set(key, response.data, settings.DHARMA_API_CACHE_SECONDS)
            except Exception:
                logger.warning("API cache write failed for %s", view, exc_info=True)
                CACHE_REQUESTS.labels(view=view, result="error").inc()
    response["X-Cache"] = "MISS"
    return response
