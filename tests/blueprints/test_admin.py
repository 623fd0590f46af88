"""The blueprints admin writes through the blueprint services with the API's rules and rights."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.blueprints import services
from apps.blueprints.models import Blueprint, BlueprintVersion, Component
from tests.accounts.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_VERSION = reverse("admin:blueprints_blueprintversion_add")
VPC = {"name": "prod-shop-vpc-useast1", "type": "vpc", "provider": "aws", "region": "us-east-1",
       "properties": {"cidr_block": "10.0.0.0/16"}, "tags": {}, "depends_on": []}  # fmt: skip


def staff(make_user, *roles, perms=(), **fields):
    user = make_user(*roles, is_staff=True, **fields)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def architect(make_user):
    return staff(make_user, "SA", perms=["add_blueprintversion", "view_blueprintversion",
                                         "add_blueprint", "change_blueprint", "view_blueprint",
                                         "delete_blueprint"])  # fmt: skip


@pytest.fixture
def blueprint(architect):
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    return services.blueprint_create(user=architect, project=project, name="shop")


def post_version(client, blueprint, graph, **extra):
    text = graph if isinstance(graph, str) else json.dumps(graph)
    return client.post(ADD_VERSION, {"blueprint": str(blueprint.pk), "graph": text, **extra})


def test_a_graph_the_api_refuses_is_refused_and_nothing_is_stored(client, architect, blueprint):
    client.force_login(architect)
    untyped = {key: value for key, value in VPC.items() if key != "type"}
    dangling = {**VPC, "depends_on": ["nowhere"]}
    for graph in ({"components": [untyped]}, {"components": [dangling]}, "{not json",
                  {"components": "x"}):  # fmt: skip
        response = post_version(client, blueprint, graph)
        assert response.status_code == 200
        assert b"errorlist" in response.content
    # Typed version numbers, hashes and statuses are not inputs at all.
    response = post_version(
        client, blueprint, {"components": [VPC]}, version_number="99", graph_hash="0" * 64,
        status="approved",
    )  # fmt: skip
    assert response.status_code == 302
    version = BlueprintVersion.objects.get()
    assert version.version_number == 1 and version.graph_hash != "0" * 64
    assert Component.objects.filter(blueprint_version=version).count() == 1
    blueprint.refresh_from_db()
    assert blueprint.current_version == version
    # The same graph again adds nothing.
    assert post_version(client, blueprint, {"components": [VPC]}).status_code == 302
    assert BlueprintVersion.objects.count() == 1


def test_versions_need_the_blueprint_update_right(client, make_user, architect, blueprint):
    other = staff(make_user, "SA", tenant=architect.tenant,
                  perms=["add_blueprintversion", "view_blueprintversion"])  # fmt: skip
    client.force_login(other)  # not a member of the project, not the owner
    response = post_version(client, blueprint, {"components": [VPC]})
    assert response.status_code == 200 and b"roles do not allow" in response.content
    stranger = staff(make_user, "Admin", perms=["add_blueprintversion"])  # another tenant
    client.force_login(stranger)
    assert b"Not found." in post_version(client, blueprint, {"components": [VPC]}).content
    assert not BlueprintVersion.objects.exists()


def test_components_relations_and_diffs_cannot_be_added(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name in ("component", "relation", "blueprintdiff"):
        assert client.get(reverse(f"admin:blueprints_{name}_add")).status_code == 403
    version_url = reverse("admin:blueprints_blueprintversion_add")
    assert client.get(version_url).status_code == 200


def test_blueprints_are_written_through_the_services(client, make_user, architect, blueprint):
    client.force_login(architect)
    add = reverse("admin:blueprints_blueprint_add")
    fields = {"project": str(blueprint.project_id), "name": "shop", "description": "",
              "scope": "cloud", "primary_provider": "aws",
              "lifecycle_state": "draft"}  # fmt: skip
    taken = client.post(add, fields)
    assert taken.status_code == 200 and b"Already used" in taken.content
    created = client.post(add, {**fields, "name": "shop-2"})
    assert created.status_code == 302
    assert Blueprint.objects.get(name="shop-2").created_by == architect
    # Another architect may not change or delete the architect's own blueprint.
    other = staff(make_user, "SA", tenant=architect.tenant,
                  perms=["change_blueprint", "view_blueprint", "delete_blueprint"])  # fmt: skip
    blueprint.project.members.create(user=other)  # a member, but not the owner
    client.force_login(other)
    change = reverse("admin:blueprints_blueprint_change", args=[blueprint.pk])
    refused = client.post(change, {**fields, "name": "renamed"})
    assert refused.status_code == 200 and b"roles do not allow" in refused.content
    blueprint.refresh_from_db()
    assert blueprint.name == "shop"
    delete = reverse("admin:blueprints_blueprint_delete", args=[blueprint.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(architect)
    assert client.post(delete, {"post": "yes"}).status_code == 302
    blueprint = Blueprint.objects.get(pk=blueprint.pk)  # soft-deleted, as by the API
    assert blueprint.deleted_at is not None
