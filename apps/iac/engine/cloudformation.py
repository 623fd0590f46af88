"""CloudFormation: one `template.yaml` (AWSTemplateFormatVersion, Description, Metadata,
Parameters — secrets `NoEcho` —, Resources with Type, DependsOn, Properties and Tags as
[{Key, Value}], Outputs with exports). AWS only.

Property keys are written in CloudFormation's PascalCase: given PascalCase keys are kept,
snake_case / camelCase keys are converted (with CloudFormation's own spellings where they differ,
e.g. `multi_az` -> `MultiAZ`), and the attributes the guardrail pack reads are mapped to their
CloudFormation structures (S3 encryption, public access block, versioning, logging; security
group ingress rules).
"""

from collections.abc import Mapping
from typing import Any

import yaml

from apps.iac.engine.naming import IdentifierAllocator, pascal
from apps.iac.engine.planning import Component, Plan
from apps.iac.engine.properties import Secret, dropped_attributes, extract_secrets
from apps.iac.engine.shaping import resource_name

RESERVED = ("Environment", "AWSTemplateFormatVersion")
# snake_case keys whose CloudFormation names are not their PascalCase.
PASCAL_NAMES: dict[str, dict[str, str]] = {
    "*": {"multi_az": "MultiAZ", "ami": "ImageId", "kms_key_id": "KmsKeyId"},
    "AWS::RDS::DBInstance": {
        "instance_class": "DBInstanceClass",
        "username": "MasterUsername",
        "password": "MasterUserPassword",
        "identifier": "DBInstanceIdentifier",
        "storage_encrypted": "StorageEncrypted",
        "encrypted": "StorageEncrypted",
        "encryption_enabled": "StorageEncrypted",
        "storage_gb": "AllocatedStorage",
        "iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication",
        "db_name": "DBName",
        "publicly_accessible": "PubliclyAccessible",
        "public_access": "PubliclyAccessible",
    },
    "AWS::S3::Bucket": {"bucket": "BucketName"},
    "AWS::EC2::SecurityGroup": {"description": "GroupDescription", "name": "GroupName"},
    "AWS::Lambda::Function": {"function_name": "FunctionName", "memory_mb": "MemorySize",
                              "memory_size": "MemorySize"},
    "AWS::EC2::Volume": {"size_gb": "Size", "storage_gb": "Size", "type": "VolumeType"},
}  # fmt: skip
NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName",
}
# Types whose Tags property is a list of {Key, Value}.
TAGGABLE = frozenset(
    {
        "AWS::EC2::Instance", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup",
        "AWS::S3::Bucket", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Lambda::Function",
        "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::Volume", "AWS::DynamoDB::Table",
        "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::ECS::Service", "AWS::ApiGateway::RestApi",
        "AWS::IAM::Role", "AWS::IAM::User", "AWS::EKS::Cluster",
        "AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster",
        "AWS::ElasticLoadBalancing::LoadBalancer", "AWS::EFS::FileSystem",
    }
)  # fmt: skip
S3_ACL = {
    "private": "Private",
    "public-read": "PublicRead",
    "public-read-write": "PublicReadWrite",
    "authenticated-read": "AuthenticatedRead",
    "log-delivery-write": "LogDeliveryWrite",
    "bucket-owner-read": "BucketOwnerRead",
    "bucket-owner-full-control": "BucketOwnerFullControl",
}


def _is_snake_or_camel(key: str) -> bool:
    return "_" in key or "-" in key or (key[:1].islower())


def _pascal_tree(value: Any, native: str) -> Any:
    if isinstance(value, Mapping):
        return {_key(str(k), native): _pascal_tree(v, native) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal_tree(item, native) for item in value]
    return value


def _key(key: str, native: str) -> str:
    if not _is_snake_or_camel(key):
        return key
    return PASCAL_NAMES.get(native, {}).get(key) or PASCAL_NAMES["*"].get(key) or pascal(key)


def _s3(properties: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    algorithm = None
    for key in ("server_side_encryption", "encryption", "encryption_enabled", "encrypted"):
        value = properties.pop(key, None)
        if isinstance(value, str) and value:
            algorithm = algorithm or value
        elif value is True:
            algorithm = algorithm or "AES256"
    if algorithm:
        out["BucketEncryption"] = {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
            ]
        }
    block = {
        pascal(key): properties.pop(key)
        for key in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                    "restrict_public_buckets")
        if key in properties
    }  # fmt: skip
    if block:
        out["PublicAccessBlockConfiguration"] = block
    versioning = properties.pop("versioning", None)
    if isinstance(versioning, Mapping):
        versioning = versioning.get("enabled")
    if versioning is not None:
        out["VersioningConfiguration"] = {"Status": "Enabled" if versioning else "Suspended"}
    logging = properties.pop("logging", None)
    if isinstance(logging, Mapping):
        config = {}
        if "target_bucket" in logging:
            config["DestinationBucketName"] = logging["target_bucket"]
        if "target_prefix" in logging:
            config["LogFilePrefix"] = logging["target_prefix"]
        out["LoggingConfiguration"] = config
    acl = properties.pop("acl", None)
    if isinstance(acl, str):
        out["AccessControl"] = S3_ACL.get(acl, acl)
    return out


