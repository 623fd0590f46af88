"""The circuit breaker's states, without a server (the Redis faults are in test_cache_faults.py)."""

import threading

from prometheus_client import REGISTRY

from apps.core.cache_breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


def trips(name: str) -> float:
    return REGISTRY.get_sample_value("dharma_cache_circuit_trips_total", {"server": name}) or 0.0


def other_thread_allowed(breaker: CircuitBreaker) -> bool:
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(breaker.allow()))
    thread.start()
    thread.join()
    return result[0]


def test_opens_after_consecutive_failures_only():
    breaker = CircuitBreaker("test:consecutive", failure_threshold=3, reset_seconds=3600)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # an answer in between starts the count again
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN
    assert not breaker.allow()
    assert not other_thread_allowed(breaker)
    assert trips("test:consecutive") == 1
    assert REGISTRY.get_sample_value("dharma_cache_circuit_open", {"server": "test:consecutive"})


def test_half_open_lets_one_thread_probe_and_its_answer_decides():
    breaker = CircuitBreaker("test:half-open", failure_threshold=1, reset_seconds=0)
    breaker.record_failure()
    assert breaker.state == OPEN
    assert breaker.allow()  # the period is over: this thread probes
    assert breaker.state == HALF_OPEN
    assert breaker.allow()  # its next command too (a connect's handshake, a pipeline)
    breaker.record_failure()  # the probe failed: open again
    assert breaker.state == OPEN
    assert trips("test:half-open") == 2
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED
    assert other_thread_allowed(breaker)
    assert REGISTRY.get_sample_value("dharma_cache_circuit_open", {"server": "test:half-open"}) == 0


def test_only_the_probing_thread_talks_while_half_open():
    breaker = CircuitBreaker("test:one-probe", failure_threshold=1, reset_seconds=3600)
    breaker.record_failure()
    breaker._opened_at -= 3600  # the open period is over
    assert breaker.allow()
    assert breaker.state == HALF_OPEN
    assert not other_thread_allowed(breaker)
