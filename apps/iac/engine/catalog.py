"""Resource types: the original generator's generic-type map, blueprint short names, and the
native Terraform / CloudFormation / Bicep names of the same resource.

A component's `type` is resolved for a format in this order:

1. a name native to the format (`aws_s3_bucket`, `AWS::S3::Bucket`, `Microsoft.Storage/...`)
   is used as is; a known one gets its metadata (tags, name argument), an unknown one is passed
   through (Bicep needs its `@apiVersion` then);
2. a name native to another format is mapped to this one when the resource is in the table
   below (`aws_s3_bucket` <-> `AWS::S3::Bucket`);
3. a generic name (`compute`, `storage` ...) or a blueprint short name (`ec2`, `storage-account`,
   `compute-instance` ...) is mapped for the component's provider;
4. anything else is a `RenderError` naming the component.
"""

import re
from dataclasses import dataclass
from typing import Final

PROVIDERS: Final = ("aws", "azure", "gcp")
TERRAFORM_PREFIX: Final = {"aws": "aws_", "azure": "azurerm_", "gcp": "google_"}
TERRAFORM_PROVIDER: Final = {"aws": "aws", "azure": "azurerm", "gcp": "google"}
# Pinned major versions (the original's required_providers).
PROVIDER_SOURCES: Final = {
    "aws": ("hashicorp/aws", "~> 5.0"),
    "azurerm": ("hashicorp/azurerm", "~> 3.0"),
    "google": ("hashicorp/google", "~> 5.0"),
}

TERRAFORM_NATIVE = re.compile(r"^(aws|azurerm|google)_[a-z0-9_]+$")
CFN_NATIVE = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)?$")
BICEP_NATIVE = re.compile(
    r"^Microsoft\.[A-Za-z0-9]+(/[A-Za-z0-9]+)+(@\d{4}-\d{2}-\d{2}(-preview)?)?$"
)


@dataclass(frozen=True)
class TypeSpec:
    """One resource in its native forms. `aliases` are the generic and short blueprint names
    that mean it for its provider; `name_argument` is the Terraform argument that names the
    resource (filled from the component name when the blueprint does not set it) and
    `name_style` how such a name must look; `labels` is where tags go (None: not taggable)."""

    provider: str
    terraform: str
    cloudformation: str | None = None
    bicep: str | None = None
    aliases: tuple[str, ...] = ()
    name_argument: str | None = None
    name_style: str = "as_is"  # as_is | dns (lower-case, digits, dashes) | alnum24
    labels: tuple[str, ...] | None = ("tags",)
    location_argument: str | None = None  # gcp/azure: where the component's region goes
    bicep_kind: str | None = None


_AWS = [
    TypeSpec("aws", "aws_instance", "AWS::EC2::Instance", aliases=("compute", "ec2")),
    TypeSpec("aws", "aws_vpc", "AWS::EC2::VPC", aliases=("network", "vpc")),
    TypeSpec("aws", "aws_subnet", "AWS::EC2::Subnet", aliases=("subnet",)),
    TypeSpec(
        "aws", "aws_security_group", "AWS::EC2::SecurityGroup",
        aliases=("firewall", "security-group"), name_argument="name",
    ),
    TypeSpec(
        "aws", "aws_s3_bucket", "AWS::S3::Bucket", aliases=("storage", "s3"),
        name_argument="bucket", name_style="dns",
    ),
    TypeSpec(
        "aws", "aws_db_instance", "AWS::RDS::DBInstance", aliases=("database", "rds"),
        name_argument="identifier", name_style="dns",
    ),
    TypeSpec(
        "aws", "aws_lambda_function", "AWS::Lambda::Function", aliases=("function", "lambda"),
        name_argument="function_name",
    ),
    TypeSpec(
        "aws", "aws_lb", "AWS::ElasticLoadBalancingV2::LoadBalancer",
        aliases=("load_balancer", "load-balancer"), name_argument="name", name_style="dns",
    ),
    TypeSpec("aws", "aws_alb", None, name_argument="name", name_style="dns"),
    TypeSpec(
        "aws", "aws_elb", "AWS::ElasticLoadBalancing::LoadBalancer", name_argument="name",
        name_style="dns",
    ),
    TypeSpec(
        "aws", "aws_autoscaling_group", "AWS::AutoScaling::AutoScalingGroup",
        aliases=("auto-scaling-group",), name_argument="name", labels=None,
    ),
    TypeSpec(
        "aws", "aws_iam_role", "AWS::IAM::Role", aliases=("identity", "iam-role"),
        name_argument="name",
    ),
    TypeSpec(
        "aws", "aws_iam_policy", "AWS::IAM::ManagedPolicy", aliases=("iam-policy",),
        name_argument="name", labels=None,
    ),
    TypeSpec("aws", "aws_iam_user", "AWS::IAM::User", name_argument="name"),
    TypeSpec("aws", "aws_ebs_volume", "AWS::EC2::Volume", aliases=("ebs",)),
    TypeSpec(
        "aws", "aws_dynamodb_table", "AWS::DynamoDB::Table", aliases=("dynamodb",),
        name_argument="name",
    ),
    TypeSpec(
        "aws", "aws_sqs_queue", "AWS::SQS::Queue", aliases=("queue", "sqs"), name_argument="name"
    ),
    TypeSpec("aws", "aws_sns_topic", "AWS::SNS::Topic", aliases=("sns",), name_argument="name"),
    TypeSpec("aws", "aws_ecs_service", "AWS::ECS::Service", aliases=("ecs",), name_argument="name"),
    TypeSpec(
        "aws", "aws_api_gateway_rest_api", "AWS::ApiGateway::RestApi",
        aliases=("api_gateway", "api-gateway"), name_argument="name",
    ),
    TypeSpec("aws", "aws_apigatewayv2_api", "AWS::ApiGatewayV2::Api", name_argument="name"),
    TypeSpec(
        "aws", "aws_eks_cluster", "AWS::EKS::Cluster", aliases=("kubernetes", "eks"),
        name_argument="name",
    ),
    TypeSpec(
        "aws", "aws_elasticache_cluster", "AWS::ElastiCache::CacheCluster",
        aliases=("cache", "elasticache"), name_argument="cluster_id", name_style="dns",
    ),
    TypeSpec(
        "aws", "aws_elasticache_replication_group", "AWS::ElastiCache::ReplicationGroup",
        name_argument="replication_group_id", name_style="dns",
    ),
    TypeSpec("aws", "aws_launch_template", "AWS::EC2::LaunchTemplate", name_argument="name"),
    TypeSpec("aws", "aws_rds_cluster", "AWS::RDS::DBCluster", name_argument="cluster_identifier",
             name_style="dns"),
    TypeSpec("aws", "aws_efs_file_system", "AWS::EFS::FileSystem"),
    TypeSpec("aws", "aws_cognito_user_pool", "AWS::Cognito::UserPool", aliases=("user_pool",),
             name_argument="name"),
    TypeSpec("aws", "aws_security_group_rule", None, labels=None),
    TypeSpec("aws", "aws_s3_bucket_public_access_block", None, labels=None),
    TypeSpec("aws", "aws_lb_listener", "AWS::ElasticLoadBalancingV2::Listener"),
]  # fmt: skip

