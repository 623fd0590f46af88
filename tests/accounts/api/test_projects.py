import pytest

from apps.accounts.models import Environment, Project
from tests.accounts.factories import EnvironmentFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_members_list_their_tenants_projects_only(api, make_user, django_assert_max_num_queries):
    user = make_user("SE")
    for code in ("A", "B", "C"):
        ProjectFactory(tenant=user.tenant, code=code)
    ProjectFactory(code="OTHER")  # another tenant
    client = api(user)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/projects/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert sorted(p["code"] for p in body["results"]) == ["A", "B", "C"]
    assert set(body["results"][0]) == {
        "id", "name", "code", "description", "owner", "status", "scope", "primary_provider",
        "tags", "metadata", "created_at", "updated_at",
    }  # fmt: skip


def test_another_tenants_project_is_404(api, make_user):
    other = ProjectFactory()
    client = api(make_user("Admin"))
    assert client.get(f"/api/v1/projects/{other.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/projects/{other.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/projects/{other.pk}/").status_code == 404
    assert Project.objects.get(pk=other.pk).deleted_at is None


def test_only_administrators_create_projects(api, make_user):
    payload = {"name": "Payments", "code": "PAY"}
    response = api(make_user("SA")).post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    admin = make_user("Admin")
    response = api(admin).post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 201
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.tenant, project.owner) == (admin.tenant, admin)


def test_duplicate_code_is_409_and_writes_nothing(api, make_user):
    admin = make_user("Admin")
    ProjectFactory(tenant=admin.tenant, code="PAY")
    response = api(admin).post("/api/v1/projects/", {"name": "x", "code": "PAY"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"code": ["Already used."]}
    assert Project.objects.filter(tenant=admin.tenant).count() == 1


def test_unknown_and_mistyped_fields_are_400(api, make_user):
    client = api(make_user("Admin"))
    response = client.post(
        "/api/v1/projects/",
        {"name": "x", "code": "X", "colour": "red", "tags": "no"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"colour"}
    response = client.post(
        "/api/v1/projects/", {"name": "x", "code": "X", "scope": "moon"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"scope"}


def test_malformed_json_is_400(api, make_user):
    client = api(make_user("Admin"))
    response = client.generic(
        "POST", "/api/v1/projects/", '{"name": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_a_body_over_the_limit_is_413(api, make_user, settings):
    settings.DHARMA_API_MAX_BODY_BYTES = 1000
    client = api(make_user("Admin"))
    response = client.post("/api/v1/projects/", {"name": "x" * 2000, "code": "X"}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Project.objects.filter(code="X").exists()


def test_a_non_uuid_id_is_404(api, make_user):
    assert api(make_user("SE")).get("/api/v1/projects/not-a-uuid/").status_code == 404


def test_delete_is_soft_and_hides_environments(api, make_user):
    admin = make_user("Admin")
    environment = EnvironmentFactory(project=ProjectFactory(tenant=admin.tenant))
    client = api(admin)
    assert client.delete(f"/api/v1/projects/{environment.project_id}/").status_code == 204
    assert client.get(f"/api/v1/projects/{environment.project_id}/").status_code == 404
    assert Project.objects.get(pk=environment.project_id).deleted_at is not None
    assert Environment.objects.get(pk=environment.pk).deleted_at is not None


def test_environments_of_a_project(api, make_user):
    admin = make_user("Admin")
    project = ProjectFactory(tenant=admin.tenant)
    client = api(admin)
    url = f"/api/v1/projects/{project.pk}/environments/"
    response = client.post(url, {"name": "production", "type": "prod"}, format="json")
    assert response.status_code == 201
    assert response.json()["project"] == str(project.pk)
    assert (
        client.post(url, {"name": "production", "type": "prod"}, format="json").status_code == 409
    )
    assert client.post(url, {"name": "x", "type": "moon"}, format="json").status_code == 400
    listing = client.get(url, {"type": "prod"}).json()
    assert [e["name"] for e in listing["results"]] == ["production"]


def test_another_tenants_project_environments_are_404(api, make_user):
    other = EnvironmentFactory()
    client = api(make_user("Admin"))
    assert client.get(f"/api/v1/projects/{other.project_id}/environments/").status_code == 404
    response = client.post(
        f"/api/v1/projects/{other.project_id}/environments/",
        {"name": "x", "type": "dev"},
        format="json",
    )
    assert response.status_code == 404
