"""Every model's admin renders for a superuser, and staff see only their own tenant's rows."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import Project
from tests.accounts.factories import ProjectFactory, TenantFactory, UserFactory

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
DHARMA_MODELS = [model for model in MODELS if model._meta.app_label != "django_celery_beat"]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser_client(client):
    call_command("seed_demo", password="demo-password-123", verbosity=0)
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_dharma_table_has_an_admin():
    from django.apps import apps

    ours = {model for model in apps.get_models() if model.__module__.startswith("apps.")}
    assert ours <= set(MODELS), sorted(m._meta.db_table for m in ours - set(MODELS))


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_render(superuser_client, model):
    response = superuser_client.get(url(model, "changelist"))
    assert response.status_code == 200, response.content[:500]
    response = superuser_client.get(url(model, "add"))
    assert response.status_code in (200, 403)
    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(response.wsgi_request):
        assert response.status_code == 200
    row = model._default_manager.first()
    if row is not None:
        assert superuser_client.get(url(model, "change", row.pk)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", DHARMA_MODELS, ids=lambda model: model._meta.label)
def test_changelist_does_not_query_per_row(superuser_client, model, django_assert_max_num_queries):
    # Session, user and the page's own count/select; a per-row query would exceed this with rows.
    with django_assert_max_num_queries(12):
        superuser_client.get(url(model, "changelist"))


@pytest.mark.django_db
def test_staff_see_only_their_tenants_rows(client):
    ours, theirs = TenantFactory(slug="ours"), TenantFactory(slug="theirs")
    mine = ProjectFactory(tenant=ours, code="MINE")
    ProjectFactory(tenant=theirs, code="THEIRS")
    staff = UserFactory(tenant=ours, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_project"))
    client.force_login(staff)
    response = client.get(url(Project, "changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [mine]
    assert (
        client.get(url(Project, "change", Project.objects.get(code="THEIRS").pk)).status_code == 302
    )


@pytest.mark.django_db
def test_append_only_rows_cannot_be_changed_or_deleted(superuser_client):
    from apps.deployments.models import ApprovalHistory

    model_admin = admin.site._registry[ApprovalHistory]
    request = superuser_client.get(url(ApprovalHistory, "changelist")).wsgi_request
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


@pytest.mark.parametrize("model", DHARMA_MODELS, ids=lambda model: model._meta.label)
def test_no_foreign_key_renders_as_a_dropdown_of_a_whole_table(model):
    from django.db import models as django_models

    model_admin = admin.site._registry[model]
    widgets = set(model_admin.raw_id_fields) | set(model_admin.autocomplete_fields)
    foreign_keys = {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, django_models.ForeignKey)
    }
    assert foreign_keys <= widgets
