import pytest

from apps.blueprints.models import Blueprint, Template
from tests.accounts.factories import ProjectFactory
from tests.blueprints.api.test_versions import GRAPH

pytestmark = pytest.mark.django_db


@pytest.fixture
def version_source(api, architect):
    """(client, blueprint id) of a blueprint with version 1."""
    client = api(architect)
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    blueprint_id = client.post(
        "/api/v1/blueprints/", {"project": str(project.pk), "name": "shop"}, format="json"
    ).json()["id"]
    client.post(f"/api/v1/blueprints/{blueprint_id}/versions/", {"graph": GRAPH}, format="json")
    return client, blueprint_id


@pytest.mark.django_db(transaction=True)  # a membership change commits
def test_create_from_a_version_and_instantiate(version_source, architect):
    client, blueprint_id = version_source
    response = client.post(
        "/api/v1/templates/",
        {"blueprint": blueprint_id, "version": 1, "name": "three-tier", "category": "web"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    template = response.json()
    assert (template["component_count"], template["provider"], template["usage_count"]) == (
        3,
        "",
        0,
    )
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    response = client.post(
        f"/api/v1/templates/{template['id']}/instantiate/",
        {"project": str(project.pk), "name": "shop-eu"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = Blueprint.objects.get(pk=response.json()["id"])
    assert created.project == project
    assert created.current_version.version_number == 1
    assert created.current_version.graph_json == Template.objects.get().graph_json
    assert Template.objects.get().usage_count == 1


def test_public_templates_are_visible_to_other_tenants_but_not_editable(
    version_source, api, make_user
):
    client, blueprint_id = version_source
    public = client.post(
        "/api/v1/templates/",
        {"blueprint": blueprint_id, "version": 1, "name": "shared", "is_public": True},
        format="json",
    ).json()
    private = client.post(
        "/api/v1/templates/",
        {"blueprint": blueprint_id, "version": 1, "name": "mine"},
        format="json",
    ).json()
    stranger = make_user("SA")
    other = api(stranger)
    assert [t["name"] for t in other.get("/api/v1/templates/").json()["results"]] == ["shared"]
    assert other.get(f"/api/v1/templates/{private['id']}/").status_code == 404
    assert (
        other.patch(f"/api/v1/templates/{public['id']}/", {"name": "x"}, format="json").status_code
        == 404
    )
    response = other.post(
        f"/api/v1/templates/{public['id']}/instantiate/",
        {
            "project": str(ProjectFactory(tenant=stranger.tenant, members=[stranger]).pk),
            "name": "copy",
        },
        format="json",
    )
    assert response.status_code == 201


def test_a_template_needs_a_version_of_my_tenant(version_source, api, make_user):
    _client, blueprint_id = version_source
    other = api(make_user("SA"))
    response = other.post(
        "/api/v1/templates/",
        {"blueprint": blueprint_id, "version": 1, "name": "stolen"},
        format="json",
    )
    assert response.status_code == 404
    assert not Template.objects.exists()


def test_instantiating_into_another_tenants_project_is_400(version_source):
    client, blueprint_id = version_source
    template = client.post(
        "/api/v1/templates/", {"blueprint": blueprint_id, "version": 1, "name": "t"}, format="json"
    ).json()
    response = client.post(
        f"/api/v1/templates/{template['id']}/instantiate/",
        {"project": str(ProjectFactory().pk), "name": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"project"}
    assert Blueprint.objects.count() == 1


def test_read_only_roles_cannot_create_templates(version_source, api, make_user, architect):
    _client, blueprint_id = version_source
    engineer = api(make_user("SE", tenant=architect.tenant))
    response = engineer.post(
        "/api/v1/templates/", {"blueprint": blueprint_id, "version": 1, "name": "t"}, format="json"
    )
    assert response.status_code == 403
    assert engineer.get("/api/v1/templates/").status_code == 200


def test_template_listing_does_not_query_per_template(
    version_source, django_assert_max_num_queries
):
    client, blueprint_id = version_source
    for index in range(5):
        client.post(
            "/api/v1/templates/",
            {"blueprint": blueprint_id, "version": 1, "name": f"t{index}"},
            format="json",
        )
    with django_assert_max_num_queries(5):
        listing = client.get("/api/v1/templates/").json()
    assert listing["count"] == 5
