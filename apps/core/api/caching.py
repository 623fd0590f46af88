"""Redis cache for API responses.

A response is stored with the generation token it was built under; a lookup fetches the value and
the current token in one round trip (MGET) and uses the value only when they match. Writers
replace tokens (see apps/blueprints/caching.py), so nothing is deleted to invalidate, and a
response cannot be served after a write. A cache that is down or slow never fails a request: the
error is counted and the response is built from the database.

Exported in /metrics: `dharma_api_cache_requests_total{view, result="hit"|"miss"|"error"}`.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class VersionedKey:
    value: str  # where the response is stored
    token: str  # where the current generation token of what it shows is kept


def cached_response(
    view: str,
    key: VersionedKey,
    build: Callable[[], Response],
    still_fresh: Callable[[Any], bool] | None = None,
) -> Response:
    """`still_fresh(data)`, when given, is asked before a stored response is used (for one
    whose items can change without changing its token, e.g. a page of a list)."""
    cache = caches["responses"]
    try:
        found = cache.get_many([key.value, key.token])
    except Exception:
        logger.warning("API cache read failed for %s", view, exc_info=True)
        CACHE_REQUESTS.labels(view=view, result="error").inc()
        return build()
    token = found.get(key.token)
    stored = found.get(key.value)
    if (
        token is not None
        and stored is not None
        and stored[0] == token
        and (still_fresh is None or still_fresh(stored[1]))
    ):
        CACHE_REQUESTS.labels(view=view, result="hit").inc()
        response = Response(stored[1])
        response["X-Cache"] = "HIT"
        return response
    CACHE_REQUESTS.labels(view=view, result="miss").inc()
    response = build()
    response["X-Cache"] = "MISS"
    if response.status_code != 200:
        return response
    try:
        if token is None:
            # No token yet (first read, or evicted): start one, but store nothing under it. The
            # response was read from the database before the token existed, and a write in
            # between may have set the token already: only a token read *before* the database
            # read proves the response current.
            cache.add(key.token, uuid.uuid4().hex, timeout=None)
        else:
            cache.set(key.value, (token, response.data), settings.DHARMA_API_CACHE_SECONDS)
    except Exception:
        logger.warning("API cache write failed for %s", view, exc_info=True)
        CACHE_REQUESTS.labels(view=view, result="error").inc()
    return response
