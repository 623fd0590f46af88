"""Fixtures of the deployment workflow tests (imported by tests/deployments/conftest.py and
the incident tests): a project with dev and prod environments, users in each role, versions
that pass the guardrails, catalog prices and the built-in policies, and helpers that create
executions through the API with the on-commit task run as it is in a first run."""

import copy
from pathlib import Path

import pytest

from apps.blueprints import services as blueprint_services
from apps.blueprints.models import Blueprint
from apps.costing import services as costing_services
from apps.costing.price_files import read_price_file
from apps.guardrails import services as guardrail_services
from apps.guardrails.models import GovernancePolicy
from apps.guardrails.pack import sync
from tests.accounts.factories import EnvironmentFactory, ProjectFactory

SNAPSHOT = Path(__file__).resolve().parents[2] / "apps/costing/data/prices-2024-06-01.json"
TAGS = {
    "environment": "prod", "owner": "platform", "project": "shop", "CostCenter": "42",
    "cost_center": "42", "compliance": "internal",
}  # fmt: skip
EXECUTIONS = "/api/v1/deployments/executions/"
APPROVALS = "/api/v1/deployments/approvals/"


def component(name, type_, depends_on=(), region="us-east-1", **properties):
    return {
        "name": name, "type": type_, "provider": "aws", "region": region,
        "properties": properties, "tags": dict(TAGS), "depends_on": list(depends_on),
    }  # fmt: skip


VPC = component("prod-shop-vpc-useast1", "vpc", cidr_block="10.0.0.0/16")
SUBNET = component(
    "prod-shop-subnet-useast1", "subnet", ["prod-shop-vpc-useast1"], cidr_block="10.0.1.0/24"
)
WEB = component(
    "prod-shop-web-useast1", "ec2", ["prod-shop-subnet-useast1"],
    instance_type="t3.micro", subnet_type="private", audit_logging=True,
    monitoring_enabled=True, availability_zones=2, ebs_optimized=True, monitoring=True,
    metadata_options={"http_tokens": "required"}, root_block_device={"encrypted": True},
)  # fmt: skip
DB = component(
    "prod-shop-db-useast1", "rds", ["prod-shop-subnet-useast1"],
    engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
    encryption_enabled=True, subnet_type="private", audit_logging=True,
    backup_policy={"days": 30}, password="s3cret-value", dr_enabled=True,
    monitoring_enabled=True, availability_zones=2, storage_encrypted=True,
    backup_retention_period=30, multi_az=True, publicly_accessible=False,
    deletion_protection=True, iam_database_authentication_enabled=True,
)  # fmt: skip
BUCKET = component(
    "prod-shop-assets-useast1", "s3", storage_gb=100, server_side_encryption="AES256",
    block_public_acls=True, block_public_policy=True, encryption_enabled=True,
    versioning={"enabled": True}, audit_logging=True, backup_policy={"days": 30},
    dr_enabled=True, monitoring_enabled=True, logging={"target_bucket": "logs"},
)  # fmt: skip
# Passes every built-in policy, production ones included.
BASE = [VPC, SUBNET, WEB, DB]


def changed(component_, **properties):
    out = copy.deepcopy(component_)
    out["properties"].update(properties)
    return out


@pytest.fixture
def api(api):
    """The logged-in client of each user, logged in once per test (logins are throttled)."""
    clients: dict = {}

    def client_for(user=None):
        if user is None:
            return api(None)
        if user.pk not in clients:
            clients[user.pk] = api(user)
        return clients[user.pk]

    return client_for


@pytest.fixture
def catalog(db):
    """The shipped price snapshot and policy pack (a transactional test elsewhere may have
    emptied the tables their data migrations fill)."""
    from apps.costing.models import PriceCatalog
    from apps.guardrails.pack import BUILTIN_POLICIES

    if not PriceCatalog.objects.filter(tenant__isnull=True).exists():
        costing_services.price_catalog_upsert(rows=read_price_file(SNAPSHOT).rows)
    builtins = GovernancePolicy.objects.filter(tenant__isnull=True, status="active")
    if builtins.count() != len(BUILTIN_POLICIES):
        sync(GovernancePolicy)


@pytest.fixture
def team(make_user, catalog):
    """One tenant's users, one per role."""
    pm = make_user("PM")
    tenant = pm.tenant
    return {
        "pm": pm,
        "se": make_user("SE", tenant=tenant),
        "ta": make_user("TA", tenant=tenant),
        "consultant": make_user("Consultant", tenant=tenant),
        "admin": make_user("Admin", tenant=tenant),
        "sa": make_user("SA", tenant=tenant),
    }


@pytest.fixture
def project(team):
    return ProjectFactory(tenant=team["pm"].tenant, members=list(team.values()))


@pytest.fixture
def dev(project):
    return EnvironmentFactory(project=project, name="dev", type="dev")


@pytest.fixture
def prod(project):
    return EnvironmentFactory(project=project, name="prod", type="prod")


@pytest.fixture
def make_version(team, project):
    """`make_version(components, name="shop")` → the blueprint's next version."""

    def make(components=None, name="shop", relations=None):
        user = team["ta"]
        blueprint = Blueprint.objects.filter(project=project, name=name).first()
        if blueprint is None:
            blueprint = blueprint_services.blueprint_create(user=user, project=project, name=name)
        version, _ = blueprint_services.blueprint_version_create(
            user=user,
            blueprint=blueprint,
            graph={
                "components": copy.deepcopy(BASE if components is None else components),
                "relations": relations or [],
            },
        )
        return version

    return make


@pytest.fixture
def deploy(api, django_capture_on_commit_callbacks):
    """deploy(user, version, environment, **fields) -> the POST response; the queued task runs
    when the request returns (as without a broker), unless `run=False`."""

    def post(user, version, environment, run=True, **fields):
        body = {"blueprint_version": str(version.pk), "environment": str(environment.pk)}
        body.update(fields)
        with django_capture_on_commit_callbacks(execute=run):
            return api(user).post(EXECUTIONS, body, format="json")

    return post


@pytest.fixture
def approved(api):
    """approved(requester, approver, version, environment) -> the approved approval (JSON)."""

    def make(requester, approver, version, environment, **fields):
        body = {"blueprint_version": str(version.pk), "environment": str(environment.pk)}
        body.update(fields)
        created = api(requester).post(APPROVALS, body, format="json")
        assert created.status_code == 201, created.json()
        response = api(approver).post(
            f"{APPROVALS}{created.json()['id']}/approve/", {"comment": "ok"}, format="json"
        )
        assert response.status_code == 200, response.json()
        return response.json()

    return make


@pytest.fixture
def hard_fail_policy(team):
    """add() -> a tenant policy every component fails (hard-fail, critical)."""

    def add():
        return guardrail_services.policy_create(
            user=team["admin"],
            code="change-ticket",
            name="A change ticket is required",
            category="operational",
            severity="critical",
            enforcement_level="hard-fail",
            policy_rules={"kind": "required", "path": "change_ticket"},
        )

    return add


@pytest.fixture
def failed_execution(team, dev, make_version, deploy, hard_fail_policy):
    """An execution of dev that failed at its guardrail re-check (a hard-fail policy added
    between its creation and its run)."""
    from apps.deployments.models import DeploymentExecution

    version = make_version()
    response = deploy(team["se"], version, dev, run=False)
    assert response.status_code == 202, response.json()
    hard_fail_policy()
    from apps.deployments.services import execution_run

    execution_run(response.json()["id"])
    return DeploymentExecution.objects.get(pk=response.json()["id"])