_VM = "Microsoft.Compute/virtualMachines@2023-03-01"
_SQL_DATABASE = "Microsoft.Sql/servers/databases@2023-02-01-preview"
_AZURE = [
    TypeSpec(
        "azure", "azurerm_linux_virtual_machine", bicep=_VM, aliases=("compute", "vm"),
        name_argument="name", location_argument="location",
    ),
    TypeSpec("azure", "azurerm_virtual_machine", bicep=_VM, name_argument="name",
             location_argument="location"),
    TypeSpec("azure", "azurerm_windows_virtual_machine", bicep=_VM, name_argument="name",
             location_argument="location"),
    TypeSpec(
        "azure", "azurerm_virtual_network", bicep="Microsoft.Network/virtualNetworks@2023-04-01",
        aliases=("network", "vnet"), name_argument="name", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_subnet", bicep="Microsoft.Network/virtualNetworks/subnets@2023-04-01",
        aliases=("subnet",), name_argument="name", labels=None,
    ),
    TypeSpec(
        "azure", "azurerm_storage_account", bicep="Microsoft.Storage/storageAccounts@2023-01-01",
        aliases=("storage", "storage-account"), name_argument="name", name_style="alnum24",
        location_argument="location", bicep_kind="StorageV2",
    ),
    TypeSpec(
        "azure", "azurerm_postgresql_flexible_server",
        bicep="Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01", aliases=("database",),
        name_argument="name", name_style="dns", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_mssql_server", bicep="Microsoft.Sql/servers@2023-02-01-preview",
        aliases=("sql", "sql-server"), name_argument="name", name_style="dns",
        location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_mssql_database", bicep=_SQL_DATABASE, aliases=("sql-database",),
        name_argument="name",
    ),
    TypeSpec(
        "azure", "azurerm_linux_function_app", bicep="Microsoft.Web/sites@2023-01-01",
        aliases=("function", "function-app"), name_argument="name", name_style="dns",
        location_argument="location", bicep_kind="functionapp,linux",
    ),
    TypeSpec(
        "azure", "azurerm_linux_web_app", bicep="Microsoft.Web/sites@2023-01-01",
        aliases=("app_service", "app-service"), name_argument="name", name_style="dns",
        location_argument="location", bicep_kind="app,linux",
    ),
    TypeSpec("azure", "azurerm_app_service", bicep="Microsoft.Web/sites@2023-01-01",
             name_argument="name", name_style="dns", location_argument="location"),
    TypeSpec(
        "azure", "azurerm_network_security_group",
        bicep="Microsoft.Network/networkSecurityGroups@2023-04-01", aliases=("firewall", "nsg"),
        name_argument="name", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_lb", bicep="Microsoft.Network/loadBalancers@2023-04-01",
        aliases=("load_balancer", "load-balancer"), name_argument="name",
        location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_kubernetes_cluster",
        bicep="Microsoft.ContainerService/managedClusters@2023-07-01",
        aliases=("kubernetes", "aks"), name_argument="name", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_managed_disk", bicep="Microsoft.Compute/disks@2023-01-02",
        aliases=("managed-disk",), name_argument="name", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_key_vault", bicep="Microsoft.KeyVault/vaults@2023-02-01",
        aliases=("identity", "key-vault"), name_argument="name", name_style="dns",
        location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_redis_cache", bicep="Microsoft.Cache/redis@2023-04-01",
        aliases=("cache",), name_argument="name", name_style="dns", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_cosmosdb_account",
        bicep="Microsoft.DocumentDB/databaseAccounts@2023-04-15", aliases=("cosmosdb",),
        name_argument="name", name_style="dns", location_argument="location",
    ),
    TypeSpec(
        "azure", "azurerm_application_gateway",
        bicep="Microsoft.Network/applicationGateways@2023-04-01", name_argument="name",
        location_argument="location",
    ),
]  # fmt: skip

