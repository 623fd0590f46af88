"""The health contract (original-system §3), measured on every call.

- `/health`: database round trip and one cache round trip. For a caller allowed to see
  platform-wide figures (apps/operations/scrape_auth.py) the round trip also yields the
  guardrail-finding stats, counted across every tenant; anonymous callers get no `stats`.
  healthy = both answer; degraded = the cache does not (HTTP 200; `circuit: open` when the
  Redis circuit breaker skips it, answered without waiting on Redis); unhealthy = the database
  does not (HTTP 503).
- `/health/live`: no I/O at all.
- `/health/ready`: database, cache and no unapplied migration, else 503 naming what failed.
"""

import contextlib
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count, Q

from apps.core.cache_breaker import CircuitOpenError

PROCESS_STARTED = time.monotonic()
CACHE_PROBE_KEY = "dharma:health:probe"


@dataclass(frozen=True)
class Probe:
    ok: bool
    response_time_ms: float
    error: str | None = None
    data: dict = field(default_factory=dict)


def uptime_seconds() -> float:
    return round(time.monotonic() - PROCESS_STARTED, 3)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


# The finding counts are recounted at most every DHARMA_HEALTH_STATS_TTL seconds per process;
# in between, the database round trip is a plain SELECT 1. A probe's cost thus stays flat however
# many findings accumulate.
_stats_memo: tuple[float, dict] | None = None


def probe_database() -> Probe:
    """One database round trip: SELECT 1."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        _discard_broken_connection()
        return Probe(ok=False, response_time_ms=_elapsed_ms(started), error=_describe(exc))
    return Probe(ok=True, response_time_ms=_elapsed_ms(started))


def probe_database_with_stats() -> Probe:
    """One database round trip, which recounts the guardrail findings when they are stale."""
    global _stats_memo
    started = time.perf_counter()
    memo = _stats_memo
    try:
        if memo is not None and started - memo[0] < settings.DHARMA_HEALTH_STATS_TTL:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            stats = memo[1]
        else:
            stats = _count_findings()
            _stats_memo = (started, stats)
    except DatabaseError as exc:
        _discard_broken_connection()
        return Probe(ok=False, response_time_ms=_elapsed_ms(started), error=_describe(exc))
    return Probe(ok=True, response_time_ms=_elapsed_ms(started), data=stats)


def _count_findings() -> dict:
    from apps.guardrails.models import PolicyViolation

    since = datetime.now(UTC) - timedelta(hours=24)
    return PolicyViolation.objects.aggregate(
        totalEvents=Count("id"),
        last24Hours=Count("id", filter=Q(detected_at__gte=since)),
        criticalEvents=Count("id", filter=Q(severity="critical")),
    )


def probe_database_migrations() -> Probe:
    """One query: the applied migrations, compared with those on disk."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except DatabaseError as exc:
        _discard_broken_connection()
        return Probe(ok=False, response_time_ms=_elapsed_ms(started), error=_describe(exc))
    unapplied = [
        f"{app}.{name}"
        for (app, name), replaces in _migrations_on_disk().items()
        if (app, name) not in applied and not (replaces and set(replaces) <= applied)
    ]
    return Probe(
        ok=True, response_time_ms=_elapsed_ms(started), data={"unapplied": sorted(unapplied)}
    )


def probe_cache() -> Probe:
    """One round trip to the cache. Talks to Redis directly: the cache backend itself is told
    to swallow errors so that a cache outage never fails an ordinary request. The round trip
    goes through the circuit breaker (apps/core/cache_breaker.py): while it is open the probe
    answers at once, with `circuit: open`, instead of waiting on a hung Redis."""
    started = time.perf_counter()
    try:
        client = getattr(cache, "client", None)
        if client is not None and hasattr(client, "get_client"):
            client.get_client(write=False).get(cache.make_key(CACHE_PROBE_KEY))
        else:
            cache.get(CACHE_PROBE_KEY)
    except CircuitOpenError as exc:
        return Probe(
            ok=False,
            response_time_ms=_elapsed_ms(started),
            error=str(exc),
            data={"circuit": "open"},
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the cache means "disconnected"
        return Probe(ok=False, response_time_ms=_elapsed_ms(started), error=_describe(exc))
    return Probe(ok=True, response_time_ms=_elapsed_ms(started))


@functools.cache
def _migrations_on_disk() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: tuple(loader.disk_migrations[key].replaces) for key in loader.graph.nodes}


def _discard_broken_connection() -> None:
    # A failed connection attempt must not be reused by the next request of this process.
    with contextlib.suppress(DatabaseError):
        connection.close()


def health_payload(*, include_stats: bool) -> tuple[dict, int]:
    """`include_stats`: add the guardrail-finding counts of every tenant (platform callers)."""
    database = probe_database_with_stats() if include_stats else probe_database()
    cache_probe = probe_cache()
    if not database.ok:
        status, http_status = "unhealthy", 503
    elif not cache_probe.ok:
        status, http_status = "degraded", 200
    else:
        status, http_status = "healthy", 200
    database_body: dict = {
        "status": "connected" if database.ok else "disconnected",
        "responseTime": database.response_time_ms,
    }
    if database.error:
        database_body["error"] = database.error
    cache_body: dict = {
        "status": "connected" if cache_probe.ok else "disconnected",
        "responseTime": cache_probe.response_time_ms,
    }
    if cache_probe.error:
        cache_body["error"] = cache_probe.error
    cache_body.update(cache_probe.data)
    body: dict = {
        "status": status,
        "timestamp": now_iso(),
        "uptime": uptime_seconds(),
        "version": settings.DHARMA_VERSION,
        "services": {"database": database_body, "cache": cache_body},
    }
    if include_stats:
        body["stats"] = database.data or {"totalEvents": 0, "last24Hours": 0, "criticalEvents": 0}
    return body, http_status


def liveness_payload() -> dict:
    return {"status": "ok", "timestamp": now_iso(), "uptime": uptime_seconds()}


def readiness_payload() -> tuple[dict, int]:
    database = probe_database_migrations()
    cache_probe = probe_cache()
    checks: dict = {
        "database": {
            "status": "healthy" if database.ok else "unhealthy",
            "latency": database.response_time_ms,
        },
        "cache": {
            "status": "healthy" if cache_probe.ok else "unhealthy",
            "latency": cache_probe.response_time_ms,
        },
    }
    if database.error:
        checks["database"]["error"] = database.error
    if cache_probe.error:
        checks["cache"]["error"] = cache_probe.error
    checks["cache"].update(cache_probe.data)
    if database.ok:
        unapplied = database.data["unapplied"]
        checks["migrations"] = {
            "status": "healthy" if not unapplied else "unhealthy",
            "unapplied": unapplied,
        }
    else:
        checks["migrations"] = {"status": "unknown", "error": "database unreachable"}
    failed = [name for name, check in checks.items() if check["status"] != "healthy"]
    body = {
        "status": "ready" if not failed else "not_ready",
        "failed": failed,
        "checks": checks,
        "uptime": uptime_seconds(),
        "timestamp": now_iso(),
    }
    return body, 200 if not failed else 503
