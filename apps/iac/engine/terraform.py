"""Terraform: `main.tf` (terraform block with pinned providers, provider blocks, resources),
`variables.tf` (every variable the files reference, typed and described; secrets sensitive) and
`outputs.tf` (ids, and a few useful attributes; sensitive ones marked)."""

from collections.abc import Mapping
from typing import Any

from apps.iac.engine import catalog, hcl
from apps.iac.engine.errors import RenderError
from apps.iac.engine.hcl import Expr
from apps.iac.engine.naming import IdentifierAllocator, snake
from apps.iac.engine.planning import Component, Plan
from apps.iac.engine.properties import (
    TERRAFORM_RENAMES,
    Secret,
    dropped_attributes,
    extract_secrets,
)
from apps.iac.engine.shaping import gcp_labels, resource_name

RESERVED_VARIABLES = ("environment", "aws_region", "location", "resource_group_name",
                      "gcp_project", "gcp_region")  # fmt: skip
# Extra outputs: (attribute, sensitive).
EXTRA_OUTPUTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "aws_db_instance": (("endpoint", False),),
    "aws_lb": (("dns_name", False),),
    "aws_s3_bucket": (("arn", False),),
    "azurerm_storage_account": (("primary_connection_string", True),),
    "azurerm_postgresql_flexible_server": (("fqdn", False),),
    "azurerm_redis_cache": (("primary_access_key", True),),
    "google_sql_database_instance": (("connection_name", False),),
}
# Zonal GCP resources need a zone; Dharma does not guess one.
GCP_ZONAL = ("google_compute_instance", "google_compute_disk")
S3_ENCRYPTION_KEYS = ("server_side_encryption", "encryption", "encryption_enabled", "encrypted")
S3_PUBLIC_ACCESS_BLOCK = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def _snake_keys(value: Any, *, under_map: bool = False) -> Any:
    if isinstance(value, Secret):
        return value
    if isinstance(value, Mapping):
        return {
            (str(k) if under_map else snake(str(k))): _snake_keys(
                v, under_map=str(k) in hcl.MAP_ARGUMENTS and not under_map
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_snake_keys(item, under_map=under_map) for item in value]
    return value


def _tls_version(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"TLS{int(value)}_{round((value - int(value)) * 10)}"
    if isinstance(value, str) and value.replace(".", "", 1).isdigit():
        major, _, minor = value.partition(".")
        return f"TLS{major}_{minor or 0}"
    return value


class _Resource:
    def __init__(self, component: Component, ident: str):
        self.component = component
        self.ident = ident
        self.arguments: dict[str, Any] = {}
        self.companions: list[tuple[str, dict[str, Any]]] = []
        self.secrets: list[Secret] = []
        self.notes: list[str] = []


def _translate(resource: _Resource, properties: dict[str, Any]) -> dict[str, Any]:
    native = resource.component.native
    name = resource.component.name
    for source, target in TERRAFORM_RENAMES.get(native, {}).items():
        if source in properties:
            value = properties.pop(source)
            if target in properties:
                resource.notes.append(f"{source} ignored: {target} is set")
            else:
                properties[target] = value
    if native == "aws_db_instance" and properties.get("engine") == "postgresql":
        properties["engine"] = "postgres"
    if native in ("azurerm_storage_account",) and "min_tls_version" in properties:
        properties["min_tls_version"] = _tls_version(properties["min_tls_version"])
    if native in ("azurerm_mssql_server", "azurerm_redis_cache") and (
        "minimum_tls_version" in properties
    ):
        value = properties["minimum_tls_version"]
        properties["minimum_tls_version"] = str(value) if isinstance(value, float) else value
    if native == "aws_s3_bucket":
        algorithm = None
        for key in S3_ENCRYPTION_KEYS:
            value = properties.get(key)
            if isinstance(value, str) and value:
                algorithm = algorithm or value
            elif value is True:
                algorithm = algorithm or "AES256"
            properties.pop(key, None)
        if algorithm and "server_side_encryption_configuration" not in properties:
            properties["server_side_encryption_configuration"] = {
                "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": algorithm}}
            }
        if isinstance(properties.get("versioning"), bool):
            properties["versioning"] = {"enabled": properties["versioning"]}
        block = {key: properties.pop(key) for key in S3_PUBLIC_ACCESS_BLOCK if key in properties}
        if block:
            resource.companions.append(
                (
                    "aws_s3_bucket_public_access_block",
                    {"bucket": Expr(f"aws_s3_bucket.{resource.ident}.id"), **block},
                )
            )
    if native == "google_compute_firewall" and "ingress" in properties:
        _gcp_firewall(name, properties)
    if native == "google_compute_instance" and properties.get("assign_public_ip") is True:
        interfaces = properties.get("network_interface")
        first = interfaces[0] if isinstance(interfaces, list) and interfaces else interfaces
        if isinstance(first, dict):
            first.setdefault("access_config", {})
            properties.pop("assign_public_ip")
        else:
            resource.notes.append("assign_public_ip needs a network_interface to go in")
    if native == "google_sql_database_instance":
        ip_configuration = (properties.get("settings") or {}).get("ip_configuration")
        if isinstance(ip_configuration, dict) and "authorized_network" in ip_configuration:
            networks = ip_configuration.pop("authorized_network")
            networks = networks if isinstance(networks, list) else [networks]
            ip_configuration["authorized_networks"] = [
                network if isinstance(network, Mapping) else {"value": network}
                for network in networks
            ]
    dropped = dropped_attributes(native, properties)
    if dropped:
        resource.notes.append(
            "blueprint attributes with no Terraform argument, not rendered: " + ", ".join(dropped)
        )
        for key in dropped:
            properties.pop(key)
    if native in GCP_ZONAL and "zone" not in properties:
        resource.notes.append(f"{native} needs a zone; set properties.zone ({name})")
    return properties


