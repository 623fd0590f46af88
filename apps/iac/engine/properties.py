"""From a blueprint's properties to a resource's arguments.

Blueprints describe resources with Terraform's attribute names plus a few attributes of their
own that Dharma's guardrail and cost engines read (`encryption_enabled`, `storage_gb`,
`monitoring_enabled` ...). Those are translated where the resource has an equivalent argument
(`encrypted` on an RDS instance is `storage_encrypted`; `storage_gb` is `allocated_storage`) and
otherwise left out of the IaC, with a warning that names them.

Sensitive values (passwords, secrets, tokens, private keys, connection strings ...) are never
written as literals: `extract_secrets` replaces them with `Secret` markers that each renderer
turns into a sensitive variable / `@secure()` parameter / `NoEcho` parameter.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from apps.iac.engine.naming import snake, words

_SECRET_WORDS: Final = {"password", "passwd", "passphrase", "secret", "token", "pwd"}
_SECRET_PHRASES: Final = (
    "private_key",
    "connection_string",
    "access_key",
    "api_key",
    "secret_key",
    "auth_key",
    "account_key",
    "shared_key",
    "primary_key",
    "master_key",
    "sas",
)
# A key ending in one of these names something about a secret, not the secret itself.
_NOT_SECRET_LAST: Final = {
    "arn", "id", "ids", "name", "names", "length", "enabled", "policy", "version", "rotation",
    "type", "ttl", "expiry", "expiration", "arns", "kms", "url", "uri", "path", "mode",
}  # fmt: skip


@dataclass(frozen=True)
class Secret:
    """A sensitive value taken out of the properties: `path` is where it was (keys and list
    positions), `key` the property key it was under."""

    component: str
    path: tuple[str | int, ...]

    @property
    def key(self) -> str:
        return str([part for part in self.path if isinstance(part, str)][-1])

    def words(self) -> list[str]:
        out: list[str] = []
        for part in self.path:
            out.extend(words(part) if isinstance(part, str) else [str(part)])
        return out


def is_sensitive_key(key: str, extra: frozenset[str] = frozenset()) -> bool:
    if key in extra or snake(key) in extra:
        return True
    parts = words(key)
    if not parts or parts[-1] in _NOT_SECRET_LAST:
        return False
    if _SECRET_WORDS.intersection(parts):
        return True
    joined = "_".join(parts)
    return any(
        joined == phrase or joined.endswith("_" + phrase) or joined.startswith(phrase + "_")
        or f"_{phrase}_" in joined
        for phrase in _SECRET_PHRASES
    )  # fmt: skip


def extract_secrets(
    component: str, properties: Mapping[str, Any], extra: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[Secret]]:
    """A copy of the properties with every sensitive string or number replaced by a Secret."""
    secrets: list[Secret] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                key = str(key)
                here = (*path, key)
                if (
                    isinstance(item, str | int | float)
                    and not isinstance(item, bool)
                    and item != ""
                    and is_sensitive_key(key, extra)
                ):
                    secret = Secret(component, here)
                    secrets.append(secret)
                    out[key] = secret
                else:
                    out[key] = walk(item, here)
            return out
        if isinstance(value, list):
            return [walk(item, (*path, index)) for index, item in enumerate(value)]
        return value

    return walk(properties, ()), secrets


# Dharma's own attributes (guardrail and cost inputs), left out unless translated or kept.
BLUEPRINT_ATTRIBUTES: Final = frozenset(
    {
        "encryption_enabled", "encryption", "encrypted", "public_access", "public",
        "subnet_type", "audit_logging", "backup_policy", "pricing_model", "auto_scaling",
        "monitoring_enabled", "availability_zones", "dr_enabled", "health_check", "mfa_enabled",
        "min_tls_version", "storage_gb", "size_gb", "monthly_requests_millions",
        "avg_duration_ms", "duration_ms", "memory_mb", "monthly_hours", "instance_count",
        "region", "provider", "sensitive", "parent", "listener_protocol", "assign_public_ip",
        "server_side_encryption", "block_public_acls", "block_public_policy",
        "ignore_public_acls", "restrict_public_buckets", "redundancy", "replication",
        "tier", "disk_type",
    }
)  # fmt: skip
# Attributes above that are real arguments of some types.
KEEP: Final[dict[str, frozenset[str]]] = {
    "aws_autoscaling_group": frozenset({"availability_zones"}),
    "aws_elb": frozenset({"availability_zones"}),
    "aws_rds_cluster": frozenset({"availability_zones", "storage_encrypted"}),
    "aws_ebs_volume": frozenset({"encrypted"}),
    "aws_efs_file_system": frozenset({"encrypted"}),
    "azurerm_storage_account": frozenset({"min_tls_version"}),
    "azurerm_mssql_server": frozenset({"minimum_tls_version"}),
    "azurerm_redis_cache": frozenset({"minimum_tls_version"}),
    "google_sql_database_instance": frozenset({"region"}),
    "google_compute_subnetwork": frozenset({"region"}),
    "google_redis_instance": frozenset({"tier", "region"}),
    "google_cloudfunctions_function": frozenset({"region"}),
    "google_compute_forwarding_rule": frozenset({"region"}),
}

# Renames of blueprint attributes to Terraform arguments, per native type.
TERRAFORM_RENAMES: Final[dict[str, dict[str, str]]] = {
    "aws_instance": {"instance_count": "count", "size": "instance_type"},
    "aws_db_instance": {
        "storage_gb": "allocated_storage",
        "encrypted": "storage_encrypted",
        "encryption_enabled": "storage_encrypted",
        "public_access": "publicly_accessible",
        "size": "instance_class",
    },
    "aws_ebs_volume": {"size_gb": "size", "storage_gb": "size", "volume_type": "type",
                       "disk_type": "type", "encryption_enabled": "encrypted"},
    "aws_lambda_function": {"memory_mb": "memory_size"},
    "azurerm_linux_virtual_machine": {"vm_size": "size"},
    "azurerm_windows_virtual_machine": {"vm_size": "size"},
    "azurerm_virtual_machine": {"size": "vm_size"},
    "azurerm_managed_disk": {"size_gb": "disk_size_gb", "storage_gb": "disk_size_gb",
                             "disk_sku": "storage_account_type"},
    "azurerm_storage_account": {
        "public_access": "allow_nested_items_to_be_public",
        "replication": "account_replication_type",
        "redundancy": "account_replication_type",
    },
    "azurerm_mssql_server": {"public_access": "public_network_access_enabled",
                             "min_tls_version": "minimum_tls_version"},
    "azurerm_mssql_database": {"storage_gb": "max_size_gb", "size": "sku_name"},
    "azurerm_redis_cache": {"min_tls_version": "minimum_tls_version"},
    "azurerm_postgresql_flexible_server": {"public_access": "public_network_access_enabled",
                                           "size": "sku_name"},
    "google_compute_instance": {"size": "machine_type"},
    "google_compute_disk": {"size_gb": "size", "storage_gb": "size", "disk_type": "type"},
    "google_storage_bucket": {"tier": "storage_class"},
}  # fmt: skip


def dropped_attributes(terraform_type: str | None, properties: Mapping[str, Any]) -> list[str]:
    keep = KEEP.get(terraform_type or "", frozenset())
    return sorted(key for key in properties if key in BLUEPRINT_ATTRIBUTES and key not in keep)
