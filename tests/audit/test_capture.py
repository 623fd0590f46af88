"""Every door writes the audit log: the API (JWT), the admin (session), management commands and
Celery tasks, each entry with its actor ("system" without one), tenant, action and the changed
fields' old and new values."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import Project, Tenant, User
from apps.audit import registration
from apps.audit.models import AuditLogEntry
from apps.iac import services as iac_services
from apps.iac import tasks as iac_tasks
from tests.accounts.factories import ProjectFactory, UserFactory
from tests.audit.conftest import entries_for

pytestmark = pytest.mark.django_db
CREATE, UPDATE, DELETE = (
    AuditLogEntry.Action.CREATE,
    AuditLogEntry.Action.UPDATE,
    AuditLogEntry.Action.DELETE,
)


def test_an_api_write_is_attributed_to_the_token_user(api, administrator):
    client = api(administrator)
    response = client.post("/api/v1/projects/", {"name": "Shop", "code": "SHOP"}, format="json")
    assert response.status_code == 201, response.content
    response = client.patch(
        f"/api/v1/projects/{response.json()['id']}/", {"name": "Shop EU"}, format="json"
    )
    assert response.status_code == 200, response.content
    project = Project.objects.get(code="SHOP")

    created, updated = entries_for(project)
    assert created.action == CREATE and updated.action == UPDATE
    for entry in (created, updated):
        assert entry.actor_id == administrator.pk
        assert entry.actor_email == administrator.email
        assert entry.tenant_id == administrator.tenant_id
        assert entry.remote_addr == "127.0.0.1"
    assert updated.object_repr == str(project)  # the label when the entry was written
    assert created.changes["name"] == [None, "Shop"]
    assert created.changes["code"] == [None, "SHOP"]
    assert updated.changes == {"name": ["Shop", "Shop EU"]}


def test_an_api_delete_is_an_update_of_deleted_at_for_soft_deleted_rows(api, administrator):
    project = ProjectFactory(tenant=administrator.tenant)
    response = api(administrator).delete(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 204
    last = entries_for(project)[-1]
    assert last.action == UPDATE and last.actor_id == administrator.pk
    assert last.changes["deleted_at"][0] is None and last.changes["deleted_at"][1]


def admin_form_data(response) -> dict:
    """The change form's current values, as a browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()  # prepared for the widget, as rendered
        if value is not None:
            data[name] = value
    return data