def _security_group(properties: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, target in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
        rules = properties.pop(key, None)
        if rules is None:
            continue
        converted = []
        for rule in rules if isinstance(rules, list) else [rules]:
            if not isinstance(rule, Mapping):
                continue
            base: dict[str, Any] = {}
            if "protocol" in rule:
                base["IpProtocol"] = str(rule["protocol"])
            for source, name in (
                ("from_port", "FromPort"),
                ("to_port", "ToPort"),
                ("description", "Description"),
            ):
                if source in rule:
                    base[name] = rule[source]
            cidrs = [("CidrIp", c) for c in rule.get("cidr_blocks") or []]
            cidrs += [("CidrIpv6", c) for c in rule.get("ipv6_cidr_blocks") or []]
            extra = {
                _key(str(k), "AWS::EC2::SecurityGroup"): v
                for k, v in rule.items()
                if k not in ("protocol", "from_port", "to_port", "description", "cidr_blocks",
                             "ipv6_cidr_blocks")
            }  # fmt: skip
            if not cidrs:
                converted.append({**base, **extra})
            for name, cidr in cidrs:
                converted.append({**base, name: cidr, **extra})
        out[target] = converted
    return out


def _with_refs(value: Any, variables: dict[str, Secret], ident: str) -> Any:
    if isinstance(value, Secret):
        name = ident + "".join(word.capitalize() for word in value.words())
        variables[name] = value
        return {"Ref": name}
    if isinstance(value, Mapping):
        return {k: _with_refs(v, variables, ident) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_refs(item, variables, ident) for item in value]
    return value


def _properties(
    component: Component, ident: str, notes: list[str]
) -> tuple[dict[str, Any], list[Secret]]:
    native = component.native
    raw, secrets = extract_secrets(component.name, component.properties, component.sensitive)
    properties = dict(raw)
    out: dict[str, Any] = {}
    if native == "AWS::S3::Bucket":
        out.update(_s3(properties, notes))
    if native == "AWS::EC2::SecurityGroup":
        out.update(_security_group(properties))
    if native == "AWS::RDS::DBInstance" and properties.get("engine") == "postgresql":
        properties["engine"] = "postgres"
    for meta in ("count", "for_each"):
        if meta in properties:
            properties.pop(meta)
            notes.append(f"{meta} not rendered: a CloudFormation resource is one resource")
    kept_by_rename = set(PASCAL_NAMES.get(native, {}))
    dropped = [key for key in dropped_attributes(None, properties) if key not in kept_by_rename]
    if dropped:
        notes.append(
            "blueprint attributes with no CloudFormation property, not rendered: "
            + ", ".join(dropped)
        )
        for key in dropped:
            properties.pop(key)
    root = properties.pop("root_block_device", None) if native == "AWS::EC2::Instance" else None
    if isinstance(root, Mapping):
        device = str(properties.pop("root_device_name", "/dev/xvda"))
        out["BlockDeviceMappings"] = [{"DeviceName": device, "Ebs": _pascal_tree(root, native)}]
        notes.append(
            f"root_block_device rendered as BlockDeviceMappings for {device}; set "
            "root_device_name when the image's root device is another"
        )
    if "user_data" in properties and isinstance(properties["user_data"], str):
        out["UserData"] = {"Fn::Base64": properties.pop("user_data")}
    for key, value in sorted(properties.items()):
        out.setdefault(_key(key, native), _pascal_tree(value, native))
    name_property = NAME_PROPERTY.get(native)
    if name_property and name_property not in out:
        style = component.spec.name_style if component.spec else "as_is"
        out[name_property] = resource_name(component.name, style)
    return dict(sorted(out.items())), secrets


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value.endswith("\n") and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_cloudformation(
    plan: Plan, *, blueprint: str, environment: str, version: str, header: list[str]
) -> tuple[dict[str, str], list[str]]:
    warnings: list[str] = []
    idents = IdentifierAllocator("pascal", RESERVED).allocate(c.name for c in plan.components)
    secret_params: dict[str, Secret] = {}
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    regions = sorted({c.region for c in plan.components if c.region})
    if len(regions) > 1:
        warnings.append(
            "CloudFormation deploys a stack to one region; components name "
            + ", ".join(regions)
            + ": they are all created in the stack's region"
        )
    for component in plan.components:
        ident = idents[component.name]
        notes: list[str] = []
        properties, _ = _properties(component, ident, notes)
        if component.native in TAGGABLE:
            tags: dict[str, Any] = {k: component.tags[k] for k in sorted(component.tags)}
            tags.update(
                blueprint=blueprint, environment={"Ref": "Environment"}, managed_by="dharma"
            )
            properties["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        elif component.tags or component.spec is None:
            notes.append(f"tags not rendered: {component.native} has no Tags list Dharma knows")
        resource: dict[str, Any] = {"Type": component.native}
        if component.depends_on:
            resource["DependsOn"] = [idents[d] for d in component.depends_on]
        resource["Properties"] = _with_refs(properties, secret_params, ident)
        resources[ident] = resource
        outputs[f"{ident}Id"] = {
            "Description": f"Id of {component.name} ({component.native})",
            "Value": {"Ref": ident},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{ident}-Id"}},
        }
        warnings.extend(f"{component.name}: {note}" for note in notes)
    parameters: dict[str, Any] = {
        "Environment": {
            "Type": "String",
            "Default": environment or "dev",
            "AllowedPattern": "^[a-z0-9_-]{1,63}$",
            "Description": "Deployment environment, written into every resource's tags.",
        }
    }
    for name, secret in sorted(secret_params.items()):
        where = ".".join(str(part) for part in secret.path)
        parameters[name] = {
            "Type": "String",
            "NoEcho": True,
            "Description": f"Sensitive: {where} of {secret.component}; supply it when deploying.",
        }
        warnings.append(
            f"{secret.component}: {where} is sensitive; rendered as NoEcho parameter {name}"
        )
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": " ".join(header),
        "Metadata": {
            "Dharma": {
                "Blueprint": blueprint,
                "Version": version,
                "Environment": environment,
            }
        },
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }
    text = yaml.dump(
        template,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
    comment = "".join(f"# {line}\n" for line in header)
    return {"template.yaml": comment + text}, warnings
