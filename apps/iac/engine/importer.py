"""Existing Terraform imported into a blueprint graph (python-hcl2; no Terraform runs).

Each `resource "type" "name"` of the aws, azurerm or google providers becomes a component: its
type kept native, its provider from the type's prefix, its region from the resource's literal
`region`/`location` or else its provider block's (a `var.x` with a literal default counts as
literal there), its literal arguments as properties (expressions are kept as their `${...}` text
and listed in the warnings), `tags` / `labels` as tags (Dharma's own `blueprint`,
`environment` and `managed_by` tags are left out: generation writes them), and its explicit
`depends_on` plus every `type.name.attr` reference to another imported resource as depends_on.
An S3 public access block named like its bucket folds back into the bucket's
`block_public_*` properties, as Dharma renders them.

Modules, data sources, variables' uses and resources of other providers are reported in the
warnings, never expanded or guessed. A file that does not parse raises TerraformImportError
naming the file.
"""

import re
from collections.abc import Mapping
from typing import Any

from apps.iac.engine import hcl
from apps.iac.engine.catalog import BY_TERRAFORM, provider_of_terraform_type
from apps.iac.engine.errors import TerraformImportError
from apps.iac.engine.naming import words
from apps.iac.engine.validate_terraform import labelled, parse, parse_error

