"""A circuit breaker in front of every Redis connection the caches open.

A Redis that is slow or hung (SIGSTOP, a full network buffer, a stalled failover) must cost a
request at most a few milliseconds. Every connection of the django-redis pools (the `default`
cache — sessions, DRF throttles —, the `responses` cache and the health probe, which all share
one pool per URL) goes through one breaker per Redis server and process:

- closed: commands run with short socket timeouts (DHARMA_REDIS_CONNECT_TIMEOUT,
  DHARMA_REDIS_SOCKET_TIMEOUT) and no retries (redis-py's own retries would multiply them);
  DHARMA_REDIS_BREAKER_FAILURES consecutive connection errors or timeouts open it;
- open: for DHARMA_REDIS_BREAKER_RESET_SECONDS every command fails at once with
  `CircuitOpenError` (a redis `ConnectionError`, so each cache user falls back as it does for
  a dead Redis: django-redis' IGNORE_EXCEPTIONS, the response cache's database path, the tenant
  `cache_epoch` bump of writers);
- half-open: then one thread's commands probe the server; an answer closes the breaker, a
  failure opens it again for another period.

The wrapping sits in the connection class (`connect`, `send_packed_command`, `read_response`),
so pipelines and Lua scripts are covered too. Command errors (a Redis `ResponseError`) are
answers, not failures.

Exported in /metrics: `dharma_cache_circuit_open{server}` (1 while open or half-open, the
highest over live workers) and `dharma_cache_circuit_trips_total{server}`.
"""

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django_redis.pool import ConnectionFactory
from prometheus_client import Counter, Gauge
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

CIRCUIT_OPEN = Gauge(
    "dharma_cache_circuit_open",
    "1 while the Redis circuit breaker is open or half-open (commands skipped), else 0.",
    ["server"],
    multiprocess_mode="livemax",
)
CIRCUIT_TRIPS = Counter(
    "dharma_cache_circuit_trips",
    "Times the Redis circuit breaker opened (consecutive failures, or a failed probe).",
    ["server"],
)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class CircuitOpenError(RedisConnectionError):
    """Raised instead of talking to a Redis whose breaker is open."""


class CircuitBreaker:
    """Thread-safe breaker: `allow()` before talking to the server, then `record_success()` or
    `record_failure()`. While half-open, only the thread that was let through probes (another
    thread is let through only if that probe has not reported within a period)."""

    def __init__(self, name: str, *, failure_threshold: int, reset_seconds: float) -> None:
        self.name = name
        self.failure_threshold = max(1, failure_threshold)
        self.reset_seconds = reset_seconds
        self.state = CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probe: tuple[int, float] | None = None  # (thread id, since)
        self._lock = threading.Lock()
        CIRCUIT_OPEN.labels(server=name).set(0)

    def allow(self) -> bool:
        if self.state == CLOSED:  # the fast path: no lock while all is well
            return True
        with self._lock:
            now = time.monotonic()
            thread = threading.get_ident()
            if self.state == CLOSED:
                return True
            if self.state == OPEN:
                if now - self._opened_at < self.reset_seconds:
                    return False
                self.state = HALF_OPEN
                self._probe = (thread, now)
                return True
            assert self._probe is not None
            probing_thread, since = self._probe
            if probing_thread == thread:
                return True
            if now - since >= self.reset_seconds:  # that probe never reported: take it over
                self._probe = (thread, now)
                return True
            return False

    def record_success(self) -> None:
        if self.state == CLOSED and self.failures == 0:
            return
        with self._lock:
            self.failures = 0
            if self.state != CLOSED:
                self.state = CLOSED
                self._probe = None
                CIRCUIT_OPEN.labels(server=self.name).set(0)
                logger.warning("Redis %s answers again: circuit breaker closed", self.name)

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.state == HALF_OPEN or (
                self.state == CLOSED and self.failures >= self.failure_threshold
            ):
                self.state = OPEN
                self._opened_at = time.monotonic()
                self._probe = None
                CIRCUIT_OPEN.labels(server=self.name).set(1)
                CIRCUIT_TRIPS.labels(server=self.name).inc()
                logger.warning(
                    "Redis %s failed %d time(s) in a row: circuit breaker open for %s s",
                    self.name,
                    self.failures,
                    self.reset_seconds,
                )


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(server: str) -> CircuitBreaker:
    """The process's breaker for a Redis server (`host:port` or a socket path)."""
    breaker = _breakers.get(server)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.get(server)
            if breaker is None:
                breaker = _breakers[server] = CircuitBreaker(
                    server,
                    failure_threshold=settings.DHARMA_REDIS_BREAKER_FAILURES,
                    reset_seconds=settings.DHARMA_REDIS_BREAKER_RESET_SECONDS,
                )
    return breaker


