"""Abstract bases every Dharma table builds on.

- UUID primary keys, as in the original schema.
- `created_at` everywhere; `updated_at` only on tables that are updated (the original's 13
  append-only tables have none), both maintained by the ORM.
- `tenant_path`: how a row reaches its tenant, directly (`"tenant"`) or through its parent chain
  (`"project__tenant"`). Admin and API scoping use it, so tenancy is decided in one place.
"""

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> "TenantQuerySet":
        """Rows that belong to `tenant` (a Tenant or its id)."""
        tenant_id = getattr(tenant, "pk", tenant)
        return self.filter(**{getattr(self.model, "tenant_path"): tenant_id})  # noqa: B009


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    tenant_path: ClassVar[str] = "tenant"
    objects: ClassVar[models.Manager] = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class CreatedModel(UUIDModel):
    """An append-only row: it records when it was written and is never updated."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class TimestampedModel(CreatedModel):
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Rows are hidden by setting `deleted_at`; the original's partial indexes skip them."""

    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


NOT_DELETED = Q(deleted_at__isnull=True)


def choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    """A database CHECK that keeps `field` inside the enumeration (NULL passes, as in SQL)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def range_check(field: str, low: int, high: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Level3(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
