"""Rule kinds and their parameters, validated with JSON Schema.

A policy's `policy_rules` is one rule:

    {"kind": "equals", "path": "encryption_enabled", "value": true, "required": true,
     "scope": ["storage", "database"], "providers": ["aws"], "checkov_id": "CKV_AWS_19",
     "remediation": "Set encryption_enabled to true."}

`path` reads a component: `properties` by default (dotted: `versioning.enabled`), `tags.<key>`,
or `component.<name|type|provider|region>`. `scope` lists kinds (apps/blueprints/kinds.py) or
exact types; an empty scope covers every component. A value that is missing is a violation
only when the rule says `required`; otherwise the check is reported as skipped, never passed
silently.
"""

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Final

from jsonschema import Draft202012Validator

SEVERITIES: Final = ("critical", "high", "medium", "low", "info")
ENFORCEMENT_LEVELS: Final = ("advisory", "soft-fail", "hard-fail")

_PATH = {"type": "string", "minLength": 1, "maxLength": 200}
_PORTS = {
    "type": "array",
    "items": {"type": "integer", "minimum": 0, "maximum": 65535},
    "minItems": 1,
}
_NUMBER = {"type": "number"}
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}

# Parameters of each kind (beside the common ones: scope, providers, checkov_id, remediation).
RULE_KINDS: Final[dict[str, dict]] = {
    "required": {"required": ["path"], "properties": {"path": _PATH}},
    "equals": {
        "required": ["path", "value"],
        "properties": {"path": _PATH, "value": {}, "required": {"type": "boolean"}},
    },
    "not_equals": {"required": ["path", "value"], "properties": {"path": _PATH, "value": {}}},
    "in_set": {
        "required": ["path", "values"],
        "properties": {
            "path": _PATH,
            "values": {"type": "array", "minItems": 1},
            "required": {"type": "boolean"},
        },
    },
    "not_in_set": {
        "required": ["path", "values"],
        "properties": {"path": _PATH, "values": {"type": "array", "minItems": 1}},
    },
    "numeric_min": {
        "required": ["path", "min"],
        "properties": {"path": _PATH, "min": _NUMBER, "required": {"type": "boolean"}},
    },
    "numeric_max": {
        "required": ["path", "max"],
        "properties": {"path": _PATH, "max": _NUMBER, "required": {"type": "boolean"}},
    },
    "regex": {
        "required": ["path", "pattern"],
        "properties": {
            "path": _PATH,
            "pattern": {"type": "string", "minLength": 1, "maxLength": 500},
            "match": {"enum": ["required", "forbidden"]},
            "required": {"type": "boolean"},
        },
    },
    "required_tags": {"required": ["tags"], "properties": {"tags": _STRINGS}},
    "region_allow_list": {
        "required": ["regions"],
        "properties": {"regions": _STRINGS, "required": {"type": "boolean"}},
    },
    "cidr_open": {
        "required": ["ports"],
        "properties": {"path": _PATH, "ports": _PORTS},
    },
    "cost_ceiling": {
        "required": ["deny_above"],
        "properties": {
            "deny_above": {"type": "number", "exclusiveMinimum": 0},
            "warn_above": {"type": "number", "exclusiveMinimum": 0},
            "approval_path": _PATH,
        },
    },
}

_COMMON = {
    "kind": {"enum": list(RULE_KINDS)},
    # The finding severity, finer than the policy's severity column (critical … info).
    "severity": {"enum": list(SEVERITIES)},
    # Only components where `path` has one of these values (e.g. tags.data_classification).
    "when": {
        "type": "object",
        "required": ["path", "in"],
        "properties": {"path": _PATH, "in": {"type": "array", "minItems": 1}},
        "additionalProperties": False,
    },
    "scope": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "providers": {"type": "array", "items": {"enum": ["aws", "azure", "gcp"]}},
    # Only in evaluations for these environments (one that names no environment skips the rule).
    "environments": {
        "type": "array",
        "items": {"enum": ["dev", "staging", "production"]},
        "minItems": 1,
    },
    "checkov_id": {"type": "string", "pattern": "^CKV2?_[A-Z0-9]+_[0-9]+$"},
    "remediation": {"type": "string", "maxLength": 2000},
}


