"""The format-independent part of rendering: the graph read and checked, each component's
resource type resolved for the format, its dependencies, region and tags."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.iac.engine import catalog
from apps.iac.engine.catalog import TypeSpec
from apps.iac.engine.errors import RenderError
from apps.iac.engine.naming import words

DEPENDS_ON_RELATION = "depends_on"
DEFAULT_REGIONS = {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}
FORMAT_LABELS = {"terraform": "Terraform", "bicep": "Bicep", "cloudformation": "CloudFormation"}


@dataclass
class Component:
    name: str
    type: str
    provider: str
    region: str | None
    properties: dict[str, Any]
    tags: dict[str, str]
    depends_on: list[str]  # component names, sorted, without duplicates
    sensitive: frozenset[str] = frozenset()
    native: str = ""  # the resource type in the format being rendered
    api_version: str | None = None  # Bicep
    spec: TypeSpec | None = None
    kind: str | None = None  # bicep `kind`


@dataclass
class Plan:
    format: str
    provider: str  # aws | azure | gcp | mixed (terraform only)
    providers: list[str]
    components: list[Component]  # sorted by name
    default_region: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_components(graph: Mapping[str, Any]) -> list[Component]:
    if not isinstance(graph, Mapping):
        raise RenderError("The graph must be an object with components and relations.")
    raw = graph.get("components")
    if not isinstance(raw, list) or not raw:
        raise RenderError("The graph has no components to render.")
    components: dict[str, Component] = {}
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise RenderError(f"Component #{position} is not an object.")
        name = _text(item.get("name"))
        if not name:
            raise RenderError(f"Component #{position} has no name.")
        if name in components:
            raise RenderError(f"Component '{name}' appears twice.")
        type_ = _text(item.get("type"))
        if not type_:
            raise RenderError(f"Component '{name}' has no type.")
        provider = _text(item.get("provider")).lower()
        if provider not in catalog.PROVIDERS:
            raise RenderError(
                f"Component '{name}' has provider {item.get('provider')!r}; "
                "it must be aws, azure or gcp."
            )
        properties = item.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise RenderError(f"Component '{name}' has properties that are not an object.")
        tags = item.get("tags") or {}
        if not isinstance(tags, Mapping):
            raise RenderError(f"Component '{name}' has tags that are not an object.")
        depends_on = item.get("depends_on") or []
        if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
            raise RenderError(f"Component '{name}' has depends_on that is not a list of names.")
        sensitive = item.get("sensitive") or properties.get("sensitive") or []
        if not isinstance(sensitive, list) or not all(isinstance(s, str) for s in sensitive):
            raise RenderError(f"Component '{name}' has a sensitive list that is not of keys.")
        region = _text(item.get("region")) or _text(properties.get("region")) or None
        components[name] = Component(
            name=name,
            type=type_,
            provider=provider,
            region=region,
            properties={str(k): v for k, v in properties.items() if k != "sensitive"},
            tags={str(k): "" if v is None else str(v) for k, v in tags.items()},
            depends_on=list(depends_on),
            sensitive=frozenset(sensitive),
        )
    relations = graph.get("relations") or []
    if not isinstance(relations, list):
        raise RenderError("The graph's relations must be a list.")
    for position, relation in enumerate(relations, start=1):
        if not isinstance(relation, Mapping):
            raise RenderError(f"Relation #{position} is not an object.")
        if relation.get("type") != DEPENDS_ON_RELATION:
            continue  # connects_to, reads_from ... describe traffic, not creation order
        source, target = relation.get("from"), relation.get("to")
        for end in (source, target):
            if end not in components:
                raise RenderError(
                    f"Relation #{position} ({source} -> {target}) names {end!r}, "
                    "which is not a component."
                )
        components[str(source)].depends_on.append(str(target))
    for component in components.values():
        for target in component.depends_on:
            if target not in components:
                raise RenderError(
                    f"Component '{component.name}' depends on '{target}', which is not a component."
                )
            if target == component.name:
                raise RenderError(f"Component '{component.name}' depends on itself.")
        component.depends_on = sorted(set(component.depends_on))
    _check_cycles(components)
    return [components[name] for name in sorted(components)]


def _check_cycles(components: Mapping[str, Component]) -> None:
    state: dict[str, int] = {}
    for start in sorted(components):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            name, index = stack.pop()
            if index == 0:
                state[name] = 1
                path.append(name)
            targets = components[name].depends_on
            if index < len(targets):
                stack.append((name, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    loop = [*path[path.index(target) :], target]
                    raise RenderError(f"Circular dependency: {' -> '.join(loop)}.")
                if not state.get(target):
                    stack.append((target, 0))
            else:
                state[name] = 2
                path.pop()


def resolve_type(component: Component, format: str) -> None:
    """Sets component.native / spec / api_version for the format, or raises RenderError."""
    type_, provider, name = component.type, component.provider, component.name
    label = FORMAT_LABELS[format]
    spec: TypeSpec | None = None
    if catalog.TERRAFORM_NATIVE.match(type_):
        owner = catalog.provider_of_terraform_type(type_)
        if owner != provider:
            raise RenderError(
                f"Component '{name}' is a {type_}, a {owner} resource, but its provider is "
                f"{provider}."
            )
        spec = catalog.BY_TERRAFORM.get(type_)
        if format == "terraform":
            component.native, component.spec = type_, spec
            return
    elif catalog.CFN_NATIVE.match(type_):
        if provider != "aws":
            raise RenderError(
                f"Component '{name}' is a {type_}, an AWS resource, but its provider is {provider}."
            )
        spec = catalog.BY_CLOUDFORMATION.get(type_)
        if format == "cloudformation":
            component.native, component.spec = type_, spec
            return
    elif catalog.BICEP_NATIVE.match(type_):
        if provider != "azure":
            raise RenderError(
                f"Component '{name}' is a {type_}, an Azure resource, but its provider is "
                f"{provider}."
            )
        base, _, api = type_.partition("@")
        spec = catalog.BY_BICEP.get(base.lower())
        if format == "bicep":
            known_api = spec.bicep.partition("@")[2] if spec and spec.bicep else ""
            if not api and not known_api:
                raise RenderError(
                    f"Component '{name}' has type {type_}, which Dharma has no API version for; "
                    "write it as <type>@<apiVersion>."
                )
            component.native = spec.bicep.partition("@")[0] if spec and spec.bicep else base
            component.api_version = api or known_api
            component.spec = spec
            return
    else:
        spec = catalog.BY_ALIAS.get((provider, type_)) or catalog.BY_ALIAS.get(
            (provider, "_".join(words(type_)))
        )
        if spec is None:
            raise RenderError(
                f"Component '{name}' has type {type_!r}, which Dharma cannot render for "
                f"{provider}: use a generic type (compute, network, storage, database ...), a "
                "blueprint type (ec2, storage-account, compute-instance ...) or a native one."
            )
    if spec is None:
        raise RenderError(
            f"Component '{name}' has type {type_}, which Dharma knows no {label} equivalent of."
        )
    native = {
        "terraform": spec.terraform,
        "cloudformation": spec.cloudformation,
        "bicep": spec.bicep,
    }[format]
    if native is None:
        raise RenderError(
            f"Component '{name}' ({type_}) has no {label} equivalent that Dharma knows."
        )
    component.spec = spec
    if format == "bicep":
        component.native, _, component.api_version = native.partition("@")
    else:
        component.native = native


def plan(graph: Mapping[str, Any], format: str) -> Plan:
    if format not in FORMAT_LABELS:
        raise RenderError(
            f"Unknown format {format!r}: it must be one of terraform, bicep, cloudformation."
        )
    components = read_components(graph)
    providers = sorted({component.provider for component in components})
    only = {"bicep": "azure", "cloudformation": "aws"}.get(format)
    if only is not None:
        for component in components:
            if component.provider != only:
                raise RenderError(
                    f"Component '{component.name}' is provider {component.provider}; "
                    f"{FORMAT_LABELS[format]} renders {only.upper() if only == 'aws' else 'Azure'} "
                    "resources only."
                )
    for component in components:
        resolve_type(component, format)
    default_region: dict[str, str] = {}
    for provider in providers:
        counts = Counter(c.region for c in components if c.provider == provider and c.region)
        if counts:
            top = max(counts.values())
            default_region[provider] = min(r for r, n in counts.items() if n == top)
        else:
            default_region[provider] = DEFAULT_REGIONS[provider]
    return Plan(
        format=format,
        provider=providers[0] if len(providers) == 1 else "mixed",
        providers=providers,
        components=components,
        default_region=default_region,
    )
