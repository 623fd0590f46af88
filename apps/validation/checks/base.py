"""What every check is and returns."""

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    NOT_MEASURED = "not measured"


_ORDER = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def worst(statuses: list[Status]) -> Status:
    """The worst measured status; "not measured" only when nothing was."""
    measured = [status for status in statuses if status != Status.NOT_MEASURED]
    return max(measured, key=_ORDER.__getitem__, default=Status.NOT_MEASURED)


@dataclass
class Finding:
    """One measured item of a check: its value, the threshold it is held to, its status."""

    name: str
    value: Any
    status: Status
    threshold: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "status": str(self.status),
            "threshold": self.threshold,
            "note": self.note,
        }


@dataclass
class CheckResult:
    check: str
    service: str
    critical: bool
    status: Status
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    duration_ms: float = 0.0

    def measured(self, name: str) -> Any:
        return next((item.value for item in self.findings if item.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "service": self.service,
            "critical": self.critical,
            "status": str(self.status),
            "error": self.error,
            "duration_ms": round(self.duration_ms, 2),
            "findings": [item.to_dict() for item in self.findings],
        }


class Check:
    """Subclasses set `name`, `service`, `critical` and implement `measure()`, which returns the
    findings (or raises: the check then fails with the error, and the run goes on)."""

    name: ClassVar[str]
    service: ClassVar[str]
    critical: ClassVar[bool] = True
    timeout: float = 5.0

    def measure(self) -> list[Finding]:
        raise NotImplementedError

    def run(self) -> CheckResult:
        started = time.perf_counter()
        try:
            findings = self.measure()
        except Exception as exc:  # noqa: BLE001 - a target down or broken is a result
            return CheckResult(
                self.name,
                self.service,
                self.critical,
                Status.FAIL,
                error=f"{type(exc).__name__}: {exc}".strip(),
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        return CheckResult(
            self.name,
            self.service,
            self.critical,
            worst([item.status for item in findings]),
            findings,
            duration_ms=(time.perf_counter() - started) * 1000,
        )


def at_most(name: str, value: float, warn: float, fail: float, unit: str = "") -> Finding:
    status = Status.FAIL if value >= fail else Status.WARN if value >= warn else Status.PASS
    return Finding(name, value, status, f"warn ≥ {warn:g}{unit}, fail ≥ {fail:g}{unit}")


def at_least(name: str, value: float, warn: float, fail: float, unit: str = "") -> Finding:
    status = Status.FAIL if value < fail else Status.WARN if value < warn else Status.PASS
    return Finding(name, value, status, f"warn < {warn:g}{unit}, fail < {fail:g}{unit}")


def info(name: str, value: Any, note: str = "") -> Finding:
    return Finding(name, value, Status.PASS, "", note)
