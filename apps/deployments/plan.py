"""A deployment plan: what turns the infrastructure deployed in an environment into a new
blueprint version's, keyed by resource address (pure, no ORM).

A resource's address is `<type>.<name>`, as Terraform addresses `aws_instance.web`. Against the
deployed graph (none for a first deployment: everything is added):

- **add**: an address only in the new graph;
- **destroy**: an address only in the deployed graph (a component whose `type` changed has a
  new address, so it is destroyed and added, as a provider would);
- **change**: an address in both whose content differs, with every attribute change
  (`properties.instance_type: t3.small → t3.large`), computed by the blueprint diff
  (apps/blueprints/diffing.py);
- **replace**: a change of `provider` or `region`, which no provider can make in place: the
  resource is destroyed and created again. Counted, as Terraform counts it, once in "to add"
  and once in "to destroy".

Relations (edges) are not resources; their changes are listed beside the plan.
"""

from dataclasses import dataclass
from typing import Any

from apps.blueprints.diffing import Change, diff_graphs

# Attributes whose change recreates a resource instead of updating it.
FORCES_REPLACEMENT = frozenset({"provider", "region"})


def address(component: dict[str, Any]) -> str:
    return f"{component.get('type', '')}.{component['name']}"


def _resource(component: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": address(component),
        "type": component.get("type", ""),
        "name": component["name"],
        "provider": component.get("provider", ""),
        "region": component.get("region", ""),
    }


@dataclass(frozen=True)
class ResourceChange:
    """A resource present before and after, with what changes in it."""

    resource: dict[str, Any]
    changes: tuple[Change, ...]
    forced_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = {**self.resource, "changes": [change.as_dict() for change in self.changes]}
        if self.forced_by:
            out["forced_by"] = list(self.forced_by)
        return out


@dataclass(frozen=True)
class Plan:
    add: tuple[dict[str, Any], ...] = ()
    change: tuple[ResourceChange, ...] = ()
    destroy: tuple[dict[str, Any], ...] = ()
    replace: tuple[ResourceChange, ...] = ()
    unchanged: int = 0
    relations_added: tuple[dict[str, Any], ...] = ()
    relations_removed: tuple[dict[str, Any], ...] = ()
    first_deployment: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.add or self.change or self.destroy or self.replace)

    def summary(self) -> dict[str, int]:
        """Terraform's counts: a replacement is one to add and one to destroy."""
        return {
            "add": len(self.add) + len(self.replace),
            "change": len(self.change),
            "destroy": len(self.destroy) + len(self.replace),
            "replace": len(self.replace),
            "unchanged": self.unchanged,
        }

    def headline(self) -> str:
        if self.is_empty:
            return "No changes. The deployed infrastructure matches this version."
        counts = self.summary()
        return (
            f"Plan: {counts['add']} to add, {counts['change']} to change, "
            f"{counts['destroy']} to destroy."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_deployment": self.first_deployment,
            "summary": self.summary(),
            "headline": self.headline(),
            "add": [dict(resource) for resource in self.add],
            "change": [resource.as_dict() for resource in self.change],
            "destroy": [dict(resource) for resource in self.destroy],
            "replace": [resource.as_dict() for resource in self.replace],
            "relations": {
                "added": [dict(relation) for relation in self.relations_added],
                "removed": [dict(relation) for relation in self.relations_removed],
            },
        }


def _by_address(graph: dict[str, Any]) -> dict[str, Any]:
    """The graph with each component named by its address, so the blueprint diff matches
    resources by address (and a changed type is a different resource)."""
    return {
        "components": [
            {**component, "name": address(component)} for component in graph.get("components", [])
        ],
        "relations": list(graph.get("relations", [])),
    }


def build_plan(deployed: dict[str, Any] | None, target: dict[str, Any]) -> Plan:
    """The plan from the `deployed` graph (None: nothing deployed yet) to `target`.
    Raises apps.blueprints.diffing.DuplicateIdentityError when a graph holds one address
    twice."""
    old = deployed or {}
    diff = diff_graphs(_by_address(old), _by_address(target))
    before = {address(c): c for c in old.get("components", [])}
    after = {address(c): c for c in target.get("components", [])}
    change: list[ResourceChange] = []
    replace: list[ResourceChange] = []
    for changed in diff.changed:
        forced = tuple(sorted({c.path for c in changed.changes if c.path in FORCES_REPLACEMENT}))
        entry = ResourceChange(
            resource=_resource(after[changed.name]), changes=changed.changes, forced_by=forced
        )
        (replace if forced else change).append(entry)
    return Plan(
        add=tuple(_resource(after[component["name"]]) for component in diff.added),
        change=tuple(change),
        destroy=tuple(_resource(before[component["name"]]) for component in diff.removed),
        replace=tuple(replace),
        unchanged=diff.unchanged,
        relations_added=diff.relations_added,
        relations_removed=diff.relations_removed,
        first_deployment=deployed is None,
    )
