"""Per-component rules, plus the blueprint-name rule. Each yields the issues it finds.

Rules never raise: a value of the wrong type is reported (INVALID_VALUE or the rule's own code),
and rules that depend on it are skipped rather than guessing.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from apps.blueprints.validation import catalog
from apps.blueprints.validation.codes import (
    DUPLICATE_NAME,
    ENCRYPTION_RECOMMENDED,
    INVALID_REGION,
    INVALID_VALUE,
    MISSING_PROPERTIES,
    MISSING_REQUIRED_TAGS,
    NAMING_CONVENTION,
    PUBLIC_ACCESS,
    REQUIRED_FIELD,
    UNKNOWN_RESOURCE_TYPE,
)
from apps.blueprints.validation.reading import ComponentView, GraphContext
from apps.blueprints.validation.result import Issue, describe, error, warning

# String values that mean "off" even though they are truthy in Python.
_OFF_WORDS = frozenset({"", "false", "no", "off", "none", "disabled", "0"})


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _valid_provider(component: ComponentView) -> str | None:
    provider = component.data.get("provider")
    return provider if isinstance(provider, str) and provider in catalog.PROVIDERS else None


def _text_type(component: ComponentView) -> str | None:
    resource_type = component.data.get("type")
    return resource_type if isinstance(resource_type, str) and resource_type.strip() else None


def _properties(component: ComponentView) -> Mapping[str, Any] | None:
    """The properties object; {} when absent; None when it is not an object."""
    properties = component.data.get("properties")
    if properties is None:
        return {}
    return properties if isinstance(properties, dict) else None


def _is_on(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in _OFF_WORDS
    if isinstance(value, dict) and "enabled" in value:
        return _is_on(value["enabled"])
    return bool(value)


def check_blueprint_name(name: Any) -> Iterator[Issue]:
    """None means "not given" (validating a graph on its own); anything else is checked."""
    if name is None:
        return
    if not isinstance(name, str):
        yield error(
            INVALID_VALUE, f"Blueprint name must be a string, not {describe(name)}.", None, "name"
        )
    elif not name.strip():
        yield error(REQUIRED_FIELD, "Blueprint name is required.", None, "name")
    elif not catalog.BLUEPRINT_NAME_PATTERN.fullmatch(name):
        yield warning(
            NAMING_CONVENTION,
            f"Blueprint name {name!r} should use only lowercase letters, digits, '-' and '_'.",
            None,
            "name",
        )


def check_name(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    name = component.data.get("name")
    if _is_blank(name):
        yield error(REQUIRED_FIELD, f"Component {component.label} has no name.", None, "name")
    elif not isinstance(name, str):
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has a name that is not a string: {describe(name)}.",
            None,
            "name",
        )
    else:
        first = context.first_position[name]
        if first != component.position:
            yield error(
                DUPLICATE_NAME,
                f"Component name {name!r} is used by components #{first + 1} "
                f"and #{component.position + 1}.",
                name,
                "name",
            )
        if not catalog.COMPONENT_NAME_PATTERN.fullmatch(name):
            yield warning(
                NAMING_CONVENTION,
                f"Component name {name!r} should use only letters, digits, '-' and '_'.",
                name,
                "name",
            )


def check_type(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    resource_type = component.data.get("type")
    if _is_blank(resource_type):
        yield error(
            REQUIRED_FIELD, f"Component {component.label} has no type.", component.name, "type"
        )
    elif not isinstance(resource_type, str):
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has a type that is not a string: "
            f"{describe(resource_type)}.",
            component.name,
            "type",
        )


def check_provider(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    provider = component.data.get("provider")
    if _is_blank(provider):
        yield error(
            REQUIRED_FIELD,
            f"Component {component.label} has no provider.",
            component.name,
            "provider",
        )
    elif _valid_provider(component) is None:
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has provider {describe(provider)}; "
            f"expected one of {', '.join(catalog.PROVIDERS)}.",
            component.name,
            "provider",
        )


def check_region(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    region = component.data.get("region")
    provider = _valid_provider(component)
    if _is_blank(region):
        yield error(
            REQUIRED_FIELD, f"Component {component.label} has no region.", component.name, "region"
        )
    elif not isinstance(region, str):
        yield error(
            INVALID_REGION,
            f"Component {component.label} has a region that is not a string: {describe(region)}.",
            component.name,
            "region",
        )
    elif provider is not None and region not in catalog.REGIONS[provider]:
        yield error(
            INVALID_REGION,
            f"Component {component.label} uses region {region!r}, which is not an allowed "
            f"{provider} region ({', '.join(sorted(catalog.REGIONS[provider]))}).",
            component.name,
            "region",
        )


def check_resource_type(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    provider = _valid_provider(component)
    resource_type = _text_type(component)
    if provider is None or resource_type is None:
        return
    if not catalog.is_known_type(provider, resource_type):
        yield warning(
            UNKNOWN_RESOURCE_TYPE,
            f"Component {component.label} has type {resource_type!r}, which is not a known "
            f"{provider} type ({', '.join(sorted(catalog.RESOURCE_TYPES[provider]))}) "
            "or a provider-native type name.",
            component.name,
            "type",
        )


def check_properties(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    properties = _properties(component)
    if properties is None:
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has properties that are not an object: "
            f"{describe(component.data.get('properties'))}.",
            component.name,
            "properties",
        )
    elif not properties:
        yield warning(
            MISSING_PROPERTIES,
            f"Component {component.label} has no properties.",
            component.name,
            "properties",
        )


def check_tags(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    tags = component.data.get("tags")
    if tags is None:
        tags = {}
    if not isinstance(tags, dict):
        yield error(
            INVALID_VALUE,
            f"Component {component.label} has tags that are not an object: {describe(tags)}.",
            component.name,
            "tags",
        )
        return
    for key, value in tags.items():
        if not isinstance(value, str):
            yield error(
                INVALID_VALUE,
                f"Component {component.label} has tag {str(key)!r} whose value is not a "
                f"string: {describe(value)}.",
                component.name,
                f"tags.{key}",
            )
    missing = [
        tag
        for tag in catalog.REQUIRED_TAGS
        if tag not in tags or (isinstance(tags[tag], str) and not tags[tag].strip())
    ]
    if missing:
        yield warning(
            MISSING_REQUIRED_TAGS,
            f"Component {component.label} is missing required tags: {', '.join(missing)}.",
            component.name,
            "tags",
        )


def check_public_access(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    properties = _properties(component)
    if not properties:
        return
    if properties.get("public") is True:
        key = "public"
    else:
        key = next(
            (
                key
                for key in ("publicAccess", "public_access")
                if isinstance(properties.get(key), str)
                and properties[key].strip().lower() == "enabled"
            ),
            "",
        )
    if key:
        yield warning(
            PUBLIC_ACCESS,
            f"Component {component.label} is publicly accessible (properties.{key}).",
            component.name,
            f"properties.{key}",
        )


def check_encryption(component: ComponentView, context: GraphContext) -> Iterator[Issue]:
    resource_type = _text_type(component)
    properties = _properties(component)
    if resource_type is None or properties is None or not catalog.is_data_store(resource_type):
        return
    if not (_is_on(properties.get("encryption")) or _is_on(properties.get("encrypted"))):
        yield warning(
            ENCRYPTION_RECOMMENDED,
            f"Component {component.label} ({resource_type}) stores data but does not set "
            "properties.encryption or properties.encrypted.",
            component.name,
            "properties.encryption",
        )
