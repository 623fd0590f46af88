"""k6's executors: constant-vus, ramping-vus and constant-arrival-rate.

A VU owns one HTTP client (one keep-alive connection) and runs iterations of the scenario. What
ends an iteration early is an executor's stop: the iteration is cancelled, counted as
interrupted, and not counted in `iterations` (as in k6).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import Callable, Sequence
from time import perf_counter

from apps.loadtests.engine.config import (
    ConstantArrivalRate,
    ConstantVUs,
    Executor,
    RampingVUs,
    Stage,
)
from apps.loadtests.engine.http import HttpClient, PreparedRequest
from apps.loadtests.engine.metrics import MetricsCollector
from apps.loadtests.engine.scenario import Scenario


class VirtualUser:
    """One VU: runs iterations of the scenario with its own connection."""

    def __init__(
        self,
        number: int,
        client: HttpClient,
        scenario: Scenario,
        prepared: Sequence[PreparedRequest],
        collector: MetricsCollector,
        rng: random.Random,
    ) -> None:
        self.number = number
        self.client = client
        self.scenario = scenario
        self.prepared = prepared
        self.collector = collector
        self.rng = rng
        self.in_iteration = False
        self.active = False
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()
        self._sequence = scenario.flow == "sequence"
        self._simple = (
            not self._sequence
            and len(prepared) == 1
            and not scenario.requests[0].checks
            and not scenario.requests[0].think_s
        )

    async def iteration(self) -> None:
        """One iteration; on cancellation it counts as interrupted."""
        self.in_iteration = True
        start = perf_counter()
        try:
            if self._simple:  # the hot path of a one-request scenario
                await self.client.request(self.prepared[0])
            elif self._sequence:
                for index in range(len(self.prepared)):
                    await self._step(index)
            else:
                await self._step(self.scenario.pick(self.rng))
        except asyncio.CancelledError:
            self.collector.record_interrupted_iteration()
            raise
        finally:
            self.in_iteration = False
        self.collector.record_iteration(perf_counter() - start)

    async def _step(self, index: int) -> None:
        spec = self.scenario.requests[index]
        response = await self.client.request(self.prepared[index])
        for check in spec.checks:
            self.collector.record_check(check.name, check.evaluate(response.status, response.body))
        if spec.think_s:
            await asyncio.sleep(spec.think_s)


def stage_target(stages: Sequence[Stage], start_vus: int, elapsed: float) -> int:
    """VUs that ramping-vus wants `elapsed` seconds in: linear between stage targets, moving by
    whole VUs, truncated toward the stage's starting value as k6 does (a ramp from 0 to 10 over
    10 s has 1 VU from t = 1 s, and from 10 to 0 still 10 until t = 1 s)."""
    current, start = start_vus, 0.0
    for stage in stages:
        end = start + stage.duration_s
        if elapsed < end:
            if stage.duration_s == 0:
                return stage.target
            progress = (elapsed - start) / stage.duration_s
            return current + int((stage.target - current) * progress)
        current, start = stage.target, end
    return current


def stage_changes(stages: Sequence[Stage], start_vus: int) -> list[tuple[float, int]]:
    """The (time, VUs) steps of a ramping-vus plan, one per VU added or removed; the inverse of
    stage_target, so the controller sleeps exactly until the next change."""
    changes: list[tuple[float, int]] = [(0.0, start_vus)]
    current, start = start_vus, 0.0
    for stage in stages:
        difference = stage.target - current
        if stage.duration_s == 0 or difference == 0:
            if difference:
                changes.append((start, stage.target))
        else:
            step = 1 if difference > 0 else -1
            for n in range(1, abs(difference) + 1):
                changes.append((start + stage.duration_s * n / abs(difference), current + step * n))
        current = stage.target
        start += stage.duration_s
    return changes


class ExecutorRun:
    """Runs one executor over a pool of VUs; `active_vus` is the `vus` gauge."""

    def __init__(
        self,
        executor: Executor,
        vus: Sequence[VirtualUser],
        collector: MetricsCollector,
        clock: Callable[[], float] = perf_counter,
    ) -> None:
        self.executor = executor
        self.vus = vus
        self.collector = collector
        self.clock = clock
        self.started = 0.0
        self._busy = 0  # arrival-rate: VUs running an iteration
        self._stopping = False  # ramping-vus: the stages are over

    @property
    def active_vus(self) -> int:
        if isinstance(self.executor, ConstantArrivalRate):
            return self._busy
        return sum(1 for vu in self.vus if vu.active or vu.in_iteration)

    async def run(self) -> None:
        self.started = self.clock()
        executor = self.executor
        if isinstance(executor, ConstantVUs):
            await self._constant_vus(executor)
        elif isinstance(executor, RampingVUs):
            await self._ramping_vus(executor)
        else:
            await self._arrival_rate(executor)

    async def _stop(self, tasks: Sequence[asyncio.Task[None]], grace: float) -> None:
        """Give running iterations `grace` seconds to finish, then interrupt them."""
        pending = [task for task in tasks if not task.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            for task in still:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # --- constant-vus --------------------------------------------------------------------------

    async def _constant_vus(self, executor: ConstantVUs) -> None:
        end = self.started + executor.duration_s

        async def loop(vu: VirtualUser) -> None:
            while self.clock() < end:
                await vu.iteration()
            vu.active = False

        for vu in self.vus[: executor.vus]:
            vu.active = True
            vu.task = asyncio.create_task(loop(vu))
        tasks = [vu.task for vu in self.vus if vu.task is not None]
        await asyncio.wait(tasks, timeout=max(0.0, end - self.clock()))
        await self._stop(tasks, executor.graceful_stop_s)
        for vu in self.vus:
            vu.active = False

    # --- ramping-vus ---------------------------------------------------------------------------

    async def _vu_loop(self, vu: VirtualUser) -> None:
        while not self._stopping:
            if vu.active:
                await vu.iteration()
            else:
                vu.wake.clear()
                await vu.wake.wait()

    def _interrupt_later(self, vu: VirtualUser, grace: float) -> None:
        """A VU ramped down finishes its iteration within `grace`, else it is interrupted."""
        loop = asyncio.get_running_loop()

        def interrupt() -> None:
            if not vu.active and vu.in_iteration and vu.task is not None:
                vu.task.cancel()

        loop.call_later(grace, interrupt)

    def _set_target(self, target: int, grace: float) -> None:
        for vu in self.vus[:target]:
            if not vu.active:
                vu.active = True
                if vu.task is None or vu.task.done():
                    vu.task = asyncio.create_task(self._vu_loop(vu))
                vu.wake.set()
        for vu in self.vus[target:]:
            if vu.active:
                vu.active = False
                if vu.in_iteration:
                    self._interrupt_later(vu, grace)

    async def _ramping_vus(self, executor: RampingVUs) -> None:
        for at, target in stage_changes(executor.stages, executor.start_vus):
            delay = self.started + at - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)
            self._set_target(target, executor.graceful_ramp_down_s)
        remaining = self.started + executor.planned_duration_s - self.clock()
        if remaining > 0:
            await asyncio.sleep(remaining)
        self._stopping = True
        for vu in self.vus:
            vu.active = False
            vu.wake.set()  # idle VUs return; busy ones end after their iteration
        await self._stop([vu.task for vu in self.vus if vu.task], executor.graceful_stop_s)

    # --- constant-arrival-rate -----------------------------------------------------------------

    async def _arrival_rate(self, executor: ConstantArrivalRate) -> None:
        per_second = executor.iterations_per_second
        planned = executor.planned_iterations
        idle = list(reversed(self.vus[: executor.max_vus]))
        running: set[asyncio.Task[None]] = set()

        async def run_on(vu: VirtualUser) -> None:
            self._busy += 1
            try:
                await vu.iteration()
            finally:
                self._busy -= 1
                idle.append(vu)

        started = 0
        while started < planned:
            elapsed = self.clock() - self.started
            due = min(planned, math.floor(elapsed * per_second + 1e-9) + 1)
            while started < due:
                if idle:
                    task = asyncio.create_task(run_on(idle.pop()))
                    running.add(task)
                    task.add_done_callback(running.discard)
                else:
                    self.collector.record_dropped_iteration()
                started += 1
            if started < planned:
                await asyncio.sleep(max(0.0, started / per_second - (self.clock() - self.started)))
        remaining = self.started + executor.duration_s - self.clock()
        if remaining > 0 and running:
            await asyncio.wait(list(running), timeout=remaining)
        elif remaining > 0:
            await asyncio.sleep(remaining)
        await self._stop(list(running), executor.graceful_stop_s)
