"""Run configuration: k6's duration and stage syntax, the executors' parameters, the profiles.

Everything a user types is parsed here and refused with a `ConfigError` naming the bad value,
so that an interface can answer a usage error before a single request is sent.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from apps.loadtests.exceptions import ConfigError, TargetNotAllowedError

# k6's defaults (https://grafana.com/docs/k6/latest/using-k6/scenarios/concepts/graceful-stop/,
# and the HTTP client's default timeout).
DEFAULT_GRACEFUL_STOP_S = 30.0
DEFAULT_GRACEFUL_RAMP_DOWN_S = 30.0
DEFAULT_REQUEST_TIMEOUT_S = 60.0
# Raw samples kept for exact percentiles before the engine switches to HDR histograms. Each
# request keeps six float64 phase samples (48 bytes), so this bounds them to about 100 MB.
DEFAULT_MAX_EXACT_SAMPLES = 2_000_000

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)")
_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, *, what: str = "duration", allow_zero: bool = False) -> float:
    """Seconds from k6's (Go's) duration syntax: `30s`, `1m30s`, `500ms`, `1.5h`; a bare number
    is seconds. Refuses negative, empty and (unless `allow_zero`) zero durations."""
    value = text.strip()
    if not value:
        raise ConfigError(f"{what}: empty duration")
    try:
        seconds = float(value)
    except ValueError:
        position, seconds = 0, 0.0
        for match in _DURATION_PART.finditer(value):
            if match.start() != position:
                break
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            position = match.end()
        if position != len(value) or position == 0:
            raise ConfigError(
                f"{what}: {text!r} is not a duration (use e.g. 30s, 1m30s, 500ms, 2h)"
            ) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(f"{what}: {text!r} must be a positive duration")
    if seconds == 0 and not allow_zero:
        raise ConfigError(f"{what}: {text!r} must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """The inverse of parse_duration for display: `1m30s`, `500ms`."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{rest:g}s" if rest or not text else "")


@dataclass(frozen=True)
class Stage:
    """Ramp linearly to `target` VUs over `duration_s` (k6's `{duration, target}`)."""

    duration_s: float
    target: int


def parse_stage(text: str) -> Stage:
    """`30s:50` → Stage(30.0, 50), as k6's `--stage`."""
    duration, sep, target = text.rpartition(":")
    if not sep or not duration:
        raise ConfigError(f"stage {text!r}: expected DURATION:TARGET, e.g. 30s:50")
    if not target.strip().isdigit():
        raise ConfigError(f"stage {text!r}: the target must be a whole number of VUs")
    return Stage(parse_duration(duration, what=f"stage {text!r}", allow_zero=True), int(target))


def parse_positive_int(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: {value!r} is not a whole number") from None
    if number < 1:
        raise ConfigError(f"{what}: must be at least 1, got {number}")
    return number


@dataclass(frozen=True)
class ConstantVUs:
    """k6's constant-vus: `vus` looping VUs for `duration_s`."""

    vus: int
    duration_s: float
    graceful_stop_s: float = DEFAULT_GRACEFUL_STOP_S
    kind: str = "constant-vus"

    @property
    def max_vus(self) -> int:
        return self.vus

    @property
    def planned_duration_s(self) -> float:
        return self.duration_s


@dataclass(frozen=True)
class RampingVUs:
    """k6's ramping-vus: start at `start_vus`, then ramp through `stages`. VUs taken away by a
    ramp-down finish their iteration within `graceful_ramp_down_s`, else it is interrupted."""

    stages: tuple[Stage, ...]
    start_vus: int = 0
    graceful_ramp_down_s: float = DEFAULT_GRACEFUL_RAMP_DOWN_S
    graceful_stop_s: float = DEFAULT_GRACEFUL_STOP_S
    kind: str = "ramping-vus"

    @property
    def max_vus(self) -> int:
        return max([self.start_vus, *(stage.target for stage in self.stages)])

    @property
    def planned_duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)


@dataclass(frozen=True)
class ConstantArrivalRate:
    """k6's constant-arrival-rate (open model): `rate` iterations per `time_unit_s`, each started
    on a free VU out of `max_vus`; one that finds none is a dropped iteration."""

    rate: float
    duration_s: float
    max_vus: int
    time_unit_s: float = 1.0
    graceful_stop_s: float = DEFAULT_GRACEFUL_STOP_S
    kind: str = "constant-arrival-rate"

    @property
    def planned_duration_s(self) -> float:
        return self.duration_s

    @property
    def iterations_per_second(self) -> float:
        return self.rate / self.time_unit_s

    @property
    def planned_iterations(self) -> int:
        """Iterations start at 0, 1/r, 2/r, … strictly before the duration ends."""
        return math.ceil(round(self.duration_s * self.iterations_per_second, 9))


Executor = ConstantVUs | RampingVUs | ConstantArrivalRate


@dataclass(frozen=True)
class Profile:
    """A named load shape with the thresholds and path of the test it reproduces."""

    name: str
    description: str
    stages: tuple[Stage, ...]
    thresholds: tuple[str, ...]
    default_path: str


def _stages(*pairs: tuple[str, int]) -> tuple[Stage, ...]:
    return tuple(Stage(parse_duration(d), target) for d, target in pairs)


