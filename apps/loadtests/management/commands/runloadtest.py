"""`manage.py runloadtest`: a k6-style load test from the command line.

    manage.py runloadtest --url http://127.0.0.1:8000 --path /health --vus 10 --duration 30s \\
        --threshold 'http_req_duration:p(95)<300' --threshold 'http_req_failed:rate<0.01'

Exit codes are k6's: 0 when every threshold passes, 99 when one fails, 2 for a usage error (a bad
duration, stage, threshold, scenario file or URL, or a host outside
DHARMA_LOADTEST_ALLOWED_HOSTS), 1 when the run itself could not proceed (the login failed) or
its result could not be stored (the database stayed unreachable: the result then waits in
DHARMA_SPOOL_DIR for `manage.py reaploadtests`).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.loadtests import compare, reports, services, tasks
from apps.loadtests.engine import capacity, runner, summary
from apps.loadtests.engine.config import (
    DEFAULT_GRACEFUL_RAMP_DOWN_S,
    DEFAULT_GRACEFUL_STOP_S,
    DEFAULT_REQUEST_TIMEOUT_S,
    PROFILES,
    parse_duration,
)
from apps.loadtests.engine.results import RunResult
from apps.loadtests.exceptions import ConfigError, ResultNotStoredError
from apps.loadtests.models import LoadTestRun, RunStatus
from apps.loadtests.options import config_from_options

EXIT_USAGE = 2
EXIT_ABORTED = 1
EXIT_THRESHOLDS = 99  # k6's ThresholdsHaveFailed
POLL_S = 0.5


class Command(BaseCommand):
    help = (
        "Run a k6-style load test against an allowed host: constant VUs, ramping stages or a "
        "constant arrival rate, with thresholds (exit code 99 when one fails)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_argument_group("target")
        target.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
        target.add_argument(
            "--path",
            action="append",
            default=[],
            help="GET this path (repeatable); PATH:N gives it weight N",
        )
        target.add_argument("--scenario", help="YAML/JSON scenario file (requests, checks)")
        target.add_argument("--login", metavar="EMAIL:PASSWORD", help="log in, send the token")
        target.add_argument(
            "--insecure-skip-tls-verify",
            action="store_true",
            help="https: accept any certificate (a self-signed one on a test host), as k6's flag",
        )
        shape = parser.add_argument_group("load shape")
        shape.add_argument("--vus", help="constant VUs (or startVUs with --stage)")
        shape.add_argument("--duration", help="e.g. 30s, 1m30s")
        shape.add_argument("--stage", action="append", default=[], help="DURATION:TARGET")
        shape.add_argument("--rate", help="iterations per second (constant arrival rate)")
        shape.add_argument("--max-vus", help="VUs available to --rate")
        shape.add_argument("--profile", choices=sorted(PROFILES), help="a predefined shape")
        shape.add_argument(
            "--graceful-stop",
            default=f"{DEFAULT_GRACEFUL_STOP_S:g}s",
            help="time running iterations get at the end (k6's gracefulStop, 30s)",
        )
        shape.add_argument(
            "--graceful-ramp-down",
            default=f"{DEFAULT_GRACEFUL_RAMP_DOWN_S:g}s",
            help="time ramped-down VUs get to finish (k6's gracefulRampDown, 30s)",
        )
        shape.add_argument(
            "--timeout",
            default=f"{DEFAULT_REQUEST_TIMEOUT_S:g}s",
            help="per-request timeout (60s, as k6)",
        )
        report = parser.add_argument_group("thresholds and output")
        report.add_argument("--threshold", action="append", default=[], help="METRIC:EXPR,...")
        report.add_argument(
            "--summary-trend-stats",
            default=",".join(summary.TREND_STATS_DEFAULT),
            help="trend statistics in the summary (avg,min,med,max,p(90),p(95))",
        )
        report.add_argument("--summary-export", metavar="FILE", help="k6-shaped summary JSON")
        report.add_argument("--out", action="append", default=[], help="csv=FILE: every sample")
        report.add_argument("--junit", metavar="FILE", help="JUnit XML of the thresholds")
        report.add_argument("--result", metavar="FILE", help="the full result JSON (mergeable)")
        report.add_argument(
            "--no-progress", action="store_true", help="no live progress line on stderr"
        )
        jobs = parser.add_argument_group("stored runs")
        jobs.add_argument("--name", help="a name for the stored run")
        jobs.add_argument(
            "--workers",
            type=int,
            default=1,
            help=(
                "split the load over N Celery workers, wait for their merged result (unless "
                "--async) and report it like a local run"
            ),
        )
        jobs.add_argument(
            "--wait-timeout",
            metavar="DURATION",
            help="with --workers: how long to wait beyond the planned duration (default 2m)",
        )
        jobs.add_argument(
            "--baseline", metavar="RUN_ID", help="compare with this stored run (Δ per metric)"
        )
        jobs.add_argument(
            "--report", metavar="FILE", help="the run written up as FILE.md or FILE.html"
        )
        jobs.add_argument(
            "--async",
            dest="run_async",
            action="store_true",
            help="queue the run on a Celery worker (queue `loadtests`) and print its id",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config, trend_stats, csv_path = config_from_options(options)
        except ConfigError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None
        baseline = self._baseline(options.get("baseline"))
        report = options.get("report")
        if report is not None:
            if Path(report).suffix.lower() not in {".md", ".html"}:
                raise CommandError("--report: the file must end in .md or .html", returncode=2)
            if not Path(report).resolve().parent.is_dir():
                raise CommandError(f"--report: the directory of {report!r} does not exist",
                                   returncode=2)  # fmt: skip
        password = None
        if options.get("login") and ":" in options["login"]:
            password = options["login"].split(":", 1)[1]
        if options["workers"] < 1 or options["workers"] > 64:
            raise CommandError("--workers: between 1 and 64", returncode=EXIT_USAGE)
        try:
            # The VUs of a run split over workers are spread: each part is checked (the
            # workers are taken to be machines like this one; each checks its part again).
            capacity.check_executor(config.executor, parts=options["workers"])
        except ConfigError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None
        queued_only = options["run_async"]
        if queued_only or options["workers"] > 1:
            self._refuse_local_outputs(options, queued_only=queued_only, csv=csv_path is not None)
        try:
            wait_timeout = options.get("wait_timeout")
            wait_s = config.executor.planned_duration_s + parse_duration(
                "2m" if wait_timeout is None else wait_timeout, what="--wait-timeout"
            )
        except ConfigError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None
        if options["workers"] > 1:
            try:
                parent = services.run_create_distributed(
                    options=options,
                    workers=options["workers"],
                    name=options["name"] or "",
                    baseline=baseline,
                )
            except ConfigError as exc:
                raise CommandError(str(exc), returncode=EXIT_USAGE) from None
            tasks.enqueue_parts(parent, password=password)
            parent.refresh_from_db()
            self.stdout.write(
                f"queued load-test run {parent.pk} over {options['workers']} workers "
                f"({parent.get_status_display().lower()})"
            )
            if queued_only:
                return
            parent = self._wait(parent, wait_s)
            if parent.result is None:
                raise CommandError(
                    f"load-test run {parent.pk} {parent.status}: {parent.error or 'no result'}",
                    returncode=EXIT_ABORTED,
                )
            self._finish(parent, RunResult.from_dict(parent.result), baseline, options, trend_stats)
            return
        if options["run_async"]:
            run = services.run_create(
                options=options, name=options["name"] or "", baseline=baseline
            )
            task_id = tasks.enqueue(run, password=password)
            self.stdout.write(f"queued load-test run {run.pk} (task {task_id or '-'})")
            return
        run = services.run_create(
            options=options,
            name=options["name"] or "",
            status=RunStatus.RUNNING,
            baseline=baseline,
        )
        with ExitStack() as stack:
            sink = None
            if csv_path is not None:
                stream = stack.enter_context(_open_for_writing(csv_path, "--out csv"))
                sink = summary.CsvSampleWriter(stream, config.target.url)
            show_progress = not options["no_progress"] and sys.stderr.isatty()
            try:
                outcome = services.run_execute(
                    run,
                    password=password,
                    on_second=self._progress if show_progress else None,
                    sink=sink,
                    claimed=True,
                )
            except ResultNotStoredError as exc:
                # What was measured is shown (and waits in the spool); the run is not stored.
                self.stdout.write(summary.render_text(exc.result, trend_stats))
                raise CommandError(str(exc), returncode=EXIT_ABORTED) from None
            finally:
                if show_progress:
                    sys.stderr.write("\n")
        assert outcome is not None  # a claimed run always executes
        run, result = outcome
        if result is None:
            raise CommandError(f"load-test run {run.pk} errored: {run.error}", returncode=1)
        self._finish(run, result, baseline, options, trend_stats)

    def _refuse_local_outputs(
        self, options: dict[str, Any], *, queued_only: bool, csv: bool
    ) -> None:
        """Outputs a queued or distributed run cannot give, refused before anything runs."""
        if csv:
            raise CommandError(
                "--out csv: per-request samples stay with the process that made them; "
                "not available with --async or --workers",
                returncode=EXIT_USAGE,
            )
        if queued_only:
            given = [
                flag
                for flag, key in (
                    ("--report", "report"),
                    ("--summary-export", "summary_export"),
                    ("--junit", "junit"),
                    ("--result", "result"),
                )
                if options.get(key)
            ]
            if given:
                raise CommandError(
                    f"{', '.join(given)}: --async returns before the run ends; write them "
                    "later from the stored run (the admin's report links), or leave out --async",
                    returncode=EXIT_USAGE,
                )

    def _wait(self, run: LoadTestRun, wait_s: float) -> LoadTestRun:
        """Poll the stored run until its workers have finished it; Ctrl-C cancels it."""
        deadline = time.monotonic() + wait_s
        try:
            while not run.finished:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"load-test run {run.pk} has not finished within {wait_s:.0f} s; it "
                        "goes on on the workers (see it in the admin)",
                        returncode=EXIT_ABORTED,
                    )
                time.sleep(POLL_S)
                run.refresh_from_db()
        except KeyboardInterrupt:
            services.run_cancel(run)
            raise CommandError(
                f"load-test run {run.pk} cancelled", returncode=EXIT_ABORTED
            ) from None
        return run

    def _finish(
        self,
        run: LoadTestRun,
        result: RunResult,
        baseline: LoadTestRun | None,
        options: dict[str, Any],
        trend_stats: tuple[str, ...],
    ) -> None:
        """Summary, comparison, files and exit code, the same for a local and a merged run."""
        report = options.get("report")
        self.stdout.write(summary.render_text(result, trend_stats))
        self.stdout.write(f"stored as load-test run {run.pk} ({run.status})")
        if baseline is not None:
            deltas = compare.compare(run.summary, baseline.summary)
            self.stdout.write(f"compared with baseline {baseline.pk}: {compare.overall(deltas)}")
            for delta in deltas:
                change = "-" if delta.change is None else f"{delta.change:+.1%}"
                self.stdout.write(
                    f"  {delta.label:<28} {delta.baseline!s:>14} → {delta.current!s:<14} "
                    f"{change:>8}  {delta.verdict}"
                )
        if report is not None:
            text = (
                reports.html(run, baseline)
                if report.lower().endswith(".html")
                else reports.markdown(run, baseline)
            )
            _write(report, text)
        if options["summary_export"]:
            _write(
                options["summary_export"],
                json.dumps(summary.summary_export(result, trend_stats), indent=2),
            )
        if options["junit"]:
            _write(options["junit"], summary.junit_xml(result))
        if options["result"]:
            _write(options["result"], json.dumps(result.to_dict()))
        if result.aborted:
            raise CommandError(f"the run was aborted: {result.aborted}", returncode=EXIT_ABORTED)
        if not result.passed:
            metrics = ", ".join(repr(metric) for metric in result.failed_metrics)
            raise CommandError(
                f"thresholds on metrics {metrics} have been crossed", returncode=EXIT_THRESHOLDS
            )

    def _baseline(self, run_id: str | None) -> LoadTestRun | None:
        if run_id is None:
            return None
        try:
            baseline = LoadTestRun.objects.filter(pk=uuid.UUID(run_id)).first()
        except ValueError:
            baseline = None
        if baseline is None or not baseline.summary:
            raise CommandError(f"--baseline: no finished run {run_id!r}", returncode=EXIT_USAGE)
        return baseline

    def _progress(self, progress: runner.Progress) -> None:
        sys.stderr.write("\r\x1b[2K" + summary.progress_line(progress))
        sys.stderr.flush()


def _open_for_writing(path: Path, what: str) -> Any:
    try:
        return path.open("w", newline="")
    except OSError as exc:
        raise CommandError(f"{what}: cannot write {path}: {exc}", returncode=EXIT_USAGE) from None


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc}", returncode=EXIT_USAGE) from None
