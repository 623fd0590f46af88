"""Admin bases shared by every app.

- `DharmaModelAdmin`: read-only id/timestamps, raw-id widgets for every foreign key that is not
  autocompleted (no dropdown ever loads a whole table), and tenant-scoped listing: a staff user
  who is not a superuser sees only rows that reach their own tenant (`Model.tenant_path`).
  Its "History" page is the object's audit log (django-auditlog's entries, apps/audit): every
  write from the API, the admin, commands and tasks, not only the admin's own edits.
- `AppendOnlyAdmin`: for the append-only tables (history, logs, samples). Rows can be added, and
  viewed, never edited or deleted.
"""

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models


class DharmaModelAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False
    auditlog_history_template = "audit/object_history.html"
    auditlog_history_per_page = 20

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:  # not found, or not the tenant's
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return self.auditlog_history_view(request, object_id, extra_context)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not self.raw_id_fields:
            self.raw_id_fields = tuple(
                field.name
                for field in model._meta.get_fields()
                if isinstance(field, models.ForeignKey)
                and field.name not in self.autocomplete_fields
            )

    def get_readonly_fields(self, request, obj=None):
        own = tuple(self.readonly_fields)
        timestamps = tuple(
            name
            for name in ("id", "created_at", "updated_at")
            if name not in own and hasattr(self.model, name)
        )
        return own + timestamps

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        tenant_id = getattr(request.user, "tenant_id", None)
        if tenant_id is None:
            return queryset.none()
        return queryset.filter(**{self.model.tenant_path: tenant_id})


class AppendOnlyAdmin(DharmaModelAdmin):
    """Rows of an append-only table are written once and then only read."""

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible through the view permission; nothing is editable.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