def _gcp_firewall(name: str, properties: dict[str, Any]) -> None:
    """The blueprint's `ingress` rules (the guardrail pack's shape: protocol, ports,
    source_ranges per rule) as one google_compute_firewall: direction INGRESS, the rules'
    source_ranges, one `allow` block per rule."""
    rules = properties.pop("ingress")
    rules = rules if isinstance(rules, list) else [rules]
    sources: list[Any] = []
    allow = []
    for rule in rules:
        if not isinstance(rule, Mapping):
            raise RenderError(f"Component '{name}' has an ingress rule that is not an object.")
        ranges = rule.get("source_ranges") or rule.get("cidr_blocks") or []
        ranges = sorted(ranges if isinstance(ranges, list) else [ranges])
        if sources and ranges != sources:
            raise RenderError(
                f"Component '{name}': a google_compute_firewall has one set of source_ranges "
                "for all its rules; give rules with other sources their own component."
            )
        sources = ranges
        entry = {"protocol": rule.get("protocol", "tcp")}
        if "ports" in rule or "port" in rule:
            ports = rule.get("ports", rule.get("port"))
            entry["ports"] = [str(p) for p in (ports if isinstance(ports, list) else [ports])]
        allow.append(entry)
    properties.setdefault("direction", "INGRESS")
    if sources:
        properties.setdefault("source_ranges", sources)
    existing = properties.get("allow")
    existing = existing if isinstance(existing, list) else [existing] if existing else []
    properties["allow"] = existing + allow