def test_an_admin_write_is_attributed_to_the_logged_in_user(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    project = ProjectFactory(tenant=superuser.tenant, name="Before", code="ADM")
    client.force_login(superuser)
    url = reverse("admin:accounts_project_change", args=[project.pk])
    data = admin_form_data(client.get(url))
    data["name"] = "After"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    entry = entries_for(project)[-1]
    assert entry.action == UPDATE
    assert entry.actor_id == superuser.pk and entry.actor_display == superuser.email
    assert entry.tenant_id == project.tenant_id
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes == {"name": ["Before", "After"]}


def test_a_management_command_writes_as_the_system():
    call_command("seed_demo", password="demo-password-123", verbosity=0)
    project = Project.objects.get(tenant__slug="demo")
    (created,) = entries_for(project)
    assert created.action == CREATE
    assert created.actor_id is None and created.actor_display == "system"
    assert created.remote_addr is None
    assert created.tenant_id == project.tenant_id
    tenant = Tenant.objects.get(slug="demo")
    assert entries_for(tenant)[0].tenant_id == tenant.pk


def test_a_celery_task_run_in_process_writes_as_the_system(ta, new_version):
    version = new_version("aws")
    generation = iac_services.generation_create(
        user=ta, version=version, format="terraform", enqueue=False
    )
    (created,) = entries_for(generation)
    assert created.actor_id is None  # outside a request: written by the service, as the system
    assert iac_tasks.generate.apply(args=[str(generation.pk)]).get() == "completed"
    generation.refresh_from_db()

    finished = entries_for(generation)[-1]
    assert finished.action == UPDATE
    assert finished.actor_id is None and finished.actor_display == "system"
    assert finished.remote_addr is None
    assert finished.tenant_id == ta.tenant_id
    assert finished.changes["status"] == ["running", "completed"]
    assert finished.changes["content_hash"] == ["", generation.content_hash]
    assert "files" not in finished.changes  # generated output stays on the generation


def test_an_object_reached_through_its_parents_carries_its_tenant(ta, new_version):
    version = new_version("aws")  # blueprint_version → blueprint → project → tenant
    (created,) = entries_for(version)
    assert created.tenant_id == ta.tenant_id
    assert "graph_json" not in created.changes and created.changes["graph_hash"][1]


def test_a_delete_records_the_old_values():
    project = ProjectFactory(name="Gone")
    tenant_id = project.tenant_id
    pk = project.pk
    project.delete()
    entry = AuditLogEntry.objects.get(object_pk=str(pk), action=DELETE)
    assert entry.tenant_id == tenant_id
    assert entry.changes["name"] == ["Gone", None]


def test_passwords_are_masked_and_logins_are_not_changes(api, administrator):
    user = User.objects.create_user(
        "new@example.com", "a secret phrase", tenant=administrator.tenant
    )
    (created,) = entries_for(user)
    assert created.changes["password"] == ["None", "********"]
    user.set_password("another secret phrase")
    user.save()
    assert entries_for(user)[-1].changes == {"password": ["********", "********"]}
    before = len(entries_for(administrator))
    api(administrator)  # logs in through the token endpoint
    assert len(entries_for(administrator)) == before
    assert not any(
        "last_login" in (entry.changes or {}) or "updated_at" in (entry.changes or {})
        for entry in AuditLogEntry.objects.all()
    )


def test_every_dharma_model_is_audited_but_the_listed_exclusions():
    from auditlog.registry import auditlog

    ours = {model for model in apps.get_models() if model.__module__.startswith("apps.")}
    excluded = {apps.get_model(label) for label in registration.EXCLUDED_MODELS}
    assert excluded <= ours  # every exclusion names a real model
    for model in ours - excluded - {AuditLogEntry}:
        assert auditlog.contains(model), model._meta.label
    for model in excluded | {AuditLogEntry}:
        assert not auditlog.contains(model), model._meta.label
    for label, fields in registration.EXCLUDED_FIELDS.items():
        names = {field.name for field in apps.get_model(label)._meta.concrete_fields}
        assert set(fields) <= names, label


def test_a_guardrail_evaluation_is_one_entry_not_one_per_finding(ta, new_version):
    from apps.guardrails import services as guardrail_services
    from apps.guardrails.models import GuardrailEvaluation, PolicyViolation

    insecure = [
        {"name": f"prod-shop-bucket{i}-useast1", "type": "s3", "provider": "aws",
         "region": "us-east-1", "properties": {}, "tags": {}}
        for i in range(5)
    ]  # fmt: skip
    version = new_version(insecure)
    guardrail_services.evaluation_create(user=ta, version=version)
    evaluation = GuardrailEvaluation.objects.get(blueprint_version=version)
    assert PolicyViolation.objects.filter(tenant=ta.tenant).count() >= 5
    (created,) = entries_for(evaluation)
    assert created.actor_id is None and created.tenant_id == ta.tenant_id
    assert created.changes["score"][1] == evaluation.score
    assert not AuditLogEntry.objects.filter(
        content_type__model="policyviolation", tenant_id=ta.tenant_id
    ).exists()


def test_a_forged_forwarded_address_is_not_recorded(api, administrator):
    client = api(administrator)
    response = client.post(
        "/api/v1/projects/",
        {"name": "Shop", "code": "FWD"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 201
    (created,) = entries_for(Project.objects.get(code="FWD"))
    assert created.remote_addr == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(api, administrator, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = api(administrator).post(
        "/api/v1/projects/",
        {"name": "Shop", "code": "PRX"},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
    )
    assert response.status_code == 201
    (created,) = entries_for(Project.objects.get(code="PRX"))
    assert created.remote_addr == "203.0.113.9"  # the hop the proxy wrote
