"""Blueprint versions the guardrail pack lets through (one per provider), and helpers to
generate their IaC through the API with the on-commit task run as it is in a first run."""

import copy

import pytest

from apps.blueprints import services as blueprint_services
from tests.accounts.factories import ProjectFactory

TAGS = {
    "environment": "prod", "owner": "platform", "project": "shop",
    "Environment": "prod", "Owner": "platform", "CostCenter": "42",
}  # fmt: skip


def component(name, type, provider, region, depends_on=(), **properties):
    return {
        "name": name, "type": type, "provider": provider, "region": region,
        "properties": properties, "tags": dict(TAGS), "depends_on": list(depends_on),
    }  # fmt: skip


AWS = [
    component("prod-shop-vpc-useast1", "vpc", "aws", "us-east-1", cidr_block="10.0.0.0/16"),
    component(
        "prod-shop-subnet-useast1", "subnet", "aws", "us-east-1", ["prod-shop-vpc-useast1"],
        cidr_block="10.0.1.0/24",
    ),
    component(
        "prod-shop-web-useast1", "ec2", "aws", "us-east-1", ["prod-shop-subnet-useast1"],
        instance_type="t3.micro", subnet_type="private", audit_logging=True,
        monitoring_enabled=True, availability_zones=2, ebs_optimized=True, monitoring=True,
        metadata_options={"http_tokens": "required"}, root_block_device={"encrypted": True},
    ),
    component(
        "prod-shop-db-useast1", "rds", "aws", "us-east-1", ["prod-shop-subnet-useast1"],
        engine="postgres", instance_class="db.t3.micro", encryption_enabled=True,
        subnet_type="private", audit_logging=True, backup_policy={"days": 30},
        password="s3cret-value", dr_enabled=True, monitoring_enabled=True,
        availability_zones=2, storage_encrypted=True, backup_retention_period=30, multi_az=True,
        publicly_accessible=False, deletion_protection=True,
        iam_database_authentication_enabled=True,
    ),
]  # fmt: skip
AZURE = [
    component("prod-shop-vnet-eastus", "vnet", "azure", "eastus", address_space=["10.0.0.0/16"]),
    component(
        "prod-shop-vm-eastus", "vm", "azure", "eastus", ["prod-shop-vnet-eastus"],
        size="Standard_B2s", subnet_type="private", audit_logging=True, monitoring_enabled=True,
        availability_zones=2, disable_password_authentication=True,
    ),
]  # fmt: skip
GCP = [
    component(
        "prod-shop-vpc-uscentral1", "vpc", "gcp", "us-central1", auto_create_subnetworks=False
    ),
    component(
        "prod-shop-vm-uscentral1", "compute-instance", "gcp", "us-central1",
        ["prod-shop-vpc-uscentral1"], machine_type="e2-small", subnet_type="private",
        audit_logging=True, monitoring_enabled=True, availability_zones=2,
    ),
]  # fmt: skip
GRAPHS = {"aws": AWS, "azure": AZURE, "gcp": GCP}

# An S3 bucket that passes every rule; dropping one key makes one soft-fail finding.
COMPLIANT_BUCKET = {
    "server_side_encryption": "AES256", "block_public_acls": True,
    "block_public_policy": True, "encryption_enabled": True, "versioning": {"enabled": True},
    "audit_logging": True, "backup_policy": {"days": 30}, "dr_enabled": True,
    "monitoring_enabled": True, "logging": {"target_bucket": "logs"},
}  # fmt: skip


def bucket(name="prod-shop-assets-useast1", **properties):
    return component(name, "s3", "aws", "us-east-1", **properties)


def graph_of(provider_or_components) -> dict:
    components = (
        GRAPHS[provider_or_components]
        if isinstance(provider_or_components, str)
        else provider_or_components
    )
    return {"components": copy.deepcopy(components), "relations": []}


@pytest.fixture
def ta(make_user):
    """A Technical Architect: generates IaC in their projects."""
    return make_user("TA")


@pytest.fixture
def project(ta):
    return ProjectFactory(tenant=ta.tenant, members=[ta], owner=ta)


@pytest.fixture
def new_version(ta, project):
    """new_version("aws" | [components], blueprint=None) -> a stored blueprint version."""
    counter = iter(range(1000))

    def make(graph, blueprint=None, *, name=None):
        if blueprint is None:
            blueprint = blueprint_services.blueprint_create(
                user=ta, project=project, name=name or f"shop-{next(counter)}"
            )
        version, _ = blueprint_services.blueprint_version_create(
            user=ta, blueprint=blueprint, graph=graph_of(graph)
        )
        return version

    return make


@pytest.fixture
def generate(api, django_capture_on_commit_callbacks):
    """generate(user or client, version, format) -> the POST response. The test's transaction
    holds back on-commit callbacks: the queued task runs when the request returns."""

    def post(user_or_client, version, format, **extra):
        client = user_or_client if hasattr(user_or_client, "post") else api(user_or_client)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/iac/generations/",
                {"blueprint_version": str(getattr(version, "pk", version)), "format": format,
                 **extra},
                format="json",
            )  # fmt: skip

    return post


@pytest.fixture
def generated(generate, api):
    """generated(user, version, format) -> the generation (JSON) once its task has run."""

    def run(user, version, format, **extra):
        response = generate(user, version, format, **extra)
        assert response.status_code == 202, response.json()
        return api(user).get(f"/api/v1/iac/generations/{response.json()['id']}/").json()

    return run
