"""`{% for label, old, new in entry|change_rows:opts %}`: an entry's changes as table rows."""

import json

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

register = template.Library()
EMPTY = "—"


def _value(value) -> str:
    if value is None or value == "None":
        return EMPTY
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@register.filter
def change_rows(entry, opts=None) -> list[tuple[str, str, str]]:
    """(field label, old value, new value) for each changed field, in field order. `opts`: the
    object's model options (the History page has them), for the fields' verbose names."""
    if opts is None:
        opts = entry.content_type.model_class()._meta
    order = {field.name: index for index, field in enumerate(opts.fields)}
    rows = []
    for name, values in sorted(entry.changes_dict.items(), key=lambda kv: order.get(kv[0], 1e9)):
        if isinstance(values, dict):  # a many-to-many change
            old, new = values.get("operation", ""), ", ".join(values.get("objects", []))
        else:
            old, new = values
        try:
            label = capfirst(opts.get_field(name).verbose_name)
        except FieldDoesNotExist:
            label = name
        rows.append((label, _value(old), _value(new)))
    return rows
