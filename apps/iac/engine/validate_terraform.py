"""Terraform validation with python-hcl2.

Errors: a file that does not parse; no resource at all; the same resource or variable declared
twice; a `var.x` used but not declared; a depends_on or a reference to a resource, data source or
module that is not declared; with a graph, a component with no resource or a resource that is no
component. Warnings: no provider block; a provider used without a required_providers entry; a
literal value under a sensitive argument; a sensitive-looking variable not marked sensitive.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

import hcl2

from apps.iac.engine import hcl
from apps.iac.engine.catalog import provider_of_terraform_type
from apps.iac.engine.properties import is_sensitive_key
from apps.iac.engine.terraform import RESERVED_VARIABLES
from apps.iac.engine.validators import Problem, error, expected_resources, warning

VAR_REF = re.compile(r"(?<![\w.])var\.([A-Za-z_][A-Za-z0-9_-]*)")
RESOURCE_REF = re.compile(
    r"(?<![\w.\"-])((?:data\.)?(?:aws|azurerm|google)_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)"
)
MODULE_REF = re.compile(r"(?<![\w.])module\.([A-Za-z_][A-Za-z0-9_-]*)")
# Companion resources the renderer adds under the component's own name.
COMPANIONS = {"aws_s3_bucket_public_access_block": "aws_s3_bucket"}


def parse_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def parse(name: str, text: str) -> dict[str, Any]:
    """python-hcl2's dict for a file (raises ValueError with the parser's first line)."""
    try:
        return hcl2.loads(text, serialization_options=OPTIONS)
    except Exception as exc:  # lark raises several unrelated classes
        raise ValueError(f"{name}: {parse_error(exc)}") from exc


OPTIONS = hcl2.SerializationOptions(with_comments=False, preserve_heredocs=False)


def labelled(items: Any, depth: int) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """(labels, body) of each block in python-hcl2's `[{label: {label: body}}]` shape."""
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        stack: list[tuple[list[str], Any]] = [([], item)]
        while stack:
            labels, node = stack.pop()
            if len(labels) == depth:
                if isinstance(node, dict):
                    yield labels, node
                continue
            if isinstance(node, dict):
                for key, value in node.items():
                    if not str(key).startswith("__"):
                        stack.append(([*labels, hcl.label(str(key))], value))


def expressions(value: Any) -> Iterator[str]:
    """Every expression or template text in a parsed value (literal strings skipped)."""
    if isinstance(value, str):
        if hcl.literal_string(value) is None:
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("__"):
                yield from expressions(item)


def _literal_secrets(body: Mapping[str, Any], path: str) -> Iterator[str]:
    for key, value in body.items():
        if str(key).startswith("__"):
            continue
        if isinstance(value, str) and is_sensitive_key(str(key)):
            if hcl.literal_string(value) is not None:
                yield f"{path}{key}"
        elif isinstance(value, dict):
            yield from _literal_secrets(value, f"{path}{key}.")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _literal_secrets(item, f"{path}{key}.")


