"""The audit log: one row per write to a Dharma object (NetBox's ObjectChange, through
django-auditlog's swappable log entry model).

An entry says who (`actor`, or none for commands, tasks and beat: "system"), when, from where
(`remote_addr`), what object (content type, primary key and its label when written), the action
(create / update / delete) and the changed fields as {field: [old, new]} JSON values. It carries
the object's tenant (`tenant_id`, found through the object's `tenant_path` when the entry is
written), so the log is tenant-scoped like every other table; platform objects (system roles,
built-in policies, command-line load-test runs) have none and only superusers see them.

Entries are append-only: the ORM refuses to change or delete them (single rows and querysets),
and on PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002). The actor
and content type are kept without cascades for the same reason: deleting a user leaves their
entries (and their e-mail, `actor_email`) as they were.
"""

from typing import ClassVar

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.exceptions import AuditLogAppendOnly
from apps.audit.tenancy import tenant_of
from apps.core.models import TenantQuerySet


class AuditLogEntryQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise AuditLogAppendOnly

    def delete(self):
        raise AuditLogAppendOnly

    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AuditLogEntryManager(LogEntryManager.from_queryset(AuditLogEntryQuerySet)):  # type: ignore[misc]
    """django-auditlog's manager, stamping each new entry with its object's tenant."""

    def log_create(self, instance, force_log: bool = False, **kwargs):
        kwargs.setdefault("tenant_id", tenant_of(instance))
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(self, changed_queryset, instance, operation, field_name, **kwargs):
        kwargs.setdefault("tenant_id", tenant_of(instance))
        return super().log_m2m_changes(changed_queryset, instance, operation, field_name, **kwargs)


class AuditLogEntry(AbstractLogEntry):
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_log_object_idx starts with it
        verbose_name="content type",
    )
    # No database constraint and no cascade: a deleted user's entries stay as they were.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # audit_log_actor_time_idx
        null=True,
        blank=True,
        related_name="+",
        verbose_name="actor",
    )
    # Looked up with the content type (the composite index below), never alone.
    object_pk = models.CharField(max_length=255, verbose_name="object pk")
    # The tenant of the object when the entry was written (no foreign key: the log outlives it).
    tenant_id = models.UUIDField(null=True, blank=True, editable=False)

    objects: ClassVar[AuditLogEntryManager] = AuditLogEntryManager()
    tenant_path: ClassVar[str] = "tenant_id"

    class Meta(AbstractLogEntry.Meta):
        db_table = "audit_log_entries"
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["tenant_id", "-timestamp"], name="audit_log_tenant_time_idx"),
            models.Index(fields=["content_type", "object_pk"], name="audit_log_object_idx"),
            models.Index(
                fields=["actor", "-timestamp"],
                name="audit_log_actor_time_idx",
                condition=Q(actor__isnull=False),
            ),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnly

    @property
    def actor_display(self) -> str:
        """The user's e-mail, or "system" for commands, tasks and beat."""
        if self.actor_id is None:
            return "system"
        return self.actor_email or str(self.actor_id)

    @property
    def action_name(self) -> str:
        """create, update or delete."""
        return str(self.get_action_display())
