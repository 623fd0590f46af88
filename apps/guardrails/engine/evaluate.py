"""Running rules over components.

Each rule applies to the components in its scope (kinds or exact types) and providers. A check
returns a violation message, nothing (it holds), or a reason it could not be made (a value the
rule does not require is missing); the last are reported as `skipped`, so a missing value never
passes silently. `cost_ceiling` rules apply to the whole version, with the monthly cost priced by
the cost calculator (given in the context).
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.blueprints.kinds import kind_of
from apps.guardrails.engine.rules import Rule

MISSING: Any = object()


@dataclass(frozen=True)
class Finding:
    rule: Rule
    component: str | None  # None: the version as a whole (cost ceiling)
    message: str
    severity: str
    enforced: bool = True  # False for warnings that never block (cost between warn and deny)
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    rule: Rule
    component: str | None
    reason: str


@dataclass
class EngineResult:
    findings: list[Finding]
    skipped: list[Skipped]
    rules_evaluated: int
    checks: int  # (rule, component) pairs checked


class _Hold:
    """A check's outcome when it could not be made: the reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def read(component: Mapping, path: str) -> Any:
    """`component.<key>`, `tags.<key>` (case-insensitive) or a dotted path in `properties`."""
    if path.startswith("component."):
        top = component.get(path.removeprefix("component."), MISSING)
        return MISSING if top is None else top
    if path.startswith("tags."):
        wanted = path.removeprefix("tags.").lower()
        tags = component.get("tags") or {}
        if isinstance(tags, Mapping):
            for key, tag in tags.items():
                if str(key).lower() == wanted:
                    return tag
        return MISSING
    value: Any = component.get("properties") or {}
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return MISSING if value is None else value


def _shown(value: Any) -> str:
    return "missing" if value is MISSING else repr(value)


def _absent(rule: Rule, path: str) -> str | _Hold:
    if rule.params.get("required"):
        return f"{path} is required and missing."
    return _Hold(f"{path} is not set.")


_VERSION_NUMBER = re.compile(r"(\d+)[._](\d+)")