def validate_terraform(
    files: Mapping[str, str], graph: Mapping[str, Any] | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    parsed: dict[str, dict[str, Any]] = {}
    names = sorted(name for name in files if name.endswith(".tf"))
    if not names:
        return [error("", "No .tf file to validate.")]
    for name in names:
        try:
            parsed[name] = parse(name, files[name])
        except ValueError as exc:
            problems.append(error(name, f"Does not parse: {parse_error(exc.__cause__ or exc)}"))
    resources: dict[tuple[str, str], str] = {}
    data_sources: set[tuple[str, str]] = set()
    modules: set[str] = set()
    variables: dict[str, str] = {}
    providers: set[str] = set()
    required: set[str] = set()
    uses: list[tuple[str, str]] = []  # (file, expression text)
    depends: list[tuple[str, str, str]] = []  # (file, resource address, target)
    for name, tree in parsed.items():
        for labels, body in labelled(tree.get("resource"), 2):
            key = (labels[0], labels[1])
            if key in resources:
                problems.append(
                    error(name, f"Resource {labels[0]}.{labels[1]} is declared twice "
                                f"(also in {resources[key]}).")
                )  # fmt: skip
            resources[key] = name
            address = f"{labels[0]}.{labels[1]}"
            for target in body.get("depends_on") or []:
                depends.append((name, address, hcl.expression(str(target)) or str(target)))
            uses.extend(
                (name, text)
                for key_, value in body.items()
                if key_ != "depends_on"
                for text in expressions(value)
            )
            for path in _literal_secrets(body, ""):
                problems.append(
                    warning(name, f"{address}: {path} is a literal; use a sensitive variable.")
                )
        for labels, body in labelled(tree.get("data"), 2):
            data_sources.add((labels[0], labels[1]))
            uses.extend((name, text) for text in expressions(body))
        for labels, body in labelled(tree.get("module"), 1):
            modules.add(labels[0])
            uses.extend((name, text) for text in expressions(body))
        for labels, body in labelled(tree.get("variable"), 1):
            if labels[0] in variables:
                problems.append(
                    error(name, f"Variable {labels[0]} is declared twice "
                                f"(also in {variables[labels[0]]}).")
                )  # fmt: skip
            variables[labels[0]] = name
            if is_sensitive_key(labels[0]) and body.get("sensitive") is not True:
                problems.append(
                    warning(name, f"Variable {labels[0]} looks sensitive but is not marked "
                                  "sensitive = true.")
                )  # fmt: skip
            uses.extend((name, text) for text in expressions(body.get("validation")))
        for labels, body in labelled(tree.get("provider"), 1):
            providers.add(labels[0])
            uses.extend((name, text) for text in expressions(body))
        for _labels, body in labelled(tree.get("output"), 1):
            uses.extend((name, text) for text in expressions(body))
        for block in tree.get("terraform") or []:
            for entry in block.get("required_providers") or []:
                required.update(k for k in entry if not str(k).startswith("__"))
        for block in tree.get("locals") or []:
            uses.extend((name, text) for text in expressions(block))
    if parsed and not resources:
        problems.append(error(names[0], "No resource is declared."))
    reported: set[tuple[str, str]] = set()
    declared = {f"{t}.{n}" for t, n in resources} | {f"data.{t}.{n}" for t, n in data_sources}
    for name, text in uses:
        for variable in VAR_REF.findall(text):
            if variable not in variables and (name, f"var.{variable}") not in reported:
                reported.add((name, f"var.{variable}"))
                problems.append(error(name, f"var.{variable} is used but not declared."))
        for kind, label in RESOURCE_REF.findall(text):
            address = f"{kind}.{label}"
            if address not in declared and (name, address) not in reported:
                reported.add((name, address))
                problems.append(error(name, f"{address} is referenced but not declared."))
        for module in MODULE_REF.findall(text):
            if module not in modules and (name, f"module.{module}") not in reported:
                reported.add((name, f"module.{module}"))
                problems.append(error(name, f"module.{module} is referenced but not declared."))
    for name, address, target in depends:
        known = target in declared or (
            target.startswith("module.") and target.removeprefix("module.") in modules
        )
        if not known:
            problems.append(error(name, f"{address} depends on {target}, which is not declared."))
    used_providers = {
        {"aws": "aws", "azure": "azurerm", "gcp": "google"}[owner]
        for type_, _ in resources
        if (owner := provider_of_terraform_type(type_)) is not None
    }
    first = names[0]
    if parsed and not providers:
        problems.append(warning(first, "No provider block."))
    for provider in sorted(used_providers - required):
        problems.append(
            warning(first, f"Provider {provider} is used but has no required_providers entry.")
        )
    if graph is not None:
        problems.extend(_against_graph(resources, graph, first))
    return problems


def _against_graph(
    resources: Mapping[tuple[str, str], str], graph: Mapping[str, Any], first: str
) -> list[Problem]:
    expected, reason = expected_resources(graph, "terraform", "snake", RESERVED_VARIABLES)
    if reason:
        return [error(first, f"The graph cannot be rendered: {reason}")]
    problems = []
    present = set(resources)
    for ident, (native, component) in sorted(expected.items()):
        if (native, ident) not in present:
            problems.append(
                error(first, f"Component {component} has no resource {native}.{ident}.")
            )
    for type_, label in sorted(present):
        if label in expected and expected[label][0] == type_:
            continue
        if label in expected and COMPANIONS.get(type_) == expected[label][0]:
            continue
        problems.append(
            error(resources[(type_, label)],
                  f"Resource {type_}.{label} is not a component of the blueprint.")
        )  # fmt: skip
    return problems
