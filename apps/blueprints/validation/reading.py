"""Reading a raw graph defensively: whatever the input, produce components to check, never raise."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.blueprints.validation.codes import INVALID_VALUE
from apps.blueprints.validation.cycles import Cycle
from apps.blueprints.validation.result import Issue, describe, error


@dataclass(frozen=True)
class ComponentView:
    position: int  # 0-based index in graph["components"]
    entry: Any  # as given
    data: Mapping[str, Any]  # the entry when it is an object, else empty
    name: str | None  # the name others can refer to: a non-blank string, else None

    @property
    def is_object(self) -> bool:
        return isinstance(self.entry, dict)

    @property
    def label(self) -> str:
        """How messages refer to the component: its name, or its 1-based position."""
        return repr(self.name) if self.name is not None else f"#{self.position + 1}"


@dataclass(frozen=True)
class GraphContext:
    """What rules need to know about the graph as a whole."""

    first_position: Mapping[str, int]  # component name -> position of its first use
    names: tuple[str | None, ...]  # ComponentView.name by position
    cycles: Mapping[int, Cycle] = field(default_factory=dict)  # keyed by the cycle's first node


@dataclass(frozen=True)
class RawGraph:
    components: tuple[ComponentView, ...]
    relations: tuple[Any, ...]
    issues: tuple[Issue, ...]  # shape problems found while reading


def _as_list(graph: Mapping[str, Any], key: str, issues: list[Issue]) -> list[Any]:
    value = graph.get(key)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    issues.append(
        error(INVALID_VALUE, f"'{key}' must be a list, not {describe(value)}.", None, key)
    )
    return []


def _view(position: int, entry: Any) -> ComponentView:
    if not isinstance(entry, dict):
        return ComponentView(position=position, entry=entry, data={}, name=None)
    name = entry.get("name")
    usable = name if isinstance(name, str) and name.strip() else None
    return ComponentView(position=position, entry=entry, data=entry, name=usable)


def read_graph(graph: Any) -> RawGraph:
    issues: list[Issue] = []
    if not isinstance(graph, dict):
        issues.append(
            error(INVALID_VALUE, f"The graph must be an object, not {describe(graph)}.", None, None)
        )
        graph = {}
    components = tuple(
        _view(position, entry)
        for position, entry in enumerate(_as_list(graph, "components", issues))
    )
    relations = tuple(_as_list(graph, "relations", issues))
    return RawGraph(components=components, relations=relations, issues=tuple(issues))


def build_context(components: tuple[ComponentView, ...]) -> GraphContext:
    names = tuple(component.name for component in components)
    first_position: dict[str, int] = {}
    for position, name in enumerate(names):
        if name is not None:
            first_position.setdefault(name, position)
    return GraphContext(first_position=first_position, names=names)