META_ARGUMENTS = ("depends_on", "provider", "lifecycle", "provisioner", "connection")
DHARMA_TAGS = ("blueprint", "environment", "managed_by")
REFERENCE = re.compile(
    r"(?<![\w.\"-])(data\.)?((?:aws|azurerm|google)_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)"
)
OTHER_REFERENCE = re.compile(r"(?<![\w.])(module|data|local)\.([A-Za-z_][A-Za-z0-9_-]*)")
VARIABLE = re.compile(r"^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class Expression(str):
    """An argument that is an expression or template, kept as its `${...}` text."""

    __slots__ = ()


def _unblock(value: Any) -> Any:
    """python-hcl2's blocks (lists of dicts marked __is_block__) as plain dicts / lists."""
    if isinstance(value, list):
        items = [_unblock(item) for item in value]
        if value and all(isinstance(item, dict) and item.get("__is_block__") for item in value):
            return items[0] if len(items) == 1 else items
        return items
    if isinstance(value, dict):
        return {
            hcl.label(str(k)): _unblock(v) for k, v in value.items() if not str(k).startswith("__")
        }
    if isinstance(value, str):
        literal = hcl.literal_string(value)
        return literal if literal is not None else Expression(value)
    return value


def _expressions(value: Any, path: str) -> list[tuple[str, str]]:
    """(path, text) of every expression kept as text in a plain value."""
    if isinstance(value, Expression):
        return [(path, str(value))]
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_expressions(item, f"{path}.{key}" if path else key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_expressions(item, f"{path}[{index}]"))
    return out


def _literal(text: Any, variables: Mapping[str, Any]) -> str | None:
    """A literal string, or the literal default of `var.x`."""
    if not isinstance(text, str):
        return None
    if not isinstance(text, Expression):
        return text
    match = VARIABLE.match(text)
    default = variables.get(match[1]) if match else None
    return default if isinstance(default, str) and not isinstance(default, Expression) else None


def _component_name(key: tuple[str, str], body: Mapping[str, Any], shared: bool) -> str:
    """The resource's own name when it is the label written Dharma's way (`app-db` for
    `aws_db_instance.app_db { identifier = "app-db" }`), else the label; a label that two
    resources share gets the type appended."""
    type_, label = key
    spec = BY_TERRAFORM.get(type_)
    argument = body.get(spec.name_argument) if spec and spec.name_argument else None
    if (
        isinstance(argument, str)
        and not isinstance(argument, Expression)
        and "_".join(words(argument)) == label
        and NAME.match(argument)
    ):
        label = argument
    return f"{label}-{type_}" if shared else label


def import_terraform(files: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(files, Mapping) or not files:
        raise TerraformImportError("No files to import.")
    warnings: list[str] = []
    trees: dict[str, dict[str, Any]] = {}
    for name in sorted(files):
        if not name.endswith(".tf"):
            warnings.append(f"{name}: not a .tf file, ignored")
            continue
        text = files[name]
        if not isinstance(text, str):
            raise TerraformImportError(f"{name}: the content is not text.")
        try:
            trees[name] = parse(name, text)
        except ValueError as exc:
            raise TerraformImportError(f"{name}: {parse_error(exc.__cause__ or exc)}") from exc
    if not trees:
        raise TerraformImportError("No .tf file among: " + ", ".join(sorted(files)) + ".")

    variables: dict[str, Any] = {}
    provider_regions: dict[str, str] = {}  # "aws" or "aws.alias" -> region
    raw_resources: list[tuple[str, str, str, dict[str, Any]]] = []  # file, type, label, body
    for name, tree in trees.items():
        for labels, body in labelled(tree.get("variable"), 1):
            variables[labels[0]] = _unblock(body.get("default"))
        for labels, body in labelled(tree.get("module"), 1):
            source = _unblock(body.get("source"))
            warnings.append(
                f"{name}: module {labels[0]} ({source}) not imported: modules are not expanded"
            )
        for labels, _body in labelled(tree.get("data"), 2):
            warnings.append(
                f"{name}: data source {labels[0]}.{labels[1]} not imported: it reads existing "
                "infrastructure"
            )
        for labels, body in labelled(tree.get("resource"), 2):
            raw_resources.append((name, labels[0], labels[1], body))
    for tree in trees.values():
        for labels, body in labelled(tree.get("provider"), 1):
            plain = _unblock(body)
            region = _literal(plain.get("region") or plain.get("location"), variables)
            if region:
                alias = plain.get("alias")
                provider_regions[f"{labels[0]}.{alias}" if alias else labels[0]] = region

    imported: dict[tuple[str, str], dict[str, Any]] = {}
    names: dict[tuple[str, str], str] = {}
    companions: list[tuple[str, str, dict[str, Any]]] = []
    for file, type_, label, body in raw_resources:
        provider = provider_of_terraform_type(type_)
        if provider is None:
            warnings.append(
                f"{file}: resource {type_}.{label} not imported: Dharma imports aws, azurerm and "
                "google resources"
            )
            continue
        plain = _unblock(body)
        if type_ == "aws_s3_bucket_public_access_block":
            companions.append((file, label, plain))
            continue
        imported[(type_, label)] = {"file": file, "type": type_, "label": label,
                                    "provider": provider, "body": plain}  # fmt: skip
    by_label: dict[str, list[tuple[str, str]]] = {}
    for key in imported:
        by_label.setdefault(key[1], []).append(key)
    for key, item in sorted(imported.items()):
        names[key] = _component_name(key, item["body"], len(by_label[key[1]]) > 1)

    for file, label, plain in companions:
        bucket = imported.get(("aws_s3_bucket", label))
        target_text = str(plain.get("bucket", ""))
        match = REFERENCE.search(target_text)
        if match and not match[1] and (match[2], match[3]) in imported:
            bucket = imported[(match[2], match[3])]
        if bucket is None or bucket["type"] != "aws_s3_bucket":
            imported[("aws_s3_bucket_public_access_block", label)] = {
                "file": file, "type": "aws_s3_bucket_public_access_block", "label": label,
                "provider": "aws", "body": plain,
            }  # fmt: skip
            names[("aws_s3_bucket_public_access_block", label)] = label
            continue
        for argument, value in plain.items():
            if argument.startswith(("block_public", "ignore_public", "restrict_public")):
                bucket["body"].setdefault(argument, value)

    components = []
    for key in sorted(imported, key=lambda k: names[k]):
        item = imported[key]
        type_, label, file = item["type"], item["label"], item["file"]
        body = dict(item["body"])
        component_name = names[key]
        provider = item["provider"]
        depends: set[str] = set()
        for target in body.pop("depends_on", None) or []:
            text = str(target)
            inner = text[2:-1] if text.startswith("${") else text
            found = REFERENCE.fullmatch(inner)
            if found and not found[1] and (found[2], found[3]) in imported:
                depends.add(names[(found[2], found[3])])
            else:
                warnings.append(f"{file}: {type_}.{label} depends on {inner}, not imported")
        provider_ref = body.pop("provider", None)
        for meta in META_ARGUMENTS[2:]:
            if meta in body:
                body.pop(meta)
                warnings.append(f"{file}: {type_}.{label}: {meta} not imported")
        spec = BY_TERRAFORM.get(type_)
        tags_key = (
            spec.labels[-1] if spec and spec.labels else ("labels" if provider == "gcp" else "tags")
        )
        tags_parent = body
        if spec and spec.labels and len(spec.labels) > 1:
            nested = body.get(spec.labels[0])
            tags_parent = nested if isinstance(nested, dict) else {}
        raw_tags = tags_parent.pop(tags_key, None) if isinstance(tags_parent, dict) else None
        tags: dict[str, str] = {}
        if isinstance(raw_tags, dict):
            generated = raw_tags.get("managed_by") == "dharma"
            for tag, value in raw_tags.items():
                if generated and tag in DHARMA_TAGS:
                    continue
                if isinstance(value, Expression):
                    warnings.append(
                        f"{file}: {type_}.{label}: tag {tag} is an expression, kept as text"
                    )
                tags[str(tag)] = (
                    value
                    if isinstance(value, str)
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value)
                )
        elif isinstance(raw_tags, str):
            warnings.append(f"{file}: {type_}.{label}: {tags_key} is an expression, not imported")
        region = None
        location_argument = spec.location_argument if spec else None
        for argument in ("region", "location"):
            found_region = _literal(body.get(argument), variables)
            region = region or found_region
            if found_region and argument == location_argument:
                body.pop(argument)  # it is the component's region
        if body.get("resource_group_name") == "${var.resource_group_name}":
            body.pop("resource_group_name")  # as Dharma renders every Azure resource
        if region is None:
            if isinstance(provider_ref, str) and provider_ref.startswith("${"):
                region = provider_regions.get(provider_ref[2:-1])
            else:
                region = provider_regions.get(
                    {"aws": "aws", "azure": "azurerm", "gcp": "google"}[provider]
                )
        for path, text in _expressions(body, ""):
            for found in REFERENCE.finditer(text):
                target = (found[2], found[3])
                if not found[1] and target in imported and target != key:
                    depends.add(names[target])
            for kind, other in OTHER_REFERENCE.findall(text):
                warnings.append(f"{file}: {type_}.{label}: {path} refers to {kind}.{other}")
            warnings.append(
                f"{file}: {type_}.{label}: {path} is an expression ({text}), kept as text"
            )
        component: dict[str, Any] = {
            "name": component_name,
            "type": type_,
            "provider": provider,
        }
        if region:
            component["region"] = region
        component.update(properties=body, tags=tags, depends_on=sorted(depends))
        components.append(component)
    if not components:
        raise TerraformImportError(
            "No aws, azurerm or google resource in " + ", ".join(sorted(trees)) + "."
        )
    return {"components": components, "relations": []}, warnings
