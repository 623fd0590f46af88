"""Prometheus metrics of what the validation measures, served at `/metrics/validation` (a scrape
job of its own: `/metrics` stays free of database reads and of calls to other services).

From the database, at each scrape (platform rows only: load-test runs and checks that belong to
no tenant):
- the latest finished load-test run of each (name, target) within `LOADTEST_WINDOW`:
  `dharma_loadtest_p95_seconds`, `dharma_loadtest_p99_seconds`,
  `dharma_loadtest_request_rate`, `dharma_loadtest_error_ratio`,
  `dharma_loadtest_thresholds_passed` (1 or 0), `dharma_loadtest_finished_timestamp_seconds`;
- the latest validation run: `dharma_validation_check_ok{check, service, critical}` (1 passed or
  warned, 0 failed; a check that measured nothing is left out) and
  `dharma_validation_run_timestamp_seconds`;
- each service's `dharma_service_availability_ratio{service, environment, window}` and
  `dharma_service_status_changes{service, environment}` (over its last checks; see `history`).

From PgBouncer's admin console (`DHARMA_PGBOUNCER_ADMIN_URL`; SHOW POOLS), live:
`dharma_pgbouncer_pool_clients{database, user, state}` (active, waiting),
`dharma_pgbouncer_pool_servers{database, user, state}` (active, idle, used, tested, login),
`dharma_pgbouncer_pool_maxwait_seconds{database, user}` and `dharma_pgbouncer_up` (1 when the
console answered, 0 when it did not; absent when no console is configured).
"""

from collections.abc import Iterator
from datetime import timedelta

import psycopg
from django.conf import settings
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.loadtests.models import LoadTestRun, RunStatus
from apps.validation import history, selectors
from apps.validation.checks.pgbouncer import console_rows
from apps.validation.models import ValidationRun

LOADTEST_WINDOW = timedelta(days=30)
LOADTEST_SERIES = 50  # at most this many (name, target) pairs
PGBOUNCER_TIMEOUT = 2  # seconds to connect to the console; a scrape must not hang


class StoredMeasurementsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._loadtests()
        yield from self._validation()
        yield from self._services()

    def _loadtests(self) -> Iterator[GaugeMetricFamily]:
        labels = ["name", "target"]
        families = {
            "p95": GaugeMetricFamily(
                "dharma_loadtest_p95_seconds",
                "p95 of http_req_duration of the latest finished load-test run.",
                labels=labels,
            ),
            "p99": GaugeMetricFamily(
                "dharma_loadtest_p99_seconds",
                "p99 of http_req_duration of the latest finished load-test run.",
                labels=labels,
            ),
            "rate": GaugeMetricFamily(
                "dharma_loadtest_request_rate",
                "Requests per second of the latest finished load-test run.",
                labels=labels,
            ),
            "errors": GaugeMetricFamily(
                "dharma_loadtest_error_ratio",
                "Share of failed requests (http_req_failed) of the latest finished load-test run.",
                labels=labels,
            ),
            "thresholds": GaugeMetricFamily(
                "dharma_loadtest_thresholds_passed",
                "1 when every threshold of the latest finished load-test run passed, else 0.",
                labels=labels,
            ),
            "finished": GaugeMetricFamily(
                "dharma_loadtest_finished_timestamp_seconds",
                "When the latest finished load-test run ended (Unix time).",
                labels=labels,
            ),
        }
        runs = (
            LoadTestRun.objects.filter(
                tenant__isnull=True,
                parent__isnull=True,
                status__in=(RunStatus.PASSED, RunStatus.FAILED),
                finished_at__gte=timezone.now() - LOADTEST_WINDOW,
            )
            .order_by("-finished_at")
            .values_list(
                "name", "target_url", "p95_ms", "p99_ms", "request_rate", "error_rate",
                "thresholds", "finished_at",
            )[:500]
        )  # fmt: skip
        seen: set[tuple[str, str]] = set()
        for name, target, p95, p99, rate, errors, thresholds, finished in runs:
            if (name, target) in seen or len(seen) >= LOADTEST_SERIES:
                continue
            seen.add((name, target))
            values = [name, target]
            if p95 is not None:
                families["p95"].add_metric(values, p95 / 1000)
            if p99 is not None:
                families["p99"].add_metric(values, p99 / 1000)
            if rate is not None:
                families["rate"].add_metric(values, rate)
            if errors is not None:
                families["errors"].add_metric(values, errors)
            if thresholds:
                families["thresholds"].add_metric(
                    values, float(all(threshold["ok"] for threshold in thresholds))
                )
            if finished is not None:  # always set for finished runs; the column allows NULL
                families["finished"].add_metric(values, finished.timestamp())
        yield from families.values()

    def _validation(self) -> Iterator[GaugeMetricFamily]:
        ok = GaugeMetricFamily(
            "dharma_validation_check_ok",
            "Readiness checks of the latest validation run: 1 passed or warned, 0 failed.",
            labels=["check", "service", "critical"],
        )
        when = GaugeMetricFamily(
            "dharma_validation_run_timestamp_seconds",
            "When the latest validation run finished (Unix time).",
        )
        run = ValidationRun.objects.order_by("-started_at").first()
        if run is not None:
            when.add_metric([], run.finished_at.timestamp())
            for result in run.results:
                if result["status"] == "not measured":
                    continue
                ok.add_metric(
                    [result["check"], result["service"], str(result["critical"]).lower()],
                    float(result["status"] != "fail"),
                )
        yield ok
        yield when

    def _services(self) -> Iterator[GaugeMetricFamily]:
        availability = GaugeMetricFamily(
            "dharma_service_availability_ratio",
            "Share of a service's measured readiness checks that passed, over a window.",
            labels=["service", "environment", "window"],
        )
        changes = GaugeMetricFamily(
            "dharma_service_status_changes",
            f"Up/down changes of a service over its last {history.FLAP_WINDOW} measured checks "
            f"({history.FLAP_THRESHOLD} or more is flapping).",
            labels=["service", "environment"],
        )
        for summary in selectors.service_summaries():
            for window, share in summary.availability.items():
                if share is not None:
                    availability.add_metric([summary.service, summary.environment, window], share)
            changes.add_metric([summary.service, summary.environment], summary.flaps)
        yield availability
        yield changes


