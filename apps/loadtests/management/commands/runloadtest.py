"""`manage.py runloadtest`: a k6-style load test from the command line.

    manage.py runloadtest --url http://127.0.0.1:8000 --path /health --vus 10 --duration 30s \\
        --threshold 'http_req_duration:p(95)<300' --threshold 'http_req_failed:rate<0.01'

Exit codes are k6's: 0 when every threshold passes, 99 when one fails, 2 for a usage error (a bad
duration, stage, threshold, scenario file or URL, or a host outside
DHARMA_LOADTEST_ALLOWED_HOSTS), 1 when the run itself could not proceed (the login failed).
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.loadtests.engine import runner, summary
from apps.loadtests.engine.config import (
    DEFAULT_GRACEFUL_RAMP_DOWN_S,
    DEFAULT_GRACEFUL_STOP_S,
    DEFAULT_REQUEST_TIMEOUT_S,
    PROFILES,
    RunConfig,
    build_executor,
    check_target_allowed,
    parse_duration,
    parse_login,
    parse_positive_int,
    parse_stage,
    parse_target,
    profile,
)
from apps.loadtests.engine.scenario import load_scenario, scenario_from_paths
from apps.loadtests.engine.thresholds import parse_thresholds
from apps.loadtests.exceptions import ConfigError

EXIT_USAGE = 2
EXIT_ABORTED = 1
EXIT_THRESHOLDS = 99  # k6's ThresholdsHaveFailed


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

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config, trend_stats, csv_path = self._config(options)
        except ConfigError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None
        with ExitStack() as stack:
            sink = None
            if csv_path is not None:
                stream = stack.enter_context(_open_for_writing(csv_path, "--out csv"))
                sink = summary.CsvSampleWriter(stream, config.target.url)
            show_progress = not options["no_progress"] and sys.stderr.isatty()
            result = runner.run(
                config, on_second=self._progress if show_progress else None, sink=sink
            )
            if show_progress:
                sys.stderr.write("\n")
        self.stdout.write(summary.render_text(result, trend_stats))
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

    def _progress(self, progress: runner.Progress) -> None:
        sys.stderr.write("\r\x1b[2K" + summary.progress_line(progress))
        sys.stderr.flush()

    def _config(self, options: dict[str, Any]) -> tuple[RunConfig, tuple[str, ...], Path | None]:
        """Every option checked before anything is sent; a ConfigError names the bad one."""
        target = parse_target(options["url"])
        check_target_allowed(target, settings.DHARMA_LOADTEST_ALLOWED_HOSTS)
        chosen = profile(options["profile"]) if options["profile"] else None
        if options["scenario"] and options["path"]:
            raise ConfigError("--path and --scenario cannot be combined")
        if options["scenario"]:
            scenario = load_scenario(options["scenario"])
        else:
            paths = options["path"] or ([chosen.default_path] if chosen else [])
            scenario = scenario_from_paths(paths)
        stages = [parse_stage(text) for text in options["stage"]]
        if chosen is not None:
            if stages or options["rate"] or options["duration"]:
                raise ConfigError("--profile sets the stages: drop --stage, --rate and --duration")
            stages = list(chosen.stages)
        thresholds = tuple(options["threshold"]) or (chosen.thresholds if chosen else ())
        parse_thresholds(thresholds)
        rate = None
        if options["rate"] is not None:
            try:
                rate = float(options["rate"])
            except ValueError:
                raise ConfigError(f"--rate: {options['rate']!r} is not a number") from None
        executor = build_executor(
            vus=parse_positive_int(options["vus"], "--vus") if options["vus"] else None,
            duration_s=parse_duration(options["duration"], what="--duration")
            if options["duration"]
            else None,
            stages=stages,
            rate=rate,
            max_vus=parse_positive_int(options["max_vus"], "--max-vus")
            if options["max_vus"]
            else None,
            graceful_stop_s=parse_duration(
                options["graceful_stop"], what="--graceful-stop", allow_zero=True
            ),
            graceful_ramp_down_s=parse_duration(
                options["graceful_ramp_down"], what="--graceful-ramp-down", allow_zero=True
            ),
        )
        csv_path = None
        for output in options["out"]:
            kind, sep, path = output.partition("=")
            if kind != "csv" or not sep or not path:
                raise ConfigError(f"--out {output!r}: only csv=FILE is supported")
            csv_path = Path(path)
        for option, path in (
            ("--out csv", csv_path),
            ("--summary-export", options["summary_export"]),
            ("--junit", options["junit"]),
            ("--result", options["result"]),
        ):
            if path is not None and not Path(path).resolve().parent.is_dir():
                raise ConfigError(f"{option}: the directory of {str(path)!r} does not exist")
        config = RunConfig(
            target=target,
            scenario=scenario,
            executor=executor,
            thresholds=thresholds,
            login=parse_login(options["login"]) if options["login"] else None,
            request_timeout_s=parse_duration(options["timeout"], what="--timeout"),
            profile=chosen.name if chosen else None,
        )
        return config, summary.parse_trend_stats(options["summary_trend_stats"]), csv_path


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
