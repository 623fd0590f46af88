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

Redis *lives*: a Redis restarted from an older snapshot (or a replica promoted while it lagged)
comes back with older tokens *and* the responses stored under them, so a token match alone could
serve a revision older than the last acknowledged write. A response is therefore trusted only in
the Redis life it was stored in: Redis' `run_id` (new on every start, different on every server)
is written, by the storing Lua script itself, in front of each stored response, and the lookup
script (one round trip: run_id, value, tokens) treats a response of another life as a miss. A
store is also refused unless the life is still the one the caller saw *before* it read the
database (the lookup's, or `current_life()` before a write), so nothing read before a restart is
stored after it. Local-memory caches (first run, no Redis) have no lives: they die with the
process.

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
from redis.commands.core import Script
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


# Every script starts from the life it runs in: Redis' run_id (INFO server). Scripts that write
# after reading it need effects replication (the default since Redis 5; asked for on older ones).
_LIFE = """
if redis.replicate_commands then redis.replicate_commands() end
local life = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
"""
# KEYS: value, token... ARGV: none. -> {life, value stored in this life (life stripped), tokens...}
_LOOKUP = (
    _LIFE
    + """
local reply = {life, false}
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, #life) == life then
  reply[2] = string.sub(value, #life + 1)
end
for i = 2, #KEYS do
  reply[i + 1] = redis.call('GET', KEYS[i]) or false
end
return reply
"""
)
# KEYS: value. ARGV: life seen before the database was read, encoded value, seconds.
_STORE = (
    _LIFE
    + """
if life ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], life .. ARGV[2], 'EX', ARGV[3])
return 1
"""
)
# KEYS: token, value. ARGV: revision, encoded value (or "" to raise the token only), seconds,
# life seen before the value was read (or committed) from the database.
_STORE_AT_REVISION = (
    _LIFE
    + """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) and tonumber(current) > tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and ARGV[4] == life then
  redis.call('SET', KEYS[2], life .. ARGV[2], 'EX', ARGV[3])
end
return 1
"""
)
_SCRIPTS = {name: Script(None, text.encode()) for name, text in [  # type: ignore[arg-type]
    ("life", _LIFE + "return life"),
    ("lookup", _LOOKUP),
    ("store", _STORE),
    ("store_at_revision", _STORE_AT_REVISION),
]}  # fmt: skip
_local_lock = threading.Lock()  # the same steps for a process-local cache (first run, no Redis)


@dataclass(frozen=True)
class Found:
    life: str | None  # the Redis life of the lookup (None: a local-memory cache, no lives)
    value: Any  # the stored value, if it was stored in this life, else None
    tokens: list[Any]


def _redis(cache) -> Any:
    """The django-redis client of `cache`, or None for a local-memory cache."""
    client = getattr(cache, "client", None)
    return client if client is not None and hasattr(client, "get_client") else None


def cache_lookup(cache, value_key: str, token_keys: list[str]) -> Found:
    """The value stored at `value_key` and the current tokens, in one round trip. Raises on
    cache errors."""
    client = _redis(cache)
    if client is None:
        found = cache.get_many([value_key, *token_keys])
        return Found(None, found.get(value_key), [found.get(key) for key in token_keys])
    reply = _SCRIPTS["lookup"](
        keys=[client.make_key(value_key), *(client.make_key(key) for key in token_keys)],
        client=client.get_client(write=False),
    )
    life, value, *tokens = reply
    return Found(
        life.decode(),
        None if value is None else client.decode(value),
        [None if token is None else client.decode(token) for token in tokens],
    )


def current_life(cache=None) -> str | None:
    """The Redis life now (None for a local-memory cache, or when Redis does not answer), to
    be seen *before* a write whose result will be stored (`write_through`)."""
    client = _redis(cache or caches["responses"])
    if client is None:
        return None
    try:
        return _SCRIPTS["life"](client=client.get_client(write=True)).decode()
    except Exception:
        logger.warning("API cache unreachable: no write-through", exc_info=True)
        return None


def cache_store(cache, value_key: str, value: Any, *, life: str | None, seconds: int) -> bool:
    """Store `value` unless Redis has restarted (or failed over) since `life` was seen. Raises
    on cache errors."""
    client = _redis(cache)
    if client is None:
        cache.set(value_key, value, seconds)
        return True
    if life is None:
        return False
    return bool(
        _SCRIPTS["store"](
            keys=[client.make_key(value_key)],
            args=[life, client.encode(value), seconds],
            client=client.get_client(write=True),
        )
    )


def store_at_revision(
    key: VersionedKey, revision: int, data: Any = None, *, life: str | None = None
) -> bool:
    """Raise `key.token` to `revision` and, when `data` is given (and Redis is still in `life`,
    seen before `data` was read), store it as the response at that revision, unless the token
    is already past it. Atomic; raises on cache errors."""
    cache = caches["responses"]
    client = _redis(cache)
    if client is not None:
        stored = b"" if data is None or life is None else client.encode((revision, data))
        return bool(
            _SCRIPTS["store_at_revision"](
                keys=[client.make_key(key.token), client.make_key(key.value)],
                args=[revision, stored, settings.DHARMA_API_CACHE_SECONDS, life or ""],
                client=client.get_client(write=True),
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


def write_through(
    view: str, key: VersionedKey, revision: int, data: Any, *, life: str | None
) -> None:
    """After a write: store its own result as the next read's response, once it commits.
    `life`: `current_life()` seen before the write (None for a local-memory cache)."""
    if life is None and _redis(caches["responses"]) is not None:
        return  # Redis' life before the write is unknown: the next read stores the response

    def store() -> None:
        try:
            store_at_revision(key, revision, data, life=life)
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
        found = cache_lookup(cache, key.value, [key.token])
    except Exception:
        logger.warning("API cache read failed for %s", view, exc_info=True)
        CACHE_REQUESTS.labels(view=view, result="error").inc()
        return build()
    token = found.tokens[0]
    stored = found.value
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
            store_at_revision(key, revision_of(response.data), response.data, life=found.life)
        elif token is None:
            # No token yet (first read, or evicted): start one, but store nothing under it. The
            # response was read from the database before the token existed, and a write in
            # between may have set the token already: only a token read *before* the database
            # read proves the response current.
            cache.add(key.token, uuid.uuid4().hex, timeout=None)
        else:
            cache_store(
                cache,
                key.value,
                (token, response.data),
                life=found.life,
                seconds=settings.DHARMA_API_CACHE_SECONDS,
            )
    except Exception:
        logger.warning("API cache write failed for %s", view, exc_info=True)
        CACHE_REQUESTS.labels(view=view, result="error").inc()
    return response
