"""validate_graph: run every rule over a blueprint graph, in a fixed order.

Order of issues: graph-level issues (blueprint name, graph shape), then each component in graph
order with its issues in COMPONENT_RULES order, then relations in graph order. Linear in
components + dependencies + relations.
"""

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from apps.blueprints.validation import dependencies, rules
from apps.blueprints.validation.codes import INVALID_VALUE, REQUIRED_FIELD
from apps.blueprints.validation.cycles import find_cycles
from apps.blueprints.validation.reading import (
    ComponentView,
    GraphContext,
    build_context,
    read_graph,
)
from apps.blueprints.validation.result import Issue, ValidationResult, describe, error

ComponentRule = Callable[[ComponentView, GraphContext], Iterator[Issue]]

COMPONENT_RULES: tuple[ComponentRule, ...] = (
    rules.check_name,  # REQUIRED_FIELD, INVALID_VALUE, DUPLICATE_NAME, NAMING_CONVENTION
    rules.check_type,  # REQUIRED_FIELD, INVALID_VALUE
    rules.check_provider,  # REQUIRED_FIELD, INVALID_VALUE
    rules.check_region,  # REQUIRED_FIELD, INVALID_REGION
    rules.check_resource_type,  # UNKNOWN_RESOURCE_TYPE
    dependencies.check_depends_on,  # INVALID_VALUE, INVALID_DEPENDENCY
    dependencies.check_cycle,  # CIRCULAR_DEPENDENCY
    rules.check_properties,  # INVALID_VALUE, MISSING_PROPERTIES
    rules.check_tags,  # INVALID_VALUE, MISSING_REQUIRED_TAGS
    rules.check_public_access,  # PUBLIC_ACCESS
    rules.check_encryption,  # ENCRYPTION_RECOMMENDED
)


def _issues(graph: Any, blueprint_name: Any) -> Iterator[Issue]:
    yield from rules.check_blueprint_name(blueprint_name)
    raw = read_graph(graph)
    yield from raw.issues
    if not raw.components:
        yield error(REQUIRED_FIELD, "A blueprint needs at least one component.", None, "components")
        return

    context = build_context(raw.components)
    adjacency = dependencies.dependency_graph(raw.components, raw.relations, context)
    cycles = {cycle.path[0]: cycle for cycle in find_cycles(adjacency)}
    context = replace(context, cycles=cycles)

    for component in raw.components:
        if not component.is_object:
            yield error(
                INVALID_VALUE,
                f"Component #{component.position + 1} is not an object: "
                f"{describe(component.entry)}.",
                None,
                f"components[{component.position}]",
            )
            continue
        for rule in COMPONENT_RULES:
            yield from rule(component, context)
    yield from dependencies.check_relations(raw.relations, context)


def validate_graph(graph: dict[str, Any], *, blueprint_name: str | None = None) -> ValidationResult:
    """Check a blueprint graph (and, when given, the blueprint's name). Never raises on odd
    values: each one becomes an issue. Errors block; warnings advise."""
    return ValidationResult.from_issues(_issues(graph, blueprint_name))