PROFILES: dict[str, Profile] = {
    # The seed report's baseline: "ramped from 0 → 50 → 100 → 0" over 5 minutes against the
    # health endpoint, judged against the targets of its metrics table.
    "seed": Profile(
        name="seed",
        description="seed report: 0→50→100→0 VUs over 5 min on /health",
        stages=_stages(("1m", 50), ("1m", 50), ("1m", 100), ("1m", 100), ("1m", 0)),
        thresholds=(
            "http_req_duration:avg<100,p(90)<200,p(95)<300,p(99)<500",
            "http_req_blocked:avg<5",
            "http_req_connecting:avg<5",
            "http_req_waiting:avg<100",
            "http_req_failed:rate<0.01",
        ),
        default_path="/health",
    ),
    # The original's tests/load/api-load-test.js (original-system.md §4).
    "original": Profile(
        name="original",
        description="the original's k6 script: 0→10→50→50→100→100→0 VUs over 9 min",
        stages=_stages(("30s", 10), ("1m", 50), ("3m", 50), ("1m", 100), ("3m", 100), ("30s", 0)),
        thresholds=("http_req_duration:p(95)<500,p(99)<1000", "http_req_failed:rate<0.01"),
        default_path="/health/live",
    ),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"profile {name!r} is unknown; choose one of: {', '.join(sorted(PROFILES))}"
        ) from None


@dataclass(frozen=True)
class Target:
    """Where requests go: scheme, host, port and the base path prefixed to every request path."""

    url: str
    host: str
    port: int
    base_path: str
    scheme: str = "http"

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_target(url: str) -> Target:
    """An http:// or https:// base URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"URL {url!r}: {exc}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"URL {url!r}: expected http(s)://HOST[:PORT][/BASE]")
    if parts.query or parts.fragment:
        raise ConfigError(f"URL {url!r}: a base URL takes no query or fragment")
    return Target(
        url=url.strip(),
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        base_path=parts.path.rstrip("/"),
        scheme=parts.scheme,
    )


def _normalise_host(host: str) -> str:
    host = host.strip().lower().strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.rstrip(".")


def check_target_allowed(target: Target, allowed_hosts: Iterable[str]) -> None:
    """Refuse a host outside the allow-list (compared as names, or as addresses when both are
    IP literals, so `::1` and `[0:0::1]` are the same host)."""
    allowed = {_normalise_host(host) for host in allowed_hosts if host.strip()}
    if _normalise_host(target.host) not in allowed:
        raise TargetNotAllowedError(
            f"target host {target.host!r} is not allowed; DHARMA_LOADTEST_ALLOWED_HOSTS allows: "
            f"{', '.join(sorted(allowed)) or 'nothing'}"
        )


@dataclass(frozen=True)
class Login:
    """Credentials exchanged for a JWT before the test (`--login EMAIL:PASSWORD`)."""

    email: str
    password: str
    path: str = "/api/v1/auth/token/"


def parse_login(text: str) -> Login:
    email, sep, password = text.partition(":")
    if not sep or not email or not password:
        raise ConfigError("--login: expected EMAIL:PASSWORD")
    return Login(email=email, password=password)


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs; `to_dict` is what a stored run keeps (without the password)."""

    target: Target
    scenario: Any  # apps.loadtests.engine.scenario.Scenario (kept untyped to avoid a cycle)
    executor: Executor
    thresholds: tuple[str, ...] = ()
    login: Login | None = None
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    max_exact_samples: int = DEFAULT_MAX_EXACT_SAMPLES
    profile: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    insecure_skip_tls_verify: bool = False  # k6's insecureSkipTLSVerify

    def to_dict(self) -> dict[str, Any]:
        executor = asdict(self.executor)
        executor["max_vus"] = self.executor.max_vus
        return {
            "url": self.target.url,
            "executor": executor,
            "scenario": self.scenario.to_dict(),
            "thresholds": list(self.thresholds),
            "login": self.login.email if self.login else None,
            "request_timeout_s": self.request_timeout_s,
            "max_exact_samples": self.max_exact_samples,
            "profile": self.profile,
            "insecure_skip_tls_verify": self.insecure_skip_tls_verify,
        }


def build_executor(
    *,
    vus: int | None,
    duration_s: float | None,
    stages: Sequence[Stage],
    rate: float | None,
    max_vus: int | None,
    start_vus: int = 0,
    graceful_stop_s: float = DEFAULT_GRACEFUL_STOP_S,
    graceful_ramp_down_s: float = DEFAULT_GRACEFUL_RAMP_DOWN_S,
) -> Executor:
    """k6's shortcut rules: stages → ramping-vus; a rate → constant-arrival-rate; otherwise
    constant-vus (1 VU for 10 s when nothing is given, like `k6 run`)."""
    if stages and rate is not None:
        raise ConfigError("--stage and --rate cannot be combined")
    if stages:
        if duration_s is not None:
            raise ConfigError("--stage and --duration cannot be combined")
        if not sum(stage.duration_s for stage in stages):
            raise ConfigError("--stage: the stages must last longer than zero in total")
        return RampingVUs(
            stages=tuple(stages),
            start_vus=start_vus if vus is None else vus,
            graceful_ramp_down_s=graceful_ramp_down_s,
            graceful_stop_s=graceful_stop_s,
        )
    if rate is not None:
        if not math.isfinite(rate) or rate <= 0:
            raise ConfigError(f"--rate: must be a positive number of iterations/s, got {rate}")
        if duration_s is None:
            raise ConfigError("--rate needs --duration")
        if max_vus is None and vus is None:
            raise ConfigError("--rate needs --max-vus (the VUs that can run iterations at once)")
        return ConstantArrivalRate(
            rate=rate,
            duration_s=duration_s,
            max_vus=max_vus if max_vus is not None else vus,  # type: ignore[arg-type]
            graceful_stop_s=graceful_stop_s,
        )
    if max_vus is not None:
        raise ConfigError("--max-vus only applies to --rate")
    return ConstantVUs(
        vus=vus if vus is not None else 1,
        duration_s=duration_s if duration_s is not None else 10.0,
        graceful_stop_s=graceful_stop_s,
    )
