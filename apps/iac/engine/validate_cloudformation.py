"""CloudFormation validation: the template parsed (short tags understood) and cross-checked.

Errors: a file that does not parse or is not a template; no resources; a resource without an
`AWS::` / `Custom::` type; a Ref, GetAtt, Sub variable or DependsOn that names no parameter,
resource or pseudo parameter; with a graph, missing or extra resources. Warnings: no
AWSTemplateFormatVersion; a sensitive-looking parameter without NoEcho; a literal under a
sensitive property.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from apps.iac.engine.cfn_yaml import load
from apps.iac.engine.cloudformation import RESERVED
from apps.iac.engine.properties import is_sensitive_key
from apps.iac.engine.validators import Problem, error, expected_resources, warning

PSEUDO = frozenset(
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
        "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    }
)  # fmt: skip
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, function, argument) for every Ref / Fn::GetAtt / Fn::Sub in a value."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key in ("Ref", "Fn::GetAtt", "Fn::Sub"):
                yield path, key, argument
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _literal_secrets(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str | int) and not isinstance(item, bool):
                if is_sensitive_key(str(key)):
                    yield f"{path}.{key}"
            else:
                yield from _literal_secrets(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _literal_secrets(item, f"{path}[{index}]")


def validate_cloudformation(
    files: Mapping[str, str], graph: Mapping[str, Any] | None = None
) -> list[Problem]:
    names = sorted(name for name in files if name.endswith(TEMPLATE_SUFFIXES))
    if not names:
        return [error("", "No CloudFormation template (.yaml, .yml, .json) to validate.")]
    problems: list[Problem] = []
    for name in names:
        problems.extend(_template(name, files[name], graph if len(names) == 1 else None))
    return problems


def _template(name: str, text: str, graph: Mapping[str, Any] | None) -> list[Problem]:
    try:
        template = load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [error(name, f"Does not parse{line}: {reason}")]
    if not isinstance(template, Mapping):
        return [error(name, "The template is not a mapping.")]
    problems: list[Problem] = []
    if "AWSTemplateFormatVersion" not in template:
        problems.append(warning(name, "No AWSTemplateFormatVersion."))
    parameters = template.get("Parameters") or {}
    resources = template.get("Resources") or {}
    if not isinstance(parameters, Mapping):
        problems.append(error(name, "Parameters is not a mapping."))
        parameters = {}
    if not isinstance(resources, Mapping) or not resources:
        problems.append(error(name, "No resource is declared."))
        resources = resources if isinstance(resources, Mapping) else {}
    for key, parameter in parameters.items():
        if not isinstance(parameter, Mapping) or "Type" not in parameter:
            problems.append(error(name, f"Parameter {key} has no Type."))
        elif is_sensitive_key(str(key)) and parameter.get("NoEcho") not in (True, "true", "True"):
            problems.append(warning(name, f"Parameter {key} looks sensitive but has no NoEcho."))
    known = set(parameters) | set(resources) | PSEUDO
    for key, resource in resources.items():
        if not isinstance(resource, Mapping):
            problems.append(error(name, f"Resource {key} is not a mapping."))
            continue
        type_ = resource.get("Type")
        if not isinstance(type_, str) or not type_.startswith(("AWS::", "Custom::")):
            problems.append(error(name, f"Resource {key} has type {type_!r}, not AWS::…"))
        depends = resource.get("DependsOn") or []
        for target in [depends] if isinstance(depends, str) else depends:
            if target not in resources:
                problems.append(
                    error(name, f"Resource {key} depends on {target}, which is not a resource.")
                )
        for path in _literal_secrets(resource.get("Properties") or {}, f"{key}.Properties"):
            problems.append(warning(name, f"{path} is a literal; use a NoEcho parameter."))
    for section in ("Resources", "Outputs", "Conditions"):
        body = template.get(section) or {}
        for path, function, argument in _walk(body, section):
            for target in _targets(function, argument):
                allowed = set(resources) if function == "Fn::GetAtt" else known
                if target not in allowed:
                    what = "resource" if function == "Fn::GetAtt" else "parameter or resource"
                    problems.append(error(name, f"{path}: {function} {target} names no {what}."))
    if graph is not None:
        problems.extend(_against_graph(name, resources, graph))
    return problems


def _targets(function: str, argument: Any) -> list[str]:
    if function == "Ref":
        return [argument] if isinstance(argument, str) else ["<not a name>"]
    if function == "Fn::GetAtt":
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return [argument[0]]
        return ["<not a name>"]
    text, variables = (argument, {}) if isinstance(argument, str) else (
        (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2
        and isinstance(argument[0], str) and isinstance(argument[1], Mapping) else ("", {})
    )  # fmt: skip
    out = []
    for variable in SUB_VARIABLE.findall(text):
        if variable in variables:
            continue
        out.append(variable if variable in PSEUDO else variable.split(".", 1)[0])
    return out


def _against_graph(
    name: str, resources: Mapping[str, Any], graph: Mapping[str, Any]
) -> list[Problem]:
    expected, reason = expected_resources(graph, "cloudformation", "pascal", RESERVED)
    if reason:
        return [error(name, f"The graph cannot be rendered: {reason}")]
    problems = []
    for ident, (native, component) in sorted(expected.items()):
        resource = resources.get(ident)
        if not isinstance(resource, Mapping) or resource.get("Type") != native:
            problems.append(
                error(name, f"Component {component} has no resource {ident} ({native}).")
            )
    for key in sorted(resources):
        if key not in expected:
            problems.append(error(name, f"Resource {key} is not a component of the blueprint."))
    return problems
