"""Every route of the API (dharma/api_urls.py), with its ids filled in from a `World`."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
# The id each route's `pk` stands for, by the route's name (its basename).
PK_OF = {
    "project": "project",
    "environment": "environment",
    "project-member": "member",
    "blueprint": "blueprint",
    "template": "template",
    "guardrail-policy": "policy",
    "guardrail-evaluation": "evaluation",
    "guardrail-finding": "finding",
    "guardrail-waiver": "waiver",
    "cost-estimate": "cost_estimate",
    "budget": "budget",
    "budget-alert": "budget_alert",
    "cost-recommendation": "cost_recommendation",
    "iac-generation": "generation",
    "deployment-approval": "approval",
    "deployment-execution": "execution",
}


@dataclass(frozen=True)
class Route:
    name: str
    regex: str  # the full pattern under /api/v1/
    callback: object

    @property
    def methods(self) -> set[str]:
        """The HTTP methods the route's view answers (a viewset's actions, or its handlers)."""
        view_class = getattr(self.callback, "cls", None) or self.callback.view_class
        allowed = set(view_class.http_method_names) - {"head", "options", "trace"}
        actions = getattr(self.callback, "actions", None)
        names = set(actions) if actions else {m for m in allowed if hasattr(view_class, m)}
        return {method.upper() for method in names & allowed}

    @property
    def basename(self) -> str:
        return self.name.rsplit("-", 1)[0]

    def path(self, ids: dict[str, str]) -> str:
        def value(match: re.Match) -> str:
            group = match.group(1)
            if group == "project_pk":
                return ids["project"]
            if group == "number":
                return ids["version_number"]
            for prefix, key in sorted(PK_OF.items(), key=lambda item: -len(item[0])):
                if self.name.startswith(f"{prefix}-"):
                    return ids[key]
            if self.basename in ids:
                return ids[self.basename]
            raise KeyError(f"No id for {group} in {self.name}")

        body = (
            GROUP.sub(value, self.regex)
            .lstrip("^")
            .removesuffix("\\Z")
            .rstrip("$")
            .replace("\\.", ".")
        )
        return "/api/v1/" + body


def _walk(patterns, prefix: str):
    for entry in patterns:
        regex = entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + regex.rstrip("$"))
        elif isinstance(entry, URLPattern):
            yield Route(name=entry.name or "", regex=prefix + regex, callback=entry.callback)


def api_routes() -> list[Route]:
    """Every route of the API except format-suffix duplicates, the API root and routes that
    answer no method (a viewset's detail route when it only creates)."""
    routes = []
    for route in _walk(get_resolver("dharma.api_urls").url_patterns, ""):
        if "<format>" in route.regex or route.name == "api-root" or not route.methods:
            continue
        routes.append(route)
    return routes


def complete_ids(routes: list[Route], ids: dict[str, str], client) -> dict[str, str]:
    """`ids` plus, for each detail route whose id `PK_OF` does not name, the first row of its
    list route (so a route added to the API is walked without editing this module)."""
    ids = dict(ids)
    by_name = {route.name: route for route in routes}
    for route in routes:
        if not route.name.endswith("-detail") or "<pk>" not in route.regex:
            continue
        if any(route.name.startswith(f"{prefix}-") for prefix in PK_OF):
            continue
        listing = by_name.get(f"{route.basename}-list")
        assert listing is not None, f"{route.name}: no list route to find an id in"
        response = client.get(listing.path(ids))
        assert response.status_code == 200, (listing.name, response.content)
        rows = response.json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        assert rows, f"{listing.name} lists nothing: build one in tests/core/api/world.py"
        ids[route.basename] = str(rows[0]["id"])
    return ids
