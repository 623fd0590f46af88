"""One row of every Dharma model for a tenant, built from the models' own fields.

`rows_for(tenant)` fills each required field with a value its type and choices accept and points
every foreign key at a row of the same tenant (built first), so that a test can hold the same set
of rows for two tenants and ask whether anything of one reaches the other.
"""

import datetime
import decimal
import itertools
import uuid

from django.apps import apps
from django.db import models
from django.utils import timezone

from apps.accounts.models import Environment, Project, Tenant, User

_counter = itertools.count()
# Values a model's admin needs to render a row (its JSON read by display methods).
FIELD_VALUES = {
    "validation.ValidationMeasurement": {
        "figures": {
            "clients": 1,
            "pooled": {"max_server_connections": 1},
            "direct": {"max_server_connections": 1},
            "cold": {"p50_ms": 1.0},
            "warm": {"p50_ms": 1.0},
        }
    },
}
# Rows that never point back at what refers to them: a nullable key to one is filled at creation
# (some CHECKs require it); any other nullable key is filled once the row exists.
LEAVES = {User, Project, Environment}


def dharma_models() -> list[type[models.Model]]:
    """Dharma's models, but the audit log's (its rows are written by every other write)."""
    return sorted(
        (
            model
            for model in apps.get_models()
            if model.__module__.startswith("apps.") and model._meta.app_label != "audit"
        ),
        key=lambda model: model._meta.label,
    )


def _value(field: models.Field):
    n = next(_counter)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.EmailField):
        return f"row{n}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{n}"
    if isinstance(field, models.SlugField):
        return f"row-{n}"
    if isinstance(field, models.GenericIPAddressField):
        return "10.0.0.1"
    if isinstance(field, (models.CharField, models.TextField)):
        text = f"row{n}"
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(field, models.FloatField):
        return 1.0
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.DurationField):
        return datetime.timedelta(seconds=1)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b""
    raise NotImplementedError(f"{field.model._meta.label}.{field.name}: {type(field).__name__}")


class TenantRows:
    """The rows of one tenant, one per model, built on demand."""

    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.rows: dict[type[models.Model], models.Model] = {Tenant: tenant}

    def row(self, model: type[models.Model], _building: frozenset = frozenset()):
        if model in self.rows:
            return self.rows[model]
        building = _building | {model}
        values = {}
        later = []
        for field in model._meta.concrete_fields:
            if field.primary_key or getattr(field, "auto_now", False):
                continue
            if getattr(field, "auto_now_add", False):
                continue
            if field.is_relation:
                related = field.related_model
                if related is Tenant:
                    values[field.name] = self.tenant
                elif related in building or (field.null and related not in LEAVES):
                    later.append(field)  # filled once the row exists (breaks cycles)
                else:
                    values[field.name] = self.row(related, building)
                continue
            if field.has_default() or field.null:
                continue
            if field.blank and isinstance(field, (models.CharField, models.TextField)):
                continue
            values[field.name] = _value(field)
        values.update(FIELD_VALUES.get(model._meta.label, {}))
        if model in self.rows:  # built while its foreign keys were
            return self.rows[model]
        if model._meta.label == "blueprints.Relation":
            # Its CHECK: a relation joins two different components (a copy of the first).
            other = model._meta.get_field("to_component").related_model.objects.get(
                pk=values["from_component"].pk
            )
            other.pk = None
            other.save()
            values["to_component"] = other
        instance = model._default_manager.create(**values)
        self.rows[model] = instance
        for field in later:
            if field.null and field.related_model is not model:
                setattr(instance, field.name, self.row(field.related_model))
        if later:
            instance.save()
        return instance

    def build_all(self) -> dict[type[models.Model], models.Model]:
        for model in dharma_models():
            self.row(model)
        return self.rows
