"""Blueprint graph validation: a pure engine (no ORM, no settings).

    result = validate_graph(graph, blueprint_name="web-shop")
    result.is_valid  # no errors; warnings never block
    result.as_dict()  # {"valid": bool, "errors": [...], "warnings": [...]}

Issue codes are stable strings, listed in `codes`.
"""

from apps.blueprints.validation.codes import ERROR_CODES, WARNING_CODES
from apps.blueprints.validation.engine import validate_graph
from apps.blueprints.validation.result import Issue, ValidationResult

__all__ = ["ERROR_CODES", "WARNING_CODES", "Issue", "ValidationResult", "validate_graph"]
