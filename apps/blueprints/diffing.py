"""Semantic diff of two blueprint graphs (pure, no ORM).

Components are matched by `name` and relations by `(from, to, type)`. For a component present in
both graphs every field but `name` is compared:

- dicts key by key, recursively; the path joins keys with "." (`properties.disk.size_gb`), and a key
  containing `.`, `[`, `]` or `"` is quoted (`tags["kubernetes.io/cluster"]`);
- lists containing a dict element by element, the path adding `[i]` (`properties.rules[2].port`);
  any other list as one value;
- `depends_on` as a set: a reorder is no change; otherwise one "changed" with both sides sorted;
- scalars by value *and* JSON type, so `1 -> "1"`, `1 -> 1.0` and `1 -> true` are "changed".

A key only in the new side is "added" (`old=None`), only in the old side "removed" (`new=None`); the
whole value is reported, without descending into it. A missing `properties`/`tags`/`depends_on`
counts as empty, so the first tag shows as `tags.owner`. A changed component `type` is a "changed"
at path `type`, not a remove plus an add. A relation whose properties differ is removed and added.

Values are JSON (as `json.loads` or a JSONField return them) and are copied into the result, which
is ordered by component name / relation key, and within a component by path (keys alphabetically,
indexes numerically). Time is linear in the size of both graphs, plus sorting names.
"""

import json
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

ChangeKind = Literal["added", "removed", "changed"]

# Fields that mean "empty" when missing (the graph format always writes them, older data may not).
_EMPTY_FIELDS: Final[dict[str, Any]] = {"properties": {}, "tags": {}, "depends_on": []}
_MISSING: Final = object()
_PLAIN_KEY: Final = re.compile(r'[^.\[\]"]+')

_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")


class DuplicateIdentityError(ValueError):
    """A graph holds two components with one name, or two relations with one (from, to, type)."""

    code = "duplicate_identity"


@dataclass(frozen=True)
class Change:
    """One difference inside a component, at a dotted `path` such as `properties.rules[2].port`."""

    path: str
    old: Any
    new: Any
    kind: ChangeKind

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "old": _copy(self.old),
            "new": _copy(self.new),
        }


@dataclass(frozen=True)
class ComponentChange:
    """A component present in both graphs whose content differs; `type` is the new type."""

    name: str
    type: str
    changes: tuple[Change, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "changes": [change.as_dict() for change in self.changes],
        }


@dataclass(frozen=True)
class GraphDiff:
    """What turns the old graph into the new one; `unchanged` counts components equal in both."""

    added: tuple[dict[str, Any], ...]
    removed: tuple[dict[str, Any], ...]
    changed: tuple[ComponentChange, ...]
    relations_added: tuple[dict[str, Any], ...]
    relations_removed: tuple[dict[str, Any], ...]
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.relations_added
            or self.relations_removed
        )

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "relations_added": len(self.relations_added),
            "relations_removed": len(self.relations_removed),
            "unchanged": self.unchanged,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [_copy(component) for component in self.added],
            "removed": [_copy(component) for component in self.removed],
            "changed": [component.as_dict() for component in self.changed],
            "relations_added": [_copy(relation) for relation in self.relations_added],
            "relations_removed": [_copy(relation) for relation in self.relations_removed],
            "summary": self.summary(),
        }


def diff_graphs(old: dict[str, Any], new: dict[str, Any]) -> GraphDiff:
    """Compare two graphs; raises DuplicateIdentityError if either identifies something twice."""
    old_components = _index(old.get("components", []), _component_key, "component")
    new_components = _index(new.get("components", []), _component_key, "component")

    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    changed: list[ComponentChange] = []
    unchanged = 0
    for name in sorted(old_components.keys() | new_components.keys()):
        if name not in old_components:
            added.append(_copy(new_components[name]))
        elif name not in new_components:
            removed.append(_copy(old_components[name]))
        else:
            before, after = old_components[name], new_components[name]
            if _same(before, after) or not (changes := _diff_component(before, after)):
                unchanged += 1
            else:
                new_type = after.get("type", "")
                changed.append(ComponentChange(name=name, type=new_type, changes=changes))

    old_relations = _index(old.get("relations", []), _relation_key, "relation")
    new_relations = _index(new.get("relations", []), _relation_key, "relation")
    relations_added: list[dict[str, Any]] = []
    relations_removed: list[dict[str, Any]] = []
    for key in sorted(old_relations.keys() | new_relations.keys()):
        old_relation = old_relations.get(key)
        new_relation = new_relations.get(key)
        if old_relation and new_relation and _same_relation(old_relation, new_relation):
            continue
        if old_relation is not None:
            relations_removed.append(_copy(old_relation))
        if new_relation is not None:
            relations_added.append(_copy(new_relation))

    return GraphDiff(
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        relations_added=tuple(relations_added),
        relations_removed=tuple(relations_removed),
        unchanged=unchanged,
    )


