"""`/api/v1/projects/{id}/members/`: who a project-scoped grant reaches the project for."""

import pytest

from apps.accounts.models import ProjectMember
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_creator_of_a_project_is_its_first_member(api, make_user):
    admin = make_user("Admin")
    created = api(admin).post("/api/v1/projects/", {"name": "Pay", "code": "PAY"}, format="json")
    members = api(admin).get(f"/api/v1/projects/{created.json()['id']}/members/").json()
    assert [(m["user"], m["email"]) for m in members["results"]] == [(str(admin.pk), admin.email)]


def test_administrators_add_and_remove_members(api, make_user, django_assert_max_num_queries):
    admin = make_user("Admin")
    consultant = make_user("Consultant", tenant=admin.tenant)
    project = ProjectFactory(tenant=admin.tenant)
    url = f"/api/v1/projects/{project.pk}/members/"
    client = api(admin)
    added = client.post(url, {"user": str(consultant.pk)}, format="json")
    assert added.status_code == 201
    assert added.json()["added_by"] == str(admin.pk)
    assert client.post(url, {"user": str(consultant.pk)}, format="json").status_code == 409
    with django_assert_max_num_queries(6):
        listed = api(consultant).get(url)
    assert listed.json()["count"] == 1
    assert client.delete(f"{url}{added.json()['id']}/").status_code == 204
    assert not ProjectMember.objects.filter(project=project).exists()


def test_others_cannot_change_members(api, make_user):
    admin = make_user("Admin")
    architect = make_user("SA", tenant=admin.tenant)
    project = ProjectFactory(tenant=admin.tenant, members=[architect])
    url = f"/api/v1/projects/{project.pk}/members/"
    response = api(architect).post(url, {"user": str(admin.pk)}, format="json")
    assert response.status_code == 403
    member = ProjectMember.objects.get()
    assert api(architect).delete(f"{url}{member.pk}/").status_code == 403
    assert ProjectMember.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [({"user": "not-a-uuid"}, "user"), ({}, "user"), ({"user": None}, "user")],
)
def test_bad_member_input_is_a_400(api, make_user, body, field):
    admin = make_user("Admin")
    project = ProjectFactory(tenant=admin.tenant)
    response = api(admin).post(f"/api/v1/projects/{project.pk}/members/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_users_of_another_tenant_cannot_be_added_and_projects_of_another_are_404(api, make_user):
    admin = make_user("Admin")
    stranger = make_user("SA")  # another tenant
    project = ProjectFactory(tenant=admin.tenant)
    client = api(admin)
    response = client.post(
        f"/api/v1/projects/{project.pk}/members/", {"user": str(stranger.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"user": ["Unknown user."]}
    foreign = ProjectFactory(tenant=stranger.tenant)
    assert client.get(f"/api/v1/projects/{foreign.pk}/members/").status_code == 404
    assert (
        client.post(
            f"/api/v1/projects/{foreign.pk}/members/", {"user": str(admin.pk)}, format="json"
        ).status_code
        == 404
    )
    assert not ProjectMember.objects.exists()
