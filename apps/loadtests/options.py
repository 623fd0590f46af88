"""The `runloadtest` options, checked and turned into a RunConfig: the command, the Celery task
and the admin's "run again" all go through here, so a stored run is made again exactly.

Every option is checked before anything is sent; a ConfigError names the bad one. A stored run
keeps its options without the login password (`stored_options`); whoever runs it again gives
the password back (`password=`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from apps.loadtests.engine import summary
from apps.loadtests.engine.config import (
    DEFAULT_GRACEFUL_RAMP_DOWN_S,
    DEFAULT_GRACEFUL_STOP_S,
    DEFAULT_REQUEST_TIMEOUT_S,
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

# The command's own options (Django's verbosity, settings … are not part of a run).
OPTION_KEYS = (
    "url", "path", "scenario", "login", "vus", "duration", "stage", "rate", "max_vus",
    "profile", "graceful_stop", "graceful_ramp_down", "timeout", "threshold",
    "summary_trend_stats", "insecure_skip_tls_verify",
)  # fmt: skip


DEFAULTS: dict[str, Any] = {
    "url": None, "path": [], "scenario": None, "login": None, "vus": None, "duration": None,
    "stage": [], "rate": None, "max_vus": None, "profile": None,
    "graceful_stop": f"{DEFAULT_GRACEFUL_STOP_S:g}s",
    "graceful_ramp_down": f"{DEFAULT_GRACEFUL_RAMP_DOWN_S:g}s",
    "timeout": f"{DEFAULT_REQUEST_TIMEOUT_S:g}s", "threshold": [],
    "summary_trend_stats": ",".join(summary.TREND_STATS_DEFAULT),
    "out": [], "summary_export": None, "junit": None, "result": None,
    "insecure_skip_tls_verify": False,
}  # fmt: skip


def stored_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options worth keeping with a run; `login` keeps only the e-mail."""
    kept = {key: options.get(key) for key in OPTION_KEYS}
    if kept.get("login"):
        kept["login"] = str(kept["login"]).split(":", 1)[0]
    return kept


def config_from_options(
    options: dict[str, Any], *, password: str | None = None
) -> tuple[RunConfig, tuple[str, ...], Path | None]:
    """Every option checked before anything is sent; a ConfigError names the bad one."""
    options = {**DEFAULTS, **{key: value for key, value in options.items() if value is not None}}
    _refuse_empty(options)
    if not options["url"]:
        raise ConfigError("--url is required")
    target = parse_target(options["url"])
    check_target_allowed(target, settings.DHARMA_LOADTEST_ALLOWED_HOSTS)
    chosen = profile(options["profile"]) if options["profile"] else None
    if options["scenario"] and options["path"]:
        raise ConfigError("--path and --scenario cannot be combined")
    if options["scenario"]:
        scenario = load_scenario(options["scenario"], max_bytes=settings.DHARMA_SCENARIO_MAX_BYTES)
    else:
        paths = options["path"] or ([chosen.default_path] if chosen else [])
        scenario = scenario_from_paths(paths)
    stages = [parse_stage(text) for text in options["stage"]]
    if chosen is not None:
        if stages or options["rate"] is not None or options["duration"] is not None:
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
        vus=parse_positive_int(options["vus"], "--vus") if options["vus"] is not None else None,
        duration_s=parse_duration(options["duration"], what="--duration")
        if options["duration"] is not None
        else None,
        stages=stages,
        rate=rate,
        max_vus=parse_positive_int(options["max_vus"], "--max-vus")
        if options["max_vus"] is not None
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
        login=_login(options.get("login"), password),
        request_timeout_s=parse_duration(options["timeout"], what="--timeout"),
        profile=chosen.name if chosen else None,
        insecure_skip_tls_verify=bool(options["insecure_skip_tls_verify"]),
    )
    return config, summary.parse_trend_stats(options["summary_trend_stats"]), csv_path


def _login(value: str | None, password: str | None):
    """`EMAIL:PASSWORD` from the command line, or a stored e-mail with the password given."""
    if value is None:
        return None
    if password is not None and ":" not in value:
        value = f"{value}:{password}"
    return parse_login(value)


# Options whose value cannot be empty when given: an empty one is refused rather than taken as
# "not given" (`--duration ""` would otherwise run the default 10 s test).
_NOT_EMPTY = {
    "url": "--url", "scenario": "--scenario", "login": "--login", "vus": "--vus",
    "duration": "--duration", "rate": "--rate", "max_vus": "--max-vus", "profile": "--profile",
    "graceful_stop": "--graceful-stop", "graceful_ramp_down": "--graceful-ramp-down",
    "timeout": "--timeout", "summary_trend_stats": "--summary-trend-stats",
    "summary_export": "--summary-export", "junit": "--junit", "result": "--result",
}  # fmt: skip
_NOT_EMPTY_LISTS = {
    "path": "--path",
    "stage": "--stage",
    "threshold": "--threshold",
    "out": "--out",
}


def _refuse_empty(options: dict[str, Any]) -> None:
    for key, flag in _NOT_EMPTY.items():
        value = options.get(key)
        if isinstance(value, str) and not value.strip():
            raise ConfigError(f"{flag}: empty value")
    for key, flag in _NOT_EMPTY_LISTS.items():
        if any(isinstance(item, str) and not item.strip() for item in options.get(key) or ()):
            raise ConfigError(f"{flag}: empty value")


def _share(total: int, parts: int, index: int) -> int:
    return total // parts + (1 if index < total % parts else 0)


def split_options(options: dict[str, Any], parts: int) -> list[dict[str, Any]]:
    """The options of each of `parts` workers running one share of the load side by side: VUs,
    stage targets, arrival rate and max VUs divided (remainders to the first parts); everything
    else the same, thresholds included (they are evaluated again on the merged result)."""
    options = {**DEFAULTS, **{key: value for key, value in options.items() if value is not None}}
    if parts < 2:
        return [options]
    stages = [parse_stage(text) for text in options["stage"]]
    if options["profile"]:
        chosen = profile(options["profile"])
        stages = list(chosen.stages)
        options["path"] = options["path"] or [chosen.default_path]
        options["threshold"] = options["threshold"] or list(chosen.thresholds)
        options["profile"] = None
    if options["rate"] is not None:
        if not options["max_vus"] or int(options["max_vus"]) < parts:
            raise ConfigError(f"--workers {parts}: --max-vus must be at least the workers")
    elif not stages:
        vus = int(options["vus"] or 1)
        if vus < parts:
            raise ConfigError(f"--workers {parts}: {vus} VUs cannot be split over {parts}")
    shares = []
    for index in range(parts):
        share = dict(options)
        if stages:
            share["stage"] = [
                f"{stage.duration_s:g}s:{_share(stage.target, parts, index)}" for stage in stages
            ]
            if options["vus"]:
                share["vus"] = str(_share(int(options["vus"]), parts, index))
        elif options["rate"] is not None:
            share["rate"] = str(float(options["rate"]) / parts)
            share["max_vus"] = str(_share(int(options["max_vus"]), parts, index))
        else:
            share["vus"] = str(_share(int(options["vus"] or 1), parts, index))
        shares.append(share)
    return shares
