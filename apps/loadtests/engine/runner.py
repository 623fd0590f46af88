"""Runs one configuration on its own uvloop event loop and returns a RunResult.

The run: resolve the target once, log in when asked (before the clock starts; the login is not
part of the measured load), prepare every request's bytes, start the VUs' executor and a
once-a-second ticker (the series, the memory bound, the progress line), then close everything
and evaluate the thresholds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter, time

import uvloop

from apps.loadtests.engine import capacity
from apps.loadtests.engine.config import RunConfig
from apps.loadtests.engine.executors import ExecutorRun, VirtualUser
from apps.loadtests.engine.http import Endpoint, HttpClient, PreparedRequest, resolve
from apps.loadtests.engine.metrics import MetricsCollector, RequestBucket
from apps.loadtests.engine.results import RunResult


@dataclass(frozen=True)
class Progress:
    """What the live progress line shows, once a second."""

    elapsed_s: float
    planned_s: float
    vus: int
    vus_max: int
    requests_per_s: float
    p95_ms: float
    requests: int
    errors: int


class SampleSink:
    """Receives every request's samples (for `--out csv`); see summary.CsvSampleWriter."""

    def request(
        self,
        key: tuple[str, str, int],
        timestamp: float,
        phases_ms: dict[str, float],
        sent: int,
        received: int,
    ) -> None:
        raise NotImplementedError

    def iteration(self, timestamp: float, duration_ms: float) -> None:
        raise NotImplementedError


class _SamplingCollector(MetricsCollector):
    """A collector that also hands each sample to a sink (only used when one is asked for, so
    the ordinary hot path pays nothing for it)."""

    def __init__(self, max_exact_samples: int, sink: SampleSink) -> None:
        super().__init__(max_exact_samples)
        self.sink = sink

    def record_request(
        self,
        bucket: RequestBucket,
        blocked: float,
        connecting: float,
        tls_handshaking: float,
        sending: float,
        waiting: float,
        receiving: float,
        sent: int,
        received: int,
    ) -> None:
        super().record_request(
            bucket, blocked, connecting, tls_handshaking, sending, waiting, receiving, sent,
            received,
        )  # fmt: skip
        self.sink.request(
            bucket.key,
            time(),
            {
                "http_req_duration": (sending + waiting + receiving) * 1000,
                "http_req_blocked": blocked * 1000,
                "http_req_connecting": connecting * 1000,
                "http_req_tls_handshaking": tls_handshaking * 1000,
                "http_req_sending": sending * 1000,
                "http_req_waiting": waiting * 1000,
                "http_req_receiving": receiving * 1000,
            },
            sent,
            received,
        )

    def record_iteration(self, seconds: float) -> None:
        super().record_iteration(seconds)
        self.sink.iteration(time(), seconds * 1000)


class LoginError(Exception):
    pass


async def _login(config: RunConfig, endpoint: Endpoint) -> str:
    """POST the credentials to the token endpoint; the access token, or LoginError."""
    assert config.login is not None
    body = json.dumps({"email": config.login.email, "password": config.login.password}).encode()
    request = PreparedRequest(
        method="POST",
        path=config.login.path,
        name=config.login.path,
        target=config.target,
        headers=(("Content-Type", "application/json"),),
        body=body,
        keep_body=True,
    )
    client = HttpClient(endpoint, MetricsCollector(1), timeout=config.request_timeout_s)
    try:
        response = await client.request(request)
    finally:
        client.close()
    if response.status != 200 or response.body is None:
        reason = response.error or f"HTTP {response.status}"
        raise LoginError(f"login as {config.login.email} failed: {reason}")
    try:
        return str(json.loads(response.body)["access"])
    except (ValueError, KeyError, TypeError):
        raise LoginError("login answered 200 without an access token") from None


def prepare(config: RunConfig, token: str | None) -> list[PreparedRequest]:
    auth = (("Authorization", f"Bearer {token}"),) if token else ()
    return [
        PreparedRequest(
            method=spec.method,
            path=spec.path,
            name=spec.name,
            target=config.target,
            headers=spec.headers + auth,
            body=spec.body,
            keep_body=spec.needs_body,
        )
        for spec in config.scenario.requests
    ]