def _schema(kind: str) -> dict:
    spec = RULE_KINDS[kind]
    return {
        "type": "object",
        "required": ["kind", *spec["required"]],
        "properties": {**_COMMON, **spec["properties"]},
        "additionalProperties": False,
    }


_VALIDATORS: Final = {kind: Draft202012Validator(_schema(kind)) for kind in RULE_KINDS}
_KIND_ONLY: Final = Draft202012Validator(
    {"type": "object", "required": ["kind"], "properties": {"kind": _COMMON["kind"]}}
)


class RuleSpecError(ValueError):
    """A rule's JSON is wrong: `fields` maps each wrong path (`policy_rules.min`) to messages."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class Rule:
    """A compiled rule of one policy."""

    id: str
    title: str
    severity: str
    category: str
    enforcement: str
    kind: str
    params: dict[str, Any]
    scope: frozenset[str] = frozenset()
    providers: frozenset[str] = frozenset()
    environments: frozenset[str] = frozenset()
    checkov_id: str | None = None
    remediation: str = ""
    policy_id: str | None = None
    when: dict[str, Any] | None = None
    compiled: dict[str, Any] = field(default_factory=dict, compare=False)


def _errors(validator: Draft202012Validator, spec: Any) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in validator.iter_errors(spec):
        where = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            fields.setdefault(f"policy_rules.{missing}", []).append("This field is required.")
        elif error.validator == "additionalProperties":
            fields.setdefault("policy_rules", []).append(error.message)
        else:
            key = f"policy_rules.{where}" if where else "policy_rules"
            fields.setdefault(key, []).append(error.message)
    return fields


def compile_rule(
    spec: Any,
    *,
    id: str,
    title: str,
    severity: str,
    category: str,
    enforcement: str,
    policy_id: str | None = None,
) -> Rule:
    """Validate a rule's JSON and prepare it (regexes, networks) for evaluation."""
    fields = _errors(_KIND_ONLY, spec)
    if not fields:
        fields = _errors(_VALIDATORS[spec["kind"]], spec)
    if severity not in SEVERITIES:
        fields.setdefault("severity", []).append(f"One of {', '.join(SEVERITIES)}.")
    if enforcement not in ENFORCEMENT_LEVELS:
        fields.setdefault("enforcement_level", []).append(
            f"One of {', '.join(ENFORCEMENT_LEVELS)}."
        )
    compiled: dict[str, Any] = {}
    if not fields and spec["kind"] == "regex":
        try:
            compiled["pattern"] = re.compile(spec["pattern"])
        except re.error as exc:
            fields["policy_rules.pattern"] = [f"Not a valid regular expression: {exc}."]
    if not fields and spec["kind"] == "cost_ceiling":
        warn = spec.get("warn_above")
        if warn is not None and warn >= spec["deny_above"]:
            fields["policy_rules.warn_above"] = ["Must be below deny_above."]
    if fields:
        raise RuleSpecError(fields)
    params = {key: value for key, value in spec.items() if key not in _COMMON}
    if spec["kind"] == "cidr_open":
        compiled["world"] = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    return Rule(
        id=id,
        title=title,
        severity=severity,
        category=category,
        enforcement=enforcement,
        kind=spec["kind"],
        params=params,
        scope=frozenset(spec.get("scope", [])),
        providers=frozenset(spec.get("providers", [])),
        environments=frozenset(spec.get("environments", [])),
        checkov_id=spec.get("checkov_id"),
        remediation=spec.get("remediation", ""),
        policy_id=policy_id,
        when=spec.get("when"),
        compiled=compiled,
    )
