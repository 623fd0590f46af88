"""The audit log in the admin: read-only, tenant-scoped for staff, and each object's History."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.models import Project
from apps.accounts.services import project_update
from apps.audit.models import AuditLogEntry
from tests.accounts.factories import ProjectFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_entries_can_be_read_never_added_changed_or_deleted(client, superuser):
    project = ProjectFactory()
    entry = AuditLogEntry.objects.get(object_pk=str(project.pk))
    model_admin = admin.site._registry[AuditLogEntry]
    changelist = client.get(reverse("admin:audit_auditlogentry_changelist"))
    assert changelist.status_code == 200
    request = changelist.wsgi_request
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)

    page = client.get(reverse("admin:audit_auditlogentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b"Delete" not in page.content and b'name="_save"' not in page.content
    assert client.get(reverse("admin:audit_auditlogentry_add")).status_code == 403
    delete = reverse("admin:audit_auditlogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_staff_see_only_their_tenants_entries(client):
    ours, theirs = TenantFactory(slug="ours"), TenantFactory(slug="theirs")
    mine = ProjectFactory(tenant=ours, code="MINE")
    other = ProjectFactory(tenant=theirs, code="THEIRS")
    staff = UserFactory(tenant=ours, is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_auditlogentry"),
        Permission.objects.get(codename="view_project"),
    )
    client.force_login(staff)

    response = client.get(reverse("admin:audit_auditlogentry_changelist"))
    assert response.status_code == 200
    listed = {entry.object_pk for entry in response.context["cl"].queryset}
    assert str(mine.pk) in listed and str(other.pk) not in listed
    assert {entry.tenant_id for entry in response.context["cl"].queryset} == {ours.pk}
    their_entry = AuditLogEntry.objects.get(object_pk=str(other.pk))
    url = reverse("admin:audit_auditlogentry_change", args=[their_entry.pk])
    assert client.get(url).status_code == 302  # not found in their tenant: back to the index
    # Their object's History is not theirs to read either.
    history = reverse("admin:accounts_project_history", args=[other.pk])
    assert client.get(history).status_code == 302


def test_an_objects_history_page_shows_who_when_and_a_table_of_changes(client, superuser):
    project = ProjectFactory(name="Before", code="HIST")
    project_update(project=Project.objects.get(pk=project.pk), name="After")
    response = client.get(reverse("admin:accounts_project_history", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert [entry.action for entry in response.context["log_entries"]] == [
        AuditLogEntry.Action.UPDATE,
        AuditLogEntry.Action.CREATE,
    ]
    assert "system" in html and "update" in html and "create" in html
    assert "<th>Field</th><th>Old</th><th>New</th>" in html
    assert "<tr><td>Name</td><td>Before</td><td>After</td></tr>" in html
    assert '{"name"' not in html and "[&quot;" not in html  # no raw JSON of the changes


def test_history_of_an_object_that_does_not_exist_redirects(client, superuser):
    url = reverse("admin:accounts_project_history", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 302


def test_history_of_an_object_without_entries_says_so(client, superuser):
    from auditlog.context import disable_auditlog

    with disable_auditlog():
        project = ProjectFactory()
    response = client.get(reverse("admin:accounts_project_history", args=[project.pk]))
    assert response.status_code == 200
    assert b"No changes recorded for this object." in response.content