_GCP = [
    TypeSpec(
        "gcp", "google_compute_instance", aliases=("compute", "compute-instance"),
        name_argument="name", name_style="dns", labels=("labels",),
    ),
    TypeSpec(
        "gcp", "google_compute_network", aliases=("network", "vpc"), name_argument="name",
        name_style="dns", labels=None,
    ),
    TypeSpec(
        "gcp", "google_compute_subnetwork", aliases=("subnet",), name_argument="name",
        name_style="dns", labels=None, location_argument="region",
    ),
    TypeSpec(
        "gcp", "google_compute_firewall", aliases=("firewall",), name_argument="name",
        name_style="dns", labels=None,
    ),
    TypeSpec(
        "gcp", "google_storage_bucket", aliases=("storage", "storage-bucket"),
        name_argument="name", name_style="dns", labels=("labels",), location_argument="location",
    ),
    TypeSpec(
        "gcp", "google_sql_database_instance", aliases=("database", "cloud-sql"),
        name_argument="name", name_style="dns", labels=("settings", "user_labels"),
        location_argument="region",
    ),
    TypeSpec(
        "gcp", "google_cloudfunctions_function", aliases=("function", "cloud-function"),
        name_argument="name", name_style="dns", labels=("labels",), location_argument="region",
    ),
    TypeSpec(
        "gcp", "google_compute_disk", aliases=("persistent-disk",), name_argument="name",
        name_style="dns", labels=("labels",),
    ),
    TypeSpec(
        "gcp", "google_container_cluster", aliases=("kubernetes", "gke"), name_argument="name",
        name_style="dns", labels=("resource_labels",), location_argument="location",
    ),
    TypeSpec(
        "gcp", "google_redis_instance", aliases=("cache",), name_argument="name",
        name_style="dns", labels=("labels",), location_argument="region",
    ),
    TypeSpec(
        "gcp", "google_pubsub_topic", aliases=("queue",), name_argument="name",
        labels=("labels",),
    ),
    TypeSpec(
        "gcp", "google_compute_forwarding_rule", aliases=("load_balancer", "load-balancer"),
        name_argument="name", name_style="dns", labels=("labels",), location_argument="region",
    ),
    TypeSpec("gcp", "google_compute_backend_service", name_argument="name", name_style="dns",
             labels=None),
    TypeSpec("gcp", "google_compute_instance_template", name_argument="name", name_style="dns",
             labels=("labels",)),
]  # fmt: skip

TYPES: Final[tuple[TypeSpec, ...]] = (*_AWS, *_AZURE, *_GCP)
BY_TERRAFORM: Final = {spec.terraform: spec for spec in TYPES}
# The first spec listed wins when several Terraform types share a CFN / Bicep type.
BY_CLOUDFORMATION: Final[dict[str, TypeSpec]] = {}
BY_BICEP: Final[dict[str, TypeSpec]] = {}
BY_ALIAS: Final[dict[tuple[str, str], TypeSpec]] = {}
for _spec in TYPES:
    if _spec.cloudformation:
        BY_CLOUDFORMATION.setdefault(_spec.cloudformation, _spec)
    if _spec.bicep:
        BY_BICEP.setdefault(_spec.bicep.partition("@")[0].lower(), _spec)
    for _alias in _spec.aliases:
        BY_ALIAS[(_spec.provider, _alias)] = _spec

# The original generator's CloudFormation and Bicep extras (§2.3), named without a provider.
_EXTRA_ALIASES = {
    ("aws", "api_gateway"): "aws_api_gateway_rest_api",
    ("azure", "aks"): "azurerm_kubernetes_cluster",
}
for (_provider, _alias), _terraform in _EXTRA_ALIASES.items():
    BY_ALIAS.setdefault((_provider, _alias), BY_TERRAFORM[_terraform])


def provider_of_terraform_type(resource_type: str) -> str | None:
    for provider, prefix in TERRAFORM_PREFIX.items():
        if resource_type.startswith(prefix):
            return provider
    return None
