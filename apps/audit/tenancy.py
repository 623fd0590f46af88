"""The tenant of the object an audit log entry is about, found through its `tenant_path`."""

import uuid

from django.db import models


def tenant_of(instance: models.Model) -> uuid.UUID | None:
    """The id of `instance`'s tenant, or None for platform rows (and models without tenancy).

    Related objects already loaded on the instance are walked without a query; otherwise the
    rest of the path is read in one query from the first related row, which still exists when
    the entry is written (a cascade deletes children before their parents).
    """
    path = getattr(type(instance), "tenant_path", None)
    if not path:
        return None
    if path == "pk":  # the tenant itself
        return instance.pk
    obj: models.Model = instance
    parts = path.split("__")
    for index, name in enumerate(parts):
        field = obj._meta.get_field(name)
        assert isinstance(field, models.ForeignKey), f"{path}: {name} is not a foreign key"
        related_id = getattr(obj, field.attname)
        if index == len(parts) - 1 or related_id is None:
            return related_id
        if field.is_cached(obj):
            obj = getattr(obj, name)
            continue
        related: type[models.Model] = field.related_model
        rest = "__".join(parts[index + 1 :])
        return related._base_manager.filter(pk=related_id).values_list(rest, flat=True).first()
    return None
