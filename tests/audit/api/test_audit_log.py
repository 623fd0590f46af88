"""GET /api/v1/audit-log/: read-only, tenant-scoped, for administrators, filtered, paginated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Project
from apps.audit.models import AuditLogEntry
from tests.accounts.factories import EnvironmentFactory, ProjectFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-log/"


def create_project(client, code: str, name: str = "Shop") -> str:
    response = client.post("/api/v1/projects/", {"name": name, "code": code}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_lists_the_tenants_writes_newest_first_with_their_changes(api, administrator):
    client = api(administrator)
    project_id = create_project(client, "SHOP")
    client.patch(f"/api/v1/projects/{project_id}/", {"name": "Shop EU"}, format="json")

    response = client.get(URL, {"object_id": project_id})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and set(body) >= {"count", "next", "previous", "results"}
    updated, created = body["results"]
    assert updated["action"] == "update" and created["action"] == "create"
    assert updated["object_type"] == "accounts.project"
    assert updated["object_id"] == project_id
    assert updated["object_repr"] == "SHOP — Shop EU"
    assert updated["actor"] == str(administrator.pk)
    assert updated["actor_email"] == administrator.email
    assert updated["actor_display"] == administrator.email
    assert updated["tenant"] == str(administrator.tenant_id)
    assert updated["remote_addr"] == "127.0.0.1"
    assert updated["changes"] == {"name": {"old": "Shop", "new": "Shop EU"}}
    assert created["changes"]["code"] == {"old": None, "new": "SHOP"}

    detail = client.get(f"{URL}{updated['id']}/")
    assert detail.status_code == 200 and detail.json() == updated


def test_system_writes_show_as_system(api, administrator):
    ProjectFactory(tenant=administrator.tenant, code="SYS")  # outside a request
    (entry,) = api(administrator).get(URL, {"object_type": "accounts.project"}).json()["results"]
    assert entry["actor"] is None and entry["actor_display"] == "system"
    assert entry["remote_addr"] is None


def test_another_tenants_entries_are_never_listed(api, administrator, make_user):
    other = make_user("Admin")
    theirs = create_project(api(other), "THEIRS")
    ours = create_project(api(administrator), "OURS")
    client = api(administrator)

    listed = {entry["object_id"] for entry in client.get(URL).json()["results"]}
    assert ours in listed and theirs not in listed
    # Naming their object answers like an object that does not exist.
    assert client.get(URL, {"object_id": theirs}).json()["count"] == 0
    assert client.get(URL, {"object_id": "00000000-0000-0000-0000-000000000000"}).json() == {
        "count": 0, "next": None, "previous": None, "results": [],
    }  # fmt: skip
    their_entry = AuditLogEntry.objects.filter(object_pk=theirs).first()
    assert client.get(f"{URL}{their_entry.pk}/").status_code == 404
    assert client.get(f"{URL}999999999/").status_code == 404


def test_filters(api, administrator, make_user):
    client = api(administrator)
    colleague = make_user("Admin", tenant=administrator.tenant)
    project_id = create_project(client, "ONE")
    create_project(api(colleague), "TWO")
    client.patch(f"/api/v1/projects/{project_id}/", {"name": "Renamed"}, format="json")
    EnvironmentFactory(project=Project.objects.get(pk=project_id), name="prod")

    def ids(**query) -> list[tuple[str, str]]:
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return [(e["object_type"], e["action"]) for e in response.json()["results"]]

    assert ids(object_type="accounts.environment") == [("accounts.environment", "create")]
    assert ids(object_type="accounts.project", action="update") == [("accounts.project", "update")]
    assert ids(user=str(colleague.pk)) == [
        ("accounts.projectmember", "create"), ("accounts.project", "create"),
    ]  # fmt: skip
    assert set(ids(object_id=project_id)) == {
        ("accounts.project", "create"), ("accounts.project", "update"),
    }  # fmt: skip

    later = timezone.now() + timedelta(minutes=1)
    assert ids(since=later.isoformat()) == []
    assert len(ids(until=later.isoformat())) == len(ids())
    first = AuditLogEntry.objects.filter(object_pk=project_id).order_by("timestamp").first()
    assert ("accounts.project", "create") not in ids(
        object_id=project_id, since=(first.timestamp + timedelta(microseconds=1)).isoformat()
    )


@pytest.mark.parametrize(
    "query",
    [
        {"object_type": "nope"},
        {"object_type": "accounts.nothing"},
        {"action": "access"},
        {"user": "not-a-uuid"},
        {"since": "yesterday"},
        {"until": "2026-13-45"},
    ],
)
def test_bad_filters_are_400s_in_the_error_shape(api, administrator, query):
    response = api(administrator).get(URL, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and set(error["fields"]) == set(query)


def test_only_roles_granted_audit_read_see_it(api, make_user):
    assert api().get(URL).status_code == 401
    for role in ("SA", "TA", "PM", "SE", "EA", "Consultant"):
        assert api(make_user(role)).get(URL).status_code == 403, role


def test_the_log_cannot_be_written_through_the_api(api, administrator):
    client = api(administrator)
    create_project(client, "RO")
    entry = client.get(URL).json()["results"][0]
    assert client.post(URL, {}, format="json").status_code == 405
    assert client.put(f"{URL}{entry['id']}/", {}, format="json").status_code == 405
    assert client.patch(f"{URL}{entry['id']}/", {}, format="json").status_code == 405
    assert client.delete(f"{URL}{entry['id']}/").status_code == 405
    assert AuditLogEntry.objects.filter(pk=entry["id"]).exists()


def test_paginated_with_a_bounded_number_of_queries(
    api, administrator, django_assert_max_num_queries
):
    client = api(administrator)
    for index in range(12):
        project = ProjectFactory(tenant=administrator.tenant, code=f"P{index}")
        EnvironmentFactory(project=project)
    client.get(URL)  # warm the caches (grants, content types)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"page_size": 20})
    body = response.json()
    total = AuditLogEntry.objects.filter(tenant_id=administrator.tenant_id).count()
    assert total >= 24 and body["count"] == total
    assert len(body["results"]) == 20 and body["next"]
    assert len(client.get(URL, {"page": 2, "page_size": 20}).json()["results"]) == total - 20


def test_documented_in_the_openapi_schema(api, administrator):
    schema = api(administrator).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/audit-log/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names >= {"object_type", "object_id", "user", "action", "since", "until", "page"}
    assert set(schema["paths"]["/api/v1/audit-log/{id}/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/audit-log/"]) == {"get"}