def _with_variables(value: Any, resource: _Resource, variables: dict[str, Secret]) -> Any:
    if isinstance(value, Secret):
        variable = "_".join([resource.ident, *value.words()])
        variables[variable] = value
        return Expr(f"var.{variable}")
    if isinstance(value, Mapping):
        return {k: _with_variables(v, resource, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_variables(item, resource, variables) for item in value]
    return value


def _region_alias(region: str) -> str:
    return snake(region)


def render_terraform(
    plan: Plan, *, blueprint: str, environment: str, version: str, header: str
) -> tuple[dict[str, str], list[str]]:
    warnings: list[str] = []
    idents = IdentifierAllocator("snake", RESERVED_VARIABLES).allocate(
        c.name for c in plan.components
    )
    by_name = {c.name: c for c in plan.components}
    secret_variables: dict[str, Secret] = {}
    aliases: dict[str, set[str]] = {p: set() for p in plan.providers}
    resources: list[_Resource] = []
    dharma_tags = {
        "blueprint": blueprint,
        "environment": Expr("var.environment"),
        "managed_by": "dharma",
    }
    for component in plan.components:
        resource = _Resource(component, idents[component.name])
        spec = component.spec
        properties, _ = extract_secrets(component.name, component.properties, component.sensitive)
        properties = _translate(resource, _snake_keys(properties))
        arguments: dict[str, Any] = {}
        for meta in ("count", "for_each"):
            if meta in properties:
                arguments[meta] = properties.pop(meta)
        provider = component.provider
        region = component.region or plan.default_region[provider]
        if provider in ("aws", "gcp") and region != plan.default_region[provider]:
            aliases[provider].add(region)
            arguments["provider"] = Expr(
                f"{catalog.TERRAFORM_PROVIDER[provider]}.{_region_alias(region)}"
            )
        if spec and spec.name_argument and spec.name_argument not in properties:
            arguments[spec.name_argument] = resource_name(component.name, spec.name_style)
        if (
            provider == "azure"
            and spec
            and (spec.location_argument or spec.terraform == "azurerm_subnet")
        ):
            arguments["resource_group_name"] = Expr("var.resource_group_name")
        if spec and spec.location_argument and spec.location_argument not in properties:
            default = Expr("var.location" if provider == "azure" else "var.gcp_region")
            arguments[spec.location_argument] = (
                component.region
                if component.region and component.region != plan.default_region[provider]
                else default
            )
        ordered = sorted(
            properties.items(),
            key=lambda item: (
                2 if hcl.is_block(*item) else 1 if isinstance(item[1], Mapping) else 0,
                item[0],
            ),
        )
        arguments.update(ordered)
        tags = {**{k: component.tags[k] for k in sorted(component.tags)}, **dharma_tags}
        if spec is None:
            warnings.append(
                f"{component.name}: tags not rendered: Dharma does not know whether "
                f"{component.native} supports tags"
            )
        elif spec.labels is not None:
            if provider == "gcp":
                tags, notes = gcp_labels(tags)
                resource.notes.extend(notes)
            target = arguments
            for part in spec.labels[:-1]:
                nested = target.get(part)
                if not isinstance(nested, dict):
                    nested = {}
                    target[part] = nested
                target = nested
            existing = target.get(spec.labels[-1])
            if isinstance(existing, Mapping):
                tags = {**existing, **tags}
            target[spec.labels[-1]] = tags
        if component.depends_on:
            arguments["depends_on"] = [
                Expr(f"{by_name[d].native}.{idents[d]}") for d in component.depends_on
            ]
        resource.arguments = _with_variables(arguments, resource, secret_variables)
        resources.append(resource)
        for note in resource.notes:
            warnings.append(f"{component.name}: {note}")
    for variable, secret in sorted(secret_variables.items()):
        warnings.append(
            f"{secret.component}: {'.'.join(str(p) for p in secret.path)} is sensitive; "
            f"rendered as variable {variable} (set it when applying)"
        )

    main = [header, _terraform_block(plan)]
    for provider in plan.providers:
        main.append(_provider_block(provider))
        for region in sorted(aliases[provider]):
            name = catalog.TERRAFORM_PROVIDER[provider]
            main.append(
                hcl.block("provider", [name], {"alias": _region_alias(region), "region": region})
            )
    for resource in resources:
        component = resource.component
        main.append(hcl.block("resource", [component.native, resource.ident], resource.arguments))
        for companion_type, arguments in resource.companions:
            main.append(hcl.block("resource", [companion_type, resource.ident], arguments))

    files = {
        "main.tf": "\n\n".join(main) + "\n",
        "variables.tf": _variables(plan, environment, secret_variables, header),
        "outputs.tf": _outputs(resources, header),
    }
    return files, warnings


def _terraform_block(plan: Plan) -> str:
    required = {}
    for provider in plan.providers:
        name = catalog.TERRAFORM_PROVIDER[provider]
        source, constraint = catalog.PROVIDER_SOURCES[name]
        required[name] = hcl.MapValue(source=source, version=constraint)
    return hcl.block(
        "terraform",
        [],
        {"required_version": ">= 1.5.0", "required_providers": required},
    )


def _provider_block(provider: str) -> str:
    if provider == "aws":
        return hcl.block("provider", ["aws"], {"region": Expr("var.aws_region")})
    if provider == "azure":
        return hcl.block("provider", ["azurerm"], {"features": {}})
    return hcl.block(
        "provider",
        ["google"],
        {"project": Expr("var.gcp_project"), "region": Expr("var.gcp_region")},
    )


def _variable(description: str, *, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {"description": description, "type": Expr(type_), **extra}


def _variables(plan: Plan, environment: str, secrets: Mapping[str, Secret], header: str) -> str:
    blocks = [
        hcl.block(
            "variable",
            ["environment"],
            {
                **_variable("Deployment environment, written into every resource's tags."),
                "default": environment or "dev",
                "validation": {
                    "condition": Expr('can(regex("^[a-z0-9_-]{1,63}$", var.environment))'),
                    "error_message": "environment must be 1-63 lower-case letters, digits, _ or -.",
                },
            },
        )
    ]
    if "aws" in plan.providers:
        blocks.append(
            hcl.block(
                "variable",
                ["aws_region"],
                _variable("AWS region of the resources that name no other.",
                          default=plan.default_region["aws"]),
            )
        )  # fmt: skip
    if "azure" in plan.providers:
        blocks.append(
            hcl.block(
                "variable",
                ["location"],
                _variable("Azure region of the resources that name no other.",
                          default=plan.default_region["azure"]),
            )
        )  # fmt: skip
        blocks.append(
            hcl.block(
                "variable",
                ["resource_group_name"],
                _variable("Existing resource group that receives the Azure resources."),
            )
        )
    if "gcp" in plan.providers:
        blocks.append(
            hcl.block("variable", ["gcp_project"], _variable("GCP project id to deploy into."))
        )
        blocks.append(
            hcl.block(
                "variable",
                ["gcp_region"],
                _variable("GCP region of the resources that name no other.",
                          default=plan.default_region["gcp"]),
            )
        )  # fmt: skip
    for variable, secret in sorted(secrets.items()):
        where = ".".join(str(part) for part in secret.path)
        blocks.append(
            hcl.block(
                "variable",
                [variable],
                _variable(
                    f"Sensitive: {where} of {secret.component}. Not stored in the IaC; "
                    "supply it when applying (TF_VAR_" + variable + ").",
                    sensitive=True,
                ),
            )
        )
    return header + "\n\n" + "\n\n".join(blocks) + "\n"


def _outputs(resources: list[_Resource], header: str) -> str:
    blocks = []
    for resource in resources:
        component = resource.component
        address = f"{component.native}.{resource.ident}"
        counted = "count" in resource.arguments
        each = "for_each" in resource.arguments
        attributes = [("id", False), *EXTRA_OUTPUTS.get(component.native, ())]
        for attribute, sensitive in attributes:
            if counted:
                value = Expr(f"{address}[*].{attribute}")
            elif each:
                value = Expr(f"{{ for key, item in {address} : key => item.{attribute} }}")
            else:
                value = Expr(f"{address}.{attribute}")
            body: dict[str, Any] = {
                "description": f"{attribute} of {component.name} ({component.native})",
                "value": value,
            }
            if sensitive:
                body["sensitive"] = True
            blocks.append(hcl.block("output", [f"{resource.ident}_{attribute}"], body))
    return header + "\n\n" + "\n\n".join(blocks) + "\n"
