"""Query filters of the audit log API (invalid values are 400s, not empty pages)."""

import uuid

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType

from apps.audit.models import AuditLogEntry

ACTIONS = {"create": AuditLogEntry.Action.CREATE, "update": AuditLogEntry.Action.UPDATE,
           "delete": AuditLogEntry.Action.DELETE}  # fmt: skip


class ObjectTypeField(forms.CharField):
    """`app_label.model`, e.g. `blueprints.blueprint` (the API's `object_type`)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        app_label, _, model = value.lower().partition(".")
        try:
            return ContentType.objects.get_by_natural_key(app_label, model)  # cached
        except ContentType.DoesNotExist:
            raise forms.ValidationError(
                f"Unknown object type {value!r}: expected app_label.model, "
                "e.g. blueprints.blueprint."
            ) from None


class ObjectIdField(forms.CharField):
    """A primary key as stored: UUIDs in their canonical form, whatever their spelling."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return value


class ObjectTypeFilter(django_filters.CharFilter):
    field_class = ObjectTypeField


class ObjectIdFilter(django_filters.CharFilter):
    field_class = ObjectIdField


class AuditLogFilter(django_filters.FilterSet):
    """`?object_type=blueprints.blueprint&object_id=…&user=…&action=update&since=…&until=…`"""

    object_type = ObjectTypeFilter(field_name="content_type")
    object_id = ObjectIdFilter(field_name="object_pk", max_length=255)
    user = django_filters.UUIDFilter(field_name="actor_id")
    action = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ACTIONS], method="filter_action"
    )
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = AuditLogEntry
        fields = ["object_type", "object_id", "user", "action", "since", "until"]

    def filter_action(self, queryset, name, value):
        return queryset.filter(action=ACTIONS[value])
