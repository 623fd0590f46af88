"""What validation returns: issues, split into blocking errors and advisory warnings."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from apps.blueprints.validation.codes import ERROR, WARNING


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    message: str
    component: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "component": self.component,
            "field": self.field,
        }


def describe(value: Any, limit: int = 60) -> str:
    """A value as messages show it: its repr, cut short so a huge value cannot flood a message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def error(code: str, message: str, component: str | None, field: str | None) -> Issue:
    return Issue(code=code, severity=ERROR, message=message, component=component, field=field)


def warning(code: str, message: str, component: str | None, field: str | None) -> Issue:
    return Issue(code=code, severity=WARNING, message=message, component=component, field=field)


@dataclass(frozen=True)
class ValidationResult:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @classmethod
    def from_issues(cls, issues: Iterable[Issue]) -> "ValidationResult":
        """Split issues by severity, keeping their order within each severity."""
        issues = tuple(issues)
        return cls(
            errors=tuple(i for i in issues if i.severity == ERROR),
            warnings=tuple(i for i in issues if i.severity != ERROR),
        )

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.is_valid,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
        }
