"""Blueprint graphs as data: canonical JSON and its hash (pure, no ORM).

A graph is `{"components": [{name, type, provider, region?, properties, tags, depends_on}],
"relations": [{from, to, type, properties?}]}`. Its canonical form sorts keys and components by
name, so the same infrastructure always gets the same `graph_hash`.
"""

import hashlib
import json
from typing import Any


def canonical_graph(graph: dict[str, Any]) -> dict[str, Any]:
    """Sorted components (by name) and relations; `depends_on` is a set, so it is sorted too."""
    components = sorted(
        (
            {**component, "depends_on": sorted(component["depends_on"])}
            if isinstance(component.get("depends_on"), list)
            else component
            for component in graph.get("components", [])
        ),
        key=lambda c: c["name"],
    )
    relations = sorted(
        graph.get("relations", []), key=lambda r: (r["from"], r["to"], r.get("type", ""))
    )
    return {"components": components, "relations": relations}


def canonical_json(graph: dict[str, Any]) -> str:
    return json.dumps(canonical_graph(graph), sort_keys=True, separators=(",", ":"))


def graph_hash(graph: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(graph).encode()).hexdigest()