def _number(value: Any) -> float | None:
    """A number, or a version written the providers' ways ("1.2", "TLS1_2", "TLSv1.2")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            found = _VERSION_NUMBER.search(value)
            return float(f"{found[1]}.{found[2]}") if found else None
    return None


def _check(rule: Rule, component: Mapping) -> str | _Hold | None:
    params = rule.params
    kind = rule.kind
    if kind == "required_tags":
        tags = component.get("tags") or {}
        if not isinstance(tags, Mapping):
            return "tags must be an object of key/value pairs."
        present = {str(key).lower() for key, value in tags.items() if value not in (None, "")}
        missing = [tag for tag in params["tags"] if tag.lower() not in present]
        return f"Missing tags: {', '.join(missing)}." if missing else None
    if kind == "region_allow_list":
        region = component.get("region")
        if not region:
            return _absent(rule, "region")
        if region not in params["regions"]:
            return f"Region {region} is not allowed ({', '.join(params['regions'])})."
        return None
    if kind == "cidr_open":
        return _cidr_open(rule, component)
    path = params["path"]
    value = read(component, path)
    if kind == "required":
        return f"{path} is required and missing." if value is MISSING or value == "" else None
    if kind == "not_equals":
        return f"{path} must not be {params['value']!r}." if value == params["value"] else None
    if kind == "not_in_set":
        if value is not MISSING and value in params["values"]:
            return f"{path} is {value!r}, which is not allowed."
        return None
    if value is MISSING:
        return _absent(rule, path)
    if kind == "equals":
        if value != params["value"]:
            return f"{path} must be {params['value']!r}, found {_shown(value)}."
        return None
    if kind == "in_set":
        if value not in params["values"]:
            allowed = ", ".join(repr(v) for v in params["values"])
            return f"{path} is {value!r}; allowed: {allowed}."
        return None
    if kind in {"numeric_min", "numeric_max"}:
        number = _number(value)
        if number is None:
            return f"{path} must be a number, found {value!r}."
        if kind == "numeric_min" and number < params["min"]:
            return f"{path} is {value}, below the minimum {params['min']}."
        if kind == "numeric_max" and number > params["max"]:
            return f"{path} is {value}, above the maximum {params['max']}."
        return None
    if kind == "regex":
        text = str(value)
        matched = rule.compiled["pattern"].fullmatch(text) is not None
        if params.get("match", "required") == "required" and not matched:
            return f"{path} {text!r} does not match {params['pattern']}."
        if params.get("match") == "forbidden" and rule.compiled["pattern"].search(text):
            return f"{path} {text!r} matches the forbidden pattern {params['pattern']}."
        return None
    raise ValueError(f"unknown rule kind {kind}")  # compile_rule admits no other kind


_WORLD_WORDS = {"*", "internet", "any", "0.0.0.0", "0.0.0.0/0", "::/0"}  # noqa: S104


def _is_world(source: Any, world: tuple) -> bool:
    if not isinstance(source, str):
        return False
    if source.lower() in _WORLD_WORDS:
        return True
    try:
        network = ipaddress.ip_network(source, strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0 and any(network.version == w.version for w in world)


def _ports_of(entry: Mapping) -> tuple[int, int] | None:
    if "port" in entry:
        port = _number(entry["port"])
        return None if port is None else (int(port), int(port))
    if "ports" in entry:  # GCP style: ["22", "8000-8080"]
        return None
    low = _number(entry.get("from_port", entry.get("destination_port_range_start", 0)))
    high = _number(entry.get("to_port", entry.get("destination_port_range_end", 65535)))
    if low is None or high is None:
        return None
    return int(low), int(high)


def _entry_ports(entry: Mapping) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for spec in entry.get("ports") or []:
        text = str(spec)
        low, _, high = text.partition("-")
        if low.strip().isdigit() and (not high or high.strip().isdigit()):
            ranges.append((int(low), int(high or low)))
    port_range = entry.get("destination_port_range")
    if isinstance(port_range, str):
        if port_range == "*":
            ranges.append((0, 65535))
        else:
            low, _, high = port_range.partition("-")
            if low.isdigit() and (not high or high.isdigit()):
                ranges.append((int(low), int(high or low)))
    if not ranges and "destination_port_range" not in entry:
        single = _ports_of(entry)
        if single is not None:
            ranges.append(single)
    return ranges


def _cidr_open(rule: Rule, component: Mapping) -> str | _Hold | None:
    path = rule.params.get("path", "ingress")
    entries = read(component, path)
    if entries is MISSING:
        return None  # no ingress rules: nothing is open
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        return f"{path} must be a list of rules."
    world = rule.compiled["world"]
    ports = rule.params["ports"]
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        if str(entry.get("direction", "inbound")).lower() not in {"inbound", "ingress"}:
            continue
        if str(entry.get("access", "allow")).lower() != "allow":
            continue
        sources: list = []
        for key in ("cidr_blocks", "ipv6_cidr_blocks", "source_ranges", "source_address_prefixes"):
            value = entry.get(key)
            sources.extend(value if isinstance(value, list) else [value] if value else [])
        for key in ("cidr", "source", "source_address_prefix"):
            if entry.get(key):
                sources.append(entry[key])
        if not any(_is_world(source, world) for source in sources):
            continue
        for low, high in _entry_ports(entry):
            hit = [port for port in ports if low <= port <= high]
            if hit:
                shown = ", ".join(str(port) for port in hit)
                return f"Port {shown} is open to the whole internet."
    return None


def _applies(rule: Rule, resource_type: str, kind: str, provider: str | None) -> bool:
    if rule.providers and provider not in rule.providers:
        return False
    return not rule.scope or resource_type in rule.scope or kind in rule.scope


def evaluate(
    components: Iterable[Mapping],
    rules: list[Rule],
    *,
    monthly_cost: Decimal | None = None,
    approval_status: str | None = None,
    environment: str | None = None,
) -> EngineResult:
    """Every finding of `rules` over `components`, and every check that could not be made.
    Rules limited to some environments apply only when `environment` is one of them (an
    evaluation that names no environment runs only the rules that are not limited)."""
    rules = [rule for rule in rules if not rule.environments or environment in rule.environments]
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    per_component = [rule for rule in rules if rule.kind != "cost_ceiling"]
    whole = [rule for rule in rules if rule.kind == "cost_ceiling"]
    applicable: dict[tuple[str, str | None], list[Rule]] = {}
    checks = 0
    for component in components:
        resource_type = str(component.get("type", ""))
        provider = component.get("provider")
        key = (resource_type, provider)
        selected = applicable.get(key)
        if selected is None:
            kind = kind_of(resource_type)
            selected = [r for r in per_component if _applies(r, resource_type, kind, provider)]
            applicable[key] = selected
        name = component.get("name")
        for rule in selected:
            if rule.when is not None and read(component, rule.when["path"]) not in rule.when["in"]:
                continue
            checks += 1
            outcome = _check(rule, component)
            if outcome is None:
                continue
            if isinstance(outcome, _Hold):
                skipped.append(Skipped(rule, name, outcome.reason))
            else:
                findings.append(Finding(rule, name, outcome, rule.severity))
    for rule in whole:
        checks += 1
        verdict = _cost_ceiling(rule, monthly_cost, approval_status)
        if isinstance(verdict, Skipped):
            skipped.append(verdict)
        elif verdict is not None:
            findings.append(verdict)
    return EngineResult(findings, skipped, len(rules), checks)


def _cost_ceiling(
    rule: Rule, monthly_cost: Decimal | None, approval_status: str | None
) -> Finding | Skipped | None:
    if monthly_cost is None:
        return Skipped(rule, None, "The monthly cost could not be priced.")
    deny = Decimal(str(rule.params["deny_above"]))
    warn = rule.params.get("warn_above")
    data = {"monthly_cost": str(monthly_cost), "deny_above": str(deny)}
    if monthly_cost > deny:
        if approval_status == "approved":
            return None
        return Finding(
            rule,
            None,
            f"Estimated {monthly_cost} USD/month is above {deny} USD/month without approval.",
            rule.severity,
            data=data,
        )
    if warn is not None and monthly_cost > Decimal(str(warn)):
        return Finding(
            rule,
            None,
            f"Estimated {monthly_cost} USD/month is above {warn} USD/month.",
            "low",
            enforced=False,
            data={**data, "warn_above": str(warn)},
        )
    return None
