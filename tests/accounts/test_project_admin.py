"""Projects, their members and environments in the admin go through the API's services: the same
rights, the same soft delete, the same refusals, and the acting user recorded."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.models import Environment, Project, ProjectMember
from apps.blueprints.models import Blueprint
from tests.accounts.factories import ProjectFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERY_RIGHT = [
    f"{action}_{model}"
    for model in ("project", "projectmember", "environment")
    for action in ("add", "change", "delete", "view")
]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(make_user):
    """`staff(*roles)`: a staff user of a tenant of its own with every admin right on projects,
    members and environments, holding the given system roles."""

    def make(*roles: str, tenant=None):
        user = make_user(*roles, tenant=tenant or TenantFactory(), is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=EVERY_RIGHT))
        return user

    return make


def test_an_administrator_adds_a_project_as_owner_and_first_member(client, staff):
    admin_user = staff("Admin")
    client.force_login(admin_user)
    response = client.post(
        url(Project, "add"),
        {"code": "PAY", "name": "Payments", "description": "", "status": "active",
         "scope": "cloud", "primary_provider": "aws"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(code="PAY")
    assert (project.tenant_id, project.owner_id) == (admin_user.tenant_id, admin_user.pk)
    assert ProjectMember.objects.filter(project=project, user=admin_user).exists()


def test_staff_without_the_projects_right_are_refused_with_a_form_error(client, staff):
    architect = staff("SA")  # Django's add_project, but no `project:create` role right
    client.force_login(architect)
    response = client.post(
        url(Project, "add"),
        {"code": "PAY", "name": "Payments", "status": "active", "scope": "cloud"},
    )
    assert response.status_code == 200
    assert "your roles do not allow this" in str(response.context["adminform"].form.errors)
    assert not Project.objects.filter(code="PAY").exists()


def test_deleting_a_project_is_the_apis_soft_delete(client, staff):
    admin_user = staff("Admin")
    project = ProjectFactory(tenant=admin_user.tenant)
    environment = Environment.objects.create(project=project, name="prod", type="prod")
    blueprint = Blueprint.objects.create(project=project, name="kept", created_by=admin_user)
    client.force_login(admin_user)
    response = client.post(url(Project, "delete", project.pk), {"post": "yes"})
    assert response.status_code == 302
    project.refresh_from_db()
    environment.refresh_from_db()
    assert project.deleted_at is not None and environment.deleted_at is not None
    assert Blueprint.objects.filter(pk=blueprint.pk).exists()  # nothing cascaded away


def test_a_member_is_added_by_the_acting_user_and_only_from_the_tenant(client, staff):
    admin_user = staff("Admin")
    project = ProjectFactory(tenant=admin_user.tenant)
    colleague = UserFactory(tenant=admin_user.tenant)
    stranger = UserFactory(tenant=TenantFactory())
    client.force_login(admin_user)
    refused = client.post(url(ProjectMember, "add"), {"project": project.pk, "user": stranger.pk})
    assert refused.status_code == 200
    assert not ProjectMember.objects.filter(user=stranger).exists()
    response = client.post(url(ProjectMember, "add"), {"project": project.pk, "user": colleague.pk})
    assert response.status_code == 302
    member = ProjectMember.objects.get(project=project, user=colleague)
    assert member.added_by == admin_user
    again = client.post(url(ProjectMember, "add"), {"project": project.pk, "user": colleague.pk})
    assert again.status_code == 200  # the service's "already a member", as a form error
    assert ProjectMember.objects.filter(project=project, user=colleague).count() == 1


def test_a_membership_is_never_edited_only_added_or_removed(client, staff):
    admin_user = staff("Admin")
    project = ProjectFactory(tenant=admin_user.tenant)
    member = ProjectMember.objects.create(project=project, user=UserFactory(tenant=project.tenant))
    client.force_login(admin_user)
    other = ProjectFactory(tenant=admin_user.tenant)
    client.post(
        url(ProjectMember, "change", member.pk), {"project": other.pk, "user": member.user_id}
    )
    member.refresh_from_db()
    assert member.project == project
    response = client.post(url(ProjectMember, "delete", member.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ProjectMember.objects.filter(pk=member.pk).exists()


def test_environments_keep_their_project_and_unique_names(client, staff):
    admin_user = staff("Admin")
    project = ProjectFactory(tenant=admin_user.tenant)
    client.force_login(admin_user)
    data = {"project": project.pk, "name": "prod", "type": "prod", "description": ""}
    assert client.post(url(Environment, "add"), data).status_code == 302
    twice = client.post(url(Environment, "add"), data)
    assert twice.status_code == 200
    assert "already exists" in str(twice.context["adminform"].form.errors)
    assert Environment.objects.filter(project=project).count() == 1
    environment = Environment.objects.get(project=project)
    other = ProjectFactory(tenant=admin_user.tenant)
    client.post(
        url(Environment, "change", environment.pk),
        {"project": other.pk, "name": "production", "type": "prod", "description": ""},
    )
    environment.refresh_from_db()
    assert (environment.project, environment.name) == (project, "production")
    assert (
        client.post(url(Environment, "delete", environment.pk), {"post": "yes"}).status_code == 302
    )
    environment.refresh_from_db()
    assert environment.deleted_at is not None