class PgBouncerPoolsCollector(Collector):
    def __init__(self, dsn: str | None = None) -> None:
        self.dsn = settings.DHARMA_PGBOUNCER_ADMIN_URL if dsn is None else dsn

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["database", "user", "state"]
        clients = GaugeMetricFamily(
            "dharma_pgbouncer_pool_clients",
            "PgBouncer client connections by pool and state (SHOW POOLS).",
            labels=labels,
        )
        servers = GaugeMetricFamily(
            "dharma_pgbouncer_pool_servers",
            "PgBouncer server connections by pool and state (SHOW POOLS).",
            labels=labels,
        )
        maxwait = GaugeMetricFamily(
            "dharma_pgbouncer_pool_maxwait_seconds",
            "How long the oldest waiting client of a pool has waited (SHOW POOLS).",
            labels=["database", "user"],
        )
        up = GaugeMetricFamily(
            "dharma_pgbouncer_up", "1 when PgBouncer's admin console answered, 0 when it did not."
        )
        if self.dsn:
            try:
                with psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    connect_timeout=PGBOUNCER_TIMEOUT,
                    cursor_factory=psycopg.ClientCursor,
                ) as conn:
                    pools = console_rows(conn, "SHOW POOLS")
            except psycopg.Error:
                up.add_metric([], 0)
            else:
                up.add_metric([], 1)
                for pool in pools:
                    if pool["database"] == "pgbouncer":
                        continue
                    key = [str(pool["database"]), str(pool["user"])]
                    for state in ("active", "waiting"):
                        clients.add_metric([*key, state], float(pool.get(f"cl_{state}", 0)))
                    for state in ("active", "idle", "used", "tested", "login"):
                        servers.add_metric([*key, state], float(pool.get(f"sv_{state}", 0)))
                    seconds = float(pool.get("maxwait", 0)) + float(pool.get("maxwait_us", 0)) / 1e6
                    maxwait.add_metric(key, seconds)
        yield from (clients, servers, maxwait, up)


def collectors() -> list[Collector]:
    return [StoredMeasurementsCollector(), PgBouncerPoolsCollector()]
