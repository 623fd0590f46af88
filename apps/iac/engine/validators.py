"""Validation of IaC files: parsed and cross-checked, never just searched for words.

- terraform: every `.tf` parsed with python-hcl2; see `validate_terraform`.
- cloudformation: YAML/JSON parsed with a loader that knows CloudFormation's short tags; see
  `validate_cloudformation`.
- bicep: a structural check written for Dharma (no Bicep compiler runs here); see
  `validate_bicep`.

With a graph, the resources must be exactly the graph's components (as the renderer names them).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    level: str  # "error" | "warning"
    file: str
    message: str


def error(file: str, message: str) -> Problem:
    return Problem("error", file, message)


def warning(file: str, message: str) -> Problem:
    return Problem("warning", file, message)


def validate(
    format: str, files: Mapping[str, str], graph: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Every problem found, errors and warnings, in file order."""
    if not isinstance(files, Mapping) or not files:
        return [error("", "No files to validate.")]
    if format == "terraform":
        from apps.iac.engine.validate_terraform import validate_terraform

        return validate_terraform(files, graph)
    if format == "cloudformation":
        from apps.iac.engine.validate_cloudformation import validate_cloudformation

        return validate_cloudformation(files, graph)
    if format == "bicep":
        from apps.iac.engine.validate_bicep import validate_bicep

        return validate_bicep(files, graph)
    return [error("", f"Unknown format {format!r}: terraform, bicep or cloudformation.")]


def expected_resources(
    graph: Mapping[str, Any], format: str, style: str, reserved: tuple[str, ...]
) -> tuple[dict[str, tuple[str, str]], str | None]:
    """{identifier: (native type, component name)} for the graph as the renderer names it, or
    the reason it cannot be rendered."""
    from apps.iac.engine.errors import RenderError
    from apps.iac.engine.naming import IdentifierAllocator
    from apps.iac.engine.planning import plan

    try:
        planned = plan(graph, format)
    except RenderError as exc:
        return {}, str(exc)
    idents = IdentifierAllocator(style, reserved).allocate(c.name for c in planned.components)
    return {idents[c.name]: (c.native, c.name) for c in planned.components}, None
