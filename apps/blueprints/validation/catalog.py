"""What the validator knows about clouds: providers, regions, resource types, naming and tags."""

import re
from typing import Final

PROVIDERS: Final = ("aws", "azure", "gcp")

REGIONS: Final[dict[str, frozenset[str]]] = {
    "aws": frozenset(
        {
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1",
        }
    ),
    "azure": frozenset(
        {"eastus", "westus", "centralus", "northeurope", "westeurope", "southeastasia"}
    ),
    "gcp": frozenset({"us-central1", "us-east1", "us-west1", "europe-west1", "asia-southeast1"}),
}

RESOURCE_TYPES: Final[dict[str, frozenset[str]]] = {
    "aws": frozenset(
        {
            "ec2",
            "rds",
            "s3",
            "lambda",
            "vpc",
            "subnet",
            "security-group",
            "iam-role",
            "iam-policy",
            "load-balancer",
            "auto-scaling-group",
        }
    ),
    "azure": frozenset(
        {
            "vm",
            "sql-database",
            "storage-account",
            "function-app",
            "vnet",
            "subnet",
            "nsg",
            "load-balancer",
            "app-service",
        }
    ),
    "gcp": frozenset(
        {
            "compute-instance",
            "cloud-sql",
            "storage-bucket",
            "cloud-function",
            "vpc",
            "subnet",
            "firewall",
            "load-balancer",
        }
    ),
}

# Provider-native type names (aws_s3_bucket, AWS::S3::Bucket, Microsoft.Storage/storageAccounts)
# are passed through to the generators as they are, so they are accepted without a warning.
NATIVE_TYPE_MARKERS: Final = ("_", "::", "/")

# Types whose data at rest should be encrypted (matched case-insensitively as substrings).
DATA_STORE_MARKERS: Final = ("storage", "database", "s3", "rds", "sql", "bucket")

REQUIRED_TAGS: Final = ("environment", "owner", "project")

BLUEPRINT_NAME_PATTERN: Final = re.compile(r"[a-z0-9_-]+")
COMPONENT_NAME_PATTERN: Final = re.compile(r"[a-zA-Z0-9_-]+")


def is_native_type(resource_type: str) -> bool:
    return any(marker in resource_type for marker in NATIVE_TYPE_MARKERS)


def is_known_type(provider: str, resource_type: str) -> bool:
    return resource_type in RESOURCE_TYPES.get(provider, frozenset()) or is_native_type(
        resource_type
    )


def is_data_store(resource_type: str) -> bool:
    lowered = resource_type.lower()
    return any(marker in lowered for marker in DATA_STORE_MARKERS)
