"""Audit log entries are written once: the ORM, and on PostgreSQL the database, refuse to change
or delete them."""

import pytest
from django.db import IntegrityError, connection, transaction

from apps.audit.exceptions import AuditLogAppendOnly
from apps.audit.models import AuditLogEntry
from tests.accounts.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AuditLogEntry:
    project = ProjectFactory(name="Kept")
    return AuditLogEntry.objects.get(object_pk=str(project.pk))


def test_the_orm_refuses_to_change_or_delete_an_entry(entry):
    entry.object_repr = "forged"
    with pytest.raises(AuditLogAppendOnly):
        entry.save()
    with pytest.raises(AuditLogAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogAppendOnly):
        AuditLogEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(AuditLogAppendOnly):
        AuditLogEntry.objects.filter(pk=entry.pk).delete()
    assert AuditLogEntry.objects.get(pk=entry.pk).object_repr.endswith("Kept")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log_entries SET object_repr = 'forged' WHERE id = %s",
        "DELETE FROM audit_log_entries WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_below_the_orm(entry, sql):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_user_keeps_their_entries_as_they_were():
    user = UserFactory()
    project = ProjectFactory(tenant=user.tenant)
    # An entry written by the user (as the middleware would set it).
    entry = AuditLogEntry.objects.log_create(
        project, action=AuditLogEntry.Action.UPDATE, changes={"name": ["a", "b"]},
        actor=user, actor_email=user.email,
    )  # fmt: skip
    user.delete()
    entry = AuditLogEntry.objects.get(pk=entry.pk)
    assert entry.actor_id is not None and entry.actor_display == entry.actor_email
