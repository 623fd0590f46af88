from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import UserRole
from apps.blueprints.models import Blueprint
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def create(client, project, name="web-platform", **extra):
    return client.post(
        "/api/v1/blueprints/",
        {"project": str(project.pk), "name": name, "primary_provider": "aws", **extra},
        format="json",
    )


def test_architects_create_blueprints_in_their_tenant(api, make_user):
    architect = make_user("SA")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    response = create(api(architect), project)
    assert response.status_code == 201
    body = response.json()
    assert body["created_by"] == str(architect.pk)
    assert body["lifecycle_state"] == "draft"
    assert body["current_version"] is None
    assert Blueprint.objects.get(pk=body["id"]).project == project


def test_a_role_without_create_is_403(api, make_user):
    engineer = make_user("SE")
    response = create(api(engineer), ProjectFactory(tenant=engineer.tenant, members=[engineer]))
    assert response.status_code == 403
    assert not Blueprint.objects.exists()


def test_a_user_without_roles_cannot_even_read(api, make_user):
    assert api(make_user()).get("/api/v1/blueprints/").status_code == 403


def test_expired_role_grants_nothing(api, make_user):
    architect = make_user("SA")
    UserRole.objects.filter(user=architect).update(expires_at=timezone.now() - timedelta(days=1))
    assert api(architect).get("/api/v1/blueprints/").status_code == 403


def test_another_tenants_project_cannot_hold_my_blueprint(api, make_user):
    response = create(api(make_user("SA")), ProjectFactory())
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"project"}


def test_another_tenants_blueprint_is_404(api, make_user):
    owner = make_user("SA")
    blueprint_id = create(api(owner), ProjectFactory(tenant=owner.tenant, members=[owner])).json()[
        "id"
    ]
    stranger = api(make_user("EA"))
    assert stranger.get(f"/api/v1/blueprints/{blueprint_id}/").status_code == 404
    assert stranger.delete(f"/api/v1/blueprints/{blueprint_id}/").status_code == 404
    assert stranger.get("/api/v1/blueprints/").json()["count"] == 0


def test_own_scope_updates_only_own_blueprints(api, make_user):
    first = make_user("SA")
    second = make_user("SA", tenant=first.tenant)
    project = ProjectFactory(tenant=first.tenant, members=[first, second])
    blueprint_id = create(api(first), project).json()["id"]
    # SA may read project-wide but update and delete only its own (§6).
    client = api(second)
    assert client.get(f"/api/v1/blueprints/{blueprint_id}/").status_code == 200
    response = client.patch(
        f"/api/v1/blueprints/{blueprint_id}/", {"description": "x"}, format="json"
    )
    assert response.status_code == 403
    response = api(first).patch(
        f"/api/v1/blueprints/{blueprint_id}/", {"description": "x"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["description"] == "x"


def test_filters_search_and_pagination(api, make_user, django_assert_max_num_queries):
    architect = make_user("EA", "SA")
    project, other_project = (
        ProjectFactory(tenant=architect.tenant, members=[architect]),
        ProjectFactory(tenant=architect.tenant, members=[architect]),
    )
    client = api(architect)
    for index in range(25):
        create(client, project, name=f"service-{index:02d}")
    create(client, other_project, name="network", primary_provider="azure")
    with django_assert_max_num_queries(5):
        page = client.get(
            "/api/v1/blueprints/", {"project": str(project.pk), "page_size": 10}
        ).json()
    assert page["count"] == 25
    assert len(page["results"]) == 10
    assert page["next"]
    by_provider = client.get("/api/v1/blueprints/", {"primary_provider": "azure"}).json()
    assert [b["name"] for b in by_provider["results"]] == ["network"]
    searched = client.get("/api/v1/blueprints/", {"search": "service-2"}).json()
    assert sorted(b["name"] for b in searched["results"]) == [f"service-{i}" for i in range(20, 25)]
    assert client.get("/api/v1/blueprints/", {"lifecycle_state": "moon"}).status_code == 400


def test_duplicate_name_in_a_project_is_409(api, make_user):
    architect = make_user("SA")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    client = api(architect)
    create(client, project)
    response = create(client, project)
    assert response.status_code == 409
    assert Blueprint.objects.count() == 1


def test_delete_is_soft(api, make_user):
    architect = make_user("SA")
    client = api(architect)
    blueprint_id = create(
        client, ProjectFactory(tenant=architect.tenant, members=[architect])
    ).json()["id"]
    assert client.delete(f"/api/v1/blueprints/{blueprint_id}/").status_code == 204
    assert client.get(f"/api/v1/blueprints/{blueprint_id}/").status_code == 404
    assert Blueprint.objects.get(pk=blueprint_id).deleted_at is not None


def test_a_deleted_blueprints_name_can_be_used_again(api, architect, blueprint_url):
    client = api(architect)
    project = client.get(blueprint_url).json()["project"]
    body = {"project": project, "name": "shop"}
    assert client.post("/api/v1/blueprints/", body, format="json").status_code == 409
    assert client.delete(blueprint_url).status_code == 204
    again = client.post("/api/v1/blueprints/", body, format="json")
    assert again.status_code == 201
    assert again.json()["id"] != blueprint_url.rstrip("/").rsplit("/", 1)[1]


def test_a_name_taken_by_a_concurrent_write_is_a_409_not_a_500(
    api, architect, blueprint_url, monkeypatch
):
    """The check before the insert can race with another writer: the UNIQUE index decides."""
    from apps.blueprints import services

    client = api(architect)
    project = client.get(blueprint_url).json()["project"]
    monkeypatch.setattr(services, "_name_taken", lambda *args, **kwargs: False)
    response = client.post(
        "/api/v1/blueprints/", {"project": project, "name": "shop"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"name": ["Already used."]}
    other = client.post("/api/v1/blueprints/", {"project": project, "name": "b"}, format="json")
    renamed = client.patch(
        f"/api/v1/blueprints/{other.json()['id']}/", {"name": "shop"}, format="json"
    )
    assert renamed.status_code == 409
