"""Bicep: one `main.bicep` (targetScope, parameters — secrets `@secure()` —, resources as
`resource <id> '<type>@<apiVersion>'` with name, location, tags, properties and dependsOn, and
outputs). Azure only.

Blueprint properties written with Terraform's names are placed where ARM expects them for the
resources the guardrail pack and the price catalog know (`enable_https_traffic_only` is
`properties.supportsHttpsTrafficOnly`, a VM's `size` is `properties.hardwareProfile.vmSize` ...);
any other key is written in camelCase under `properties` (ARM's top-level `sku`, `kind`,
`identity`, `zones` and `plan` stay at the top), as given otherwise.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from apps.iac.engine.naming import IdentifierAllocator, camel
from apps.iac.engine.planning import Component, Plan
from apps.iac.engine.properties import Secret, dropped_attributes, extract_secrets
from apps.iac.engine.shaping import resource_name

INDENT = "  "
KEYWORDS = (
    "resource", "param", "var", "output", "module", "targetScope", "if", "for", "in",
    "true", "false", "null", "existing", "import", "metadata", "type", "func", "as", "with",
    "location", "environmentName", "dharmaTags", "extension", "using", "assert",
)  # fmt: skip
TOP_LEVEL = ("sku", "kind", "identity", "zones", "plan", "extendedLocation")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Ref(str):
    """A Bicep expression (a parameter, a resource's property), written as is."""

    __slots__ = ()


def _tls(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"TLS{int(value)}_{round((value - int(value)) * 10)}"
    return value


# (terraform-style key) -> (path from the resource, value transform) per ARM type.
Mapper = tuple[str, Callable[[Any], Any] | None]
MAPPINGS: dict[str, dict[str, Mapper]] = {
    "Microsoft.Storage/storageAccounts": {
        "enable_https_traffic_only": ("properties.supportsHttpsTrafficOnly", None),
        "https_traffic_only_enabled": ("properties.supportsHttpsTrafficOnly", None),
        "min_tls_version": ("properties.minimumTlsVersion", _tls),
        "allow_nested_items_to_be_public": ("properties.allowBlobPublicAccess", None),
        "public_access": ("properties.allowBlobPublicAccess", None),
        "network_rules": ("properties.networkAcls", None),
        "access_tier": ("properties.accessTier", None),
        "account_kind": ("kind", None),
    },
    "Microsoft.Compute/virtualMachines": {
        "size": ("properties.hardwareProfile.vmSize", None),
        "vm_size": ("properties.hardwareProfile.vmSize", None),
        "admin_username": ("properties.osProfile.adminUsername", None),
        "admin_password": ("properties.osProfile.adminPassword", None),
        "computer_name": ("properties.osProfile.computerName", None),
        "disable_password_authentication": (
            "properties.osProfile.linuxConfiguration.disablePasswordAuthentication",
            None,
        ),
        "os_disk": ("properties.storageProfile.osDisk", None),
    },
    "Microsoft.Network/virtualNetworks": {
        "address_space": ("properties.addressSpace.addressPrefixes", None),
    },
    "Microsoft.DBforPostgreSQL/flexibleServers": {
        "sku_name": ("sku.name", None),
        "administrator_login": ("properties.administratorLogin", None),
        "administrator_password": ("properties.administratorLoginPassword", None),
        "version": ("properties.version", None),
        "storage_mb": ("properties.storage.storageSizeGB", lambda mb: int(mb) // 1024),
        "backup_retention_days": ("properties.backup.backupRetentionDays", None),
        "public_network_access_enabled": (
            "properties.network.publicNetworkAccess",
            lambda on: "Enabled" if on else "Disabled",
        ),
    },
    "Microsoft.Sql/servers": {
        "administrator_login": ("properties.administratorLogin", None),
        "administrator_login_password": ("properties.administratorLoginPassword", None),
        "minimum_tls_version": ("properties.minimalTlsVersion", str),
        "public_network_access_enabled": (
            "properties.publicNetworkAccess",
            lambda on: "Enabled" if on else "Disabled",
        ),
    },
    "Microsoft.Web/sites": {
        "https_only": ("properties.httpsOnly", None),
        "site_config": ("properties.siteConfig", None),
    },
}


def quote(text: str) -> str:
    out = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char == "$" and text[index + 1 : index + 2] == "{":
            out.append("\\$")
        elif ord(char) < 0x20:
            out.append(f"\\u{{{ord(char):X}}}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def value_text(value: Any, depth: int) -> str:
    if isinstance(value, Ref):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Bicep has no decimal literals: json('1.5') gives one.
        return f"json('{value!r}')"
    if isinstance(value, str):
        return quote(value)
    pad = INDENT * (depth + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        lines = [
            f"{pad}{k if IDENTIFIER.match(str(k)) else quote(str(k))}: {value_text(v, depth + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        lines = [f"{pad}{value_text(item, depth + 1)}" for item in value]
        return "[\n" + "\n".join(lines) + "\n" + INDENT * depth + "]"
    raise TypeError(f"cannot write {type(value).__name__} as Bicep")


def _camel_tree(value: Any) -> Any:
    if isinstance(value, Secret):
        return value
    if isinstance(value, Mapping):
        return {camel(str(k)): _camel_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_tree(item) for item in value]
    return value


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = {}
            target[part] = nested
        target = nested
    target[parts[-1]] = value


def _with_params(value: Any, params: dict[str, Secret], ident: str) -> Any:
    if isinstance(value, Secret):
        name = ident + "".join(word.capitalize() for word in value.words())
        params[name] = value
        return Ref(name)
    if isinstance(value, Mapping):
        return {k: _with_params(v, params, ident) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_params(item, params, ident) for item in value]
    return value


def _body(
    component: Component,
    idents: Mapping[str, str],
    notes: list[str],
    default_region: str,
) -> dict[str, Any]:
    native = component.native
    raw, _ = extract_secrets(component.name, component.properties, component.sensitive)
    properties = dict(raw)
    body: dict[str, Any] = {}
    parent = properties.pop("parent", None)
    if native.count("/") > 1:
        if not isinstance(parent, str) or parent not in idents:
            from apps.iac.engine.errors import RenderError

            raise RenderError(
                f"Component '{component.name}' is a {native}, a child resource: set "
                "properties.parent to the name of the component it belongs to."
            )
        body["parent"] = Ref(idents[parent])
    spec = component.spec
    name = properties.pop("name", None)
    body["name"] = (
        name
        if name is not None
        else resource_name(component.name, spec.name_style if spec else "as_is")
    )
    if native.count("/") == 1:
        region = component.region
        body["location"] = region if region and region != default_region else Ref("location")
    for meta in ("count", "for_each"):
        if meta in properties:
            properties.pop(meta)
            notes.append(f"{meta} not rendered: each Bicep resource here is one resource")
    mapped: dict[str, Any] = {}
    mappings = MAPPINGS.get(native, {})
    for key in sorted(properties):
        if key in mappings:
            path, transform = mappings[key]
            value = properties.pop(key)
            value = transform(value) if transform and not isinstance(value, Secret) else value
            _put(mapped, path, _camel_tree(value))
    if native == "Microsoft.Storage/storageAccounts":
        tier = properties.pop("account_tier", None)
        replication = properties.pop("account_replication_type", None)
        if tier and replication:
            _put(mapped, "sku.name", f"{tier}_{replication}")
        elif tier or replication:
            notes.append("account_tier and account_replication_type make sku.name; give both")
    dropped = dropped_attributes(None, properties)
    if dropped:
        notes.append(
            "blueprint attributes with no Bicep property, not rendered: " + ", ".join(dropped)
        )
        for key in dropped:
            properties.pop(key)
    for key in sorted(properties):
        target = camel(key)
        value = _camel_tree(properties[key])
        if target in TOP_LEVEL:
            mapped.setdefault(target, value)
        else:
            _put(mapped, f"properties.{target}", value)
    if "kind" not in mapped and component.spec and component.spec.bicep_kind:
        mapped["kind"] = component.spec.bicep_kind
    for key in TOP_LEVEL:
        if key in mapped:
            body[key] = mapped.pop(key)
    return {**body, **{k: mapped[k] for k in sorted(mapped) if k != "properties"}} | (
        {"properties": mapped["properties"]} if "properties" in mapped else {}
    )


def render_bicep(
    plan: Plan, *, blueprint: str, environment: str, header: list[str]
) -> tuple[dict[str, str], list[str]]:
    warnings: list[str] = []
    idents = IdentifierAllocator("camel", KEYWORDS).allocate(c.name for c in plan.components)
    secret_params: dict[str, Secret] = {}
    blocks: list[str] = []
    outputs: list[str] = []
    for component in plan.components:
        ident = idents[component.name]
        notes: list[str] = []
        body = _body(component, idents, notes, plan.default_region["azure"])
        tags: dict[str, Any] = {k: component.tags[k] for k in sorted(component.tags)}
        tags.update(blueprint=blueprint, environment=Ref("environmentName"), managed_by="dharma")
        if component.native.count("/") == 1 and component.spec is not None:
            body = {
                **{k: v for k, v in body.items() if k != "properties"},
                "tags": tags,
                **({"properties": body["properties"]} if "properties" in body else {}),
            }
        elif component.tags:
            notes.append(f"tags not rendered: {component.native} takes no tags here")
        if component.depends_on:
            body["dependsOn"] = [Ref(idents[d]) for d in component.depends_on]
        body = _with_params(body, secret_params, ident)
        blocks.append(
            f"resource {ident} '{component.native}@{component.api_version}' = "
            + value_text(body, 0)
        )
        outputs.append(f"output {ident}Id string = {ident}.id")
        outputs.append(f"output {ident}Name string = {ident}.name")
        warnings.extend(f"{component.name}: {note}" for note in notes)
    params = [
        "@description('Azure region of the resources that name no other.')\n"
        f"param location string = {quote(plan.default_region['azure'])}",
        "@description('Deployment environment, written into every resource\\'s tags.')\n"
        "@minLength(1)\n@maxLength(63)\n"
        f"param environmentName string = {quote(environment or 'dev')}",
    ]
    for name, secret in sorted(secret_params.items()):
        where = ".".join(str(part) for part in secret.path)
        description = f"Sensitive: {where} of {secret.component}; supply it when deploying."
        params.append(f"@secure()\n@description({quote(description)})\nparam {name} string")
        warnings.append(
            f"{secret.component}: {where} is sensitive; rendered as @secure() parameter {name}"
        )
    text = "\n".join(f"// {line}" for line in header)
    text += "\n\ntargetScope = 'resourceGroup'\n\n"
    text += "\n\n".join(params) + "\n\n" + "\n\n".join(blocks) + "\n\n" + "\n".join(outputs) + "\n"
    return {"main.bicep": text}, warnings
