"""Dependency rules: references must name components, and dependencies must not loop.

A component depends on each name in its `depends_on`, and a relation of type "depends_on" makes
its `from` component depend on its `to` component. Both feed the same cycle check.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from apps.blueprints.validation.codes import CIRCULAR_DEPENDENCY, INVALID_DEPENDENCY, INVALID_VALUE
from apps.blueprints.validation.cycles import Cycle
from apps.blueprints.validation.reading import ComponentView, GraphContext
from apps.blueprints.validation.result import Issue, describe, error

DEPENDS_ON_RELATION = "depends_on"

# Cycles longer than this are shown with their middle elided, so one message stays readable.
_MAX_PATH_SHOWN = 20


def _depends_on(component: ComponentView) -> Sequence[Any] | None:
    """The depends_on list; [] when absent; None when it is not a list."""
    value = component.data.get("depends_on")
    if value is None:
        return []
    return value if isinstance(value, list | tuple) else None


def dependency_graph(
    components: Sequence[ComponentView], relations: Sequence[Any], context: GraphContext
) -> list[list[int]]:
    """Adjacency lists over component positions. Each name is one node: the position of its
    first use. References to unknown names and to oneself are left out (they are reported as
    INVALID_DEPENDENCY instead)."""
    adjacency: list[list[int]] = [[] for _ in components]
    first = context.first_position

    def add(source: Any, target: Any) -> None:
        if (
            isinstance(source, str)
            and isinstance(target, str)
            and source != target
            and source in first
            and target in first
        ):
            adjacency[first[source]].append(first[target])

    for component in components:
        for target in _depends_on(component) or ():
            add(component.name, target)
    for relation in relations:
        if isinstance(relation, dict) and relation.get("type") == DEPENDS_ON_RELATION:
            add(relation.get("from"), relation.get("to"))
    return adjacency


def check_depends_on(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    dependencies = _depends_on(component)
    if dependencies is None:
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has depends_on that is not a list: "
            f"{describe(component.data.get('depends_on'))}.",
            component.name,
            "depends_on",
        )
        return
    for target in dependencies:
        if not isinstance(target, str) or target not in context.first_position:
            yield error(
                INVALID_DEPENDENCY,
                f"Component {component.label} depends on {describe(target)}, "
                "which is not a component of this blueprint.",
                component.name,
                "depends_on",
            )
        elif target == component.name:
            yield error(
                INVALID_DEPENDENCY,
                f"Component {component.label} depends on itself.",
                component.name,
                "depends_on",
            )


def describe_cycle(names: Sequence[str]) -> str:
    if len(names) > _MAX_PATH_SHOWN:
        head = list(names[: _MAX_PATH_SHOWN // 2])
        tail = list(names[-(_MAX_PATH_SHOWN // 2) :])
        hidden = len(names) - len(head) - len(tail)
        names = [*head, f"... ({hidden} more)", *tail]
    return " -> ".join(names)


def check_cycle(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    """Reported once per loop, on the loop's first component."""
    cycle: Cycle | None = context.cycles.get(component.position)
    if cycle is None:
        return
    names = [context.names[node] or f"#{node + 1}" for node in cycle.path]
    message = f"Circular dependency: {describe_cycle(names)}."
    if cycle.size > len(cycle.path) - 1:
        message += f" {cycle.size} components depend on each other in this loop."
    yield error(CIRCULAR_DEPENDENCY, message, component.name, "depends_on")


def check_relations(relations: Sequence[Any], context: GraphContext) -> Iterator[Issue]:
    for position, relation in enumerate(relations):
        field = f"relations[{position}]"
        if not isinstance(relation, dict):
            yield error(
                INVALID_VALUE,
                f"Relation #{position + 1} is not an object: {describe(relation)}.",
                None,
                field,
            )
            continue
        source, target = relation.get("from"), relation.get("to")
        owner = source if isinstance(source, str) and source in context.first_position else None
        for end, name in (("from", source), ("to", target)):
            if not isinstance(name, str) or name not in context.first_position:
                yield error(
                    INVALID_DEPENDENCY,
                    f"Relation #{position + 1} has {end!r} {describe(name)}, "
                    "which is not a component of this blueprint.",
                    owner,
                    f"{field}.{end}",
                )
        if owner is not None and source == target:
            yield error(
                INVALID_DEPENDENCY,
                f"Relation #{position + 1} connects {source!r} to itself.",
                owner,
                field,
            )