def _component_key(component: dict[str, Any]) -> str:
    name: str = component["name"]
    return name


def _relation_key(relation: dict[str, Any]) -> tuple[str, str, str]:
    return (relation["from"], relation["to"], relation.get("type", ""))


def _index(
    items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], _K], what: str
) -> dict[_K, dict[str, Any]]:
    index: dict[_K, dict[str, Any]] = {}
    for item in items:
        identity = key(item)
        if identity in index:
            raise DuplicateIdentityError(f"Duplicate {what} {identity!r} in graph.")
        index[identity] = item
    return index


def _same_relation(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Equal, a missing `properties` counting as `{}`."""
    return _same(old, new) or _same({"properties": {}, **old}, {"properties": {}, **new})


def _diff_component(old: dict[str, Any], new: dict[str, Any]) -> tuple[Change, ...]:
    out: list[Change] = []
    for key in sorted((old.keys() | new.keys()) - {"name"}):
        path = _key_path("", key)
        before = old[key] if key in old else _EMPTY_FIELDS.get(key, _MISSING)
        after = new[key] if key in new else _EMPTY_FIELDS.get(key, _MISSING)
        if after is _MISSING:
            out.append(Change(path, _copy(before), None, "removed"))
        elif before is _MISSING:
            out.append(Change(path, None, _copy(after), "added"))
        elif key == "depends_on" and isinstance(before, list) and isinstance(after, list):
            old_names, new_names = set(before), set(after)
            if old_names != new_names:
                out.append(Change(path, sorted(old_names), sorted(new_names), "changed"))
        else:
            _diff_value(path, before, after, out)
    return tuple(out)


def _diff_value(path: str, old: Any, new: Any, out: list[Change]) -> None:
    if type(old) is not type(new):
        out.append(Change(path, _copy(old), _copy(new), "changed"))
    elif isinstance(old, dict):
        _diff_dict(path, old, new, out)
    elif isinstance(old, list):
        if any(isinstance(item, dict) for item in old) or any(
            isinstance(item, dict) for item in new
        ):
            _diff_list(path, old, new, out)
        elif not _same(old, new):
            out.append(Change(path, _copy(old), _copy(new), "changed"))
    elif old != new:
        out.append(Change(path, old, new, "changed"))


def _diff_dict(prefix: str, old: dict[str, Any], new: dict[str, Any], out: list[Change]) -> None:
    for key in sorted(old.keys() | new.keys()):
        path = _key_path(prefix, key)
        if key not in new:
            out.append(Change(path, _copy(old[key]), None, "removed"))
        elif key not in old:
            out.append(Change(path, None, _copy(new[key]), "added"))
        else:
            _diff_value(path, old[key], new[key], out)


def _diff_list(prefix: str, old: list[Any], new: list[Any], out: list[Change]) -> None:
    for i in range(max(len(old), len(new))):
        path = f"{prefix}[{i}]"
        if i >= len(new):
            out.append(Change(path, _copy(old[i]), None, "removed"))
        elif i >= len(old):
            out.append(Change(path, None, _copy(new[i]), "added"))
        else:
            _diff_value(path, old[i], new[i], out)


def _key_path(prefix: str, key: str) -> str:
    if not _PLAIN_KEY.fullmatch(key):
        return f"{prefix}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{prefix}.{key}" if prefix else key


def _same(old: Any, new: Any) -> bool:
    """Equal as JSON: `==` (in C, fast) and the same types, since `1 == 1.0 == True` in Python."""
    return bool(old == new) and _same_types(old, new)


def _same_types(old: Any, new: Any) -> bool:
    """For `old == new` (so dicts share keys and lists lengths): do the types match all the way?"""
    if type(old) is not type(new):
        return False
    if type(old) is dict:
        pairs: Iterable[tuple[Any, Any]] = ((value, new[key]) for key, value in old.items())
    elif type(old) is list:
        pairs = zip(old, new, strict=True)
    else:
        return True
    for value, other in pairs:
        if type(value) is not type(other):
            return False
        if (type(value) is dict or type(value) is list) and not _same_types(value, other):
            return False
    return True


def _copy(value: _T) -> _T:
    """Copy a JSON value, so the diff shares no mutable state with its inputs or its callers."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [_copy(item) for item in value]  # type: ignore[return-value]
    return value