def breakers() -> dict[str, CircuitBreaker]:
    return dict(_breakers)


class BreakerConnectionMixin:
    """Put a redis-py connection class behind its server's breaker."""

    _sock: Any
    _breaker: CircuitBreaker | None = None

    def _server_breaker(self) -> CircuitBreaker:
        if self._breaker is None:
            kwargs: Any = self
            path = getattr(kwargs, "path", None)
            server = path or f"{getattr(kwargs, 'host', '?')}:{getattr(kwargs, 'port', '?')}"
            self._breaker = breaker_for(server)
        return self._breaker

    def _failed(self, error: BaseException) -> None:
        """Count a failure once, though it may pass several wrapped methods (a connect's
        handshake is a command)."""
        if not getattr(error, "_dharma_breaker_counted", False):
            self._server_breaker().record_failure()
            error._dharma_breaker_counted = True  # type: ignore[attr-defined]

    def _refuse(self) -> None:
        raise CircuitOpenError(f"circuit open: Redis {self._server_breaker().name} is skipped")

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        if self._sock:
            return
        breaker = self._server_breaker()
        if not breaker.allow():
            self._refuse()
        try:
            super().connect_check_health(*args, **kwargs)  # type: ignore[misc]
        except FAILURES as error:
            self._failed(error)
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        breaker = self._server_breaker()
        if not breaker.allow():
            self._refuse()
        try:
            super().send_packed_command(command, check_health)  # type: ignore[misc]
        except FAILURES as error:
            self._failed(error)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        breaker = self._server_breaker()
        try:
            response = super().read_response(*args, **kwargs)  # type: ignore[misc]
        except FAILURES as error:
            self._failed(error)
            raise
        except Exception:
            breaker.record_success()  # an error reply is still an answer
            raise
        breaker.record_success()
        return response


_breaker_classes: dict[type, type] = {}


def breaker_connection_class(base: type) -> type:
    """`base` (Connection, SSLConnection, UnixDomainSocketConnection...) behind the breaker."""
    if issubclass(base, BreakerConnectionMixin):
        return base
    if base not in _breaker_classes:
        _breaker_classes[base] = type(f"Breaker{base.__name__}", (BreakerConnectionMixin, base), {})
    return _breaker_classes[base]


class BreakerConnectionFactory(ConnectionFactory):
    """django-redis `CONNECTION_FACTORY`: pools whose connections go through the breaker, with
    redis-py's retries off (a retry would multiply the timeouts)."""

    def get_connection_pool(self, params: dict[str, Any]) -> Any:
        pool = super().get_connection_pool(params)
        pool.connection_class = breaker_connection_class(pool.connection_class)
        pool.connection_kwargs["retry"] = Retry(NoBackoff(), 0)
        pool.connection_kwargs["retry_on_error"] = []
        pool.connection_kwargs["retry_on_timeout"] = False
        pool.reset()
        return pool


class SkipCircuitOpen(logging.Filter):
    """Logging filter: drop the records of errors that only say the breaker is open (one per
    skipped command: the trip itself is logged once by the breaker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        for _ in range(5):  # the error or what it was raised from (chains can loop)
            if exc is None:
                return True
            if isinstance(exc, CircuitOpenError):
                return False
            exc = exc.__cause__ or exc.__context__
        return True