async def _ticker(
    collector: MetricsCollector,
    execution: ExecutorRun,
    config: RunConfig,
    on_second: Callable[[Progress], None] | None,
) -> None:
    """Close each second of the series at exact one-second marks from the start."""
    second = 0
    totals = [0, 0]
    while True:
        await asyncio.sleep(max(0.0, execution.started + second + 1 - perf_counter()))
        point = collector.tick(second, execution.active_vus, config.executor.max_vus)
        second += 1
        totals[0] += point.requests
        totals[1] += point.errors
        if on_second is not None:
            on_second(
                Progress(
                    elapsed_s=float(second),
                    planned_s=config.executor.planned_duration_s,
                    vus=point.vus,
                    vus_max=config.executor.max_vus,
                    requests_per_s=float(point.requests),
                    p95_ms=point.p95,
                    requests=totals[0],
                    errors=totals[1],
                )
            )


async def _run(
    config: RunConfig,
    collector: MetricsCollector,
    on_second: Callable[[Progress], None] | None,
    seed: int | None,
    stop: threading.Event | None = None,
) -> tuple[float, str | None]:
    try:
        endpoint = await resolve(config.target, insecure=config.insecure_skip_tls_verify)
    except OSError as exc:
        return 0.0, f"cannot resolve {config.target.host}: {exc}"
    token = None
    if config.login is not None:
        try:
            token = await _login(config, endpoint)
        except LoginError as exc:
            return 0.0, str(exc)
    prepared = prepare(config, token)
    rng = random.Random(seed)  # noqa: S311 - picks weighted requests, not secrets
    vus = [
        VirtualUser(
            number,
            HttpClient(endpoint, collector, timeout=config.request_timeout_s),
            config.scenario,
            prepared,
            collector,
            random.Random(rng.random()),  # noqa: S311
        )
        for number in range(config.executor.max_vus)
    ]
    execution = ExecutorRun(config.executor, vus, collector)
    execution.started = perf_counter()
    ticker = asyncio.create_task(_ticker(collector, execution, config, on_second))
    running = asyncio.create_task(execution.run())
    watcher = asyncio.create_task(_watch(stop, running)) if stop is not None else None
    aborted = None
    try:
        await running
    except asyncio.CancelledError:
        if stop is None or not stop.is_set():
            raise
        aborted = "cancelled"  # what was measured until then is kept
    finally:
        for task in (ticker, watcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for vu in vus:
            if vu.task is not None and not vu.task.done():
                vu.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await vu.task
            vu.client.close()
    duration = perf_counter() - execution.started
    closed = len(collector.store.series)
    if duration > closed or collector.second_so_far[0]:
        collector.tick(closed, 0, config.executor.max_vus, final=True)
    return duration, aborted


async def _watch(stop: threading.Event, running: asyncio.Task[None]) -> None:
    """Cancel the run when another thread sets `stop` (a run cancelled from the admin)."""
    while not stop.is_set():
        await asyncio.sleep(0.2)
    running.cancel()


def run(
    config: RunConfig,
    *,
    on_second: Callable[[Progress], None] | None = None,
    sink: SampleSink | None = None,
    seed: int | None = None,
    stop: threading.Event | None = None,
) -> RunResult:
    """Run the test and return its result (thresholds evaluated). Blocks the calling thread.
    Setting `stop` (from another thread) ends the run early: `aborted` is then "cancelled".
    Raises CapacityError, before anything is sent, when this process cannot hold the VUs."""
    capacity.check_executor(config.executor)
    collector = (
        _SamplingCollector(config.max_exact_samples, sink)
        if sink is not None
        else MetricsCollector(config.max_exact_samples)
    )
    started_at = datetime.now(UTC)
    # The heap as it stands (Django, the configuration) is left out of the garbage collector's
    # full passes while the load runs: a pass over it stalls every VU at once (tens of ms with
    # Django loaded), which a server whose clients all reconnect would see as idle time.
    gc.collect()
    gc.freeze()
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            duration, aborted = runner.run(_run(config, collector, on_second, seed, stop))
    finally:
        gc.unfreeze()
    collector.store.duration_s = duration
    result = RunResult(
        config=config.to_dict(),
        store=collector.store,
        started_at=started_at.isoformat(),
        ended_at=datetime.now(UTC).isoformat(),
        aborted=aborted,
    )
    result.evaluate_thresholds()
    return result
