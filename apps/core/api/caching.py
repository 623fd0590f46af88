"""Redis cache for API responses.

A response is stored with the generation token it was built under; a lookup fetches the value and
the current token in one round trip (MGET) and uses the value only when they match. Writers
replace tokens (see apps/blueprints/caching.py), so nothing is deleted to invalidate, and a
response cannot be served after a write. A cache that is down or slow never fails a request: the
error is counted and the response is built from the database.

Two kinds of token:
- random (`uuid4`), replaced by every write; a response is stored only under a token read
  *before* the database, so a fresh token starts empty;
- a *revision*: a number the database raises on every write of the row the response shows
  (`blueprints.revision`), so a response can say which state it shows. `store_at_revision`
  raises the token to that number and stores the response in one atomic step (a Lua script),
  and refuses when the token is already past it (a later write committed). That lets a reader
  store what it read on first use, and a writer store its own result (write-through).

Exported in /metrics: `dharma_api_cache_requests_total{view, result="hit"|"miss"|"error"}`.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
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


# KEYS: token, value. ARGV: revision, encoded value (or "" to raise the token only), seconds.
_STORE_AT_REVISION = """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) and tonumber(current) > tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return 1
"""
_local_lock = threading.Lock()  # the same step for a process-local cache (first run, no Redis)


def store_at_revision(key: VersionedKey, revision: int, data: Any = None) -> bool:
    """Raise `key.token` to `revision` and, when `data` is given, store it as the response at
    that revision, unless the token is already past it. Atomic; raises on cache errors."""
    cache = caches["responses"]
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis
        stored = b"" if data is None else client.encode((revision, data))
        return bool(
            client.get_client(write=True).eval(
                _STORE_AT_REVISION,
                2,
                client.make_key(key.token),
                client.make_key(key.value),
                revision,
                stored,
                settings.DHARMA_API_CACHE_SECONDS,
            )
        )
    with _local_lock:
        current = cache.get(key.token)
        if isinstance(current, int) and current > revision:
            return False
        cache.set(key.token, revision, timeout=None)
        if data is not None:
            cache.set(key.value, (revision, data), settings.DHARMA_API_CACHE_SECONDS)
        return True


def write_through(view: str, key: VersionedKey, revision: int, data: Any) -> None:
    """After a write: store its own result as the next read's response, once it commits."""

    def store() -> None:
        try:
            store_at_revision(key, revision, data)
        except Exception:
            logger.warning("API cache write-through failed for %s", view, exc_info=True)
            CACHE_REQUESTS.labels(view=view, result="error").inc()

    transaction.on_commit(store)


def cached_response(
    view: str,
    key: VersionedKey,
    build: Callable[[], Response],
    still_fresh: Callable[[Any], bool] | None = None,
    revision_of: Callable[[Any], int] | None = None,
) -> Response:
    """`still_fresh(data)`, when given, is asked before a stored response is used (for one
    whose items can change without changing its token, e.g. a page of a list).
    `revision_of(data)`, when given, says which revision a response shows: the key's token is
    then a revision, and a response read from the database is stored on first use."""
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
        if revision_of is not None:
            store_at_revision(key, revision_of(response.data), response.data)
        elif token is None:
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
