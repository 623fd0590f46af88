"""The audit log in the admin: entries are read, never added, changed or deleted.

Staff who are not superusers see their own tenant's entries (DharmaModelAdmin's scoping through
`tenant_path`). Each object's own entries are its "History" page (apps/core/admin.py).
"""

from auditlog.filters import ResourceTypeFilter
from auditlog.mixins import LogEntryAdminMixin
from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.audit.models import AuditLogEntry
from apps.core.admin import DharmaModelAdmin

# django-auditlog registers its own admin for the log entry model; Dharma's replaces it.
if admin.site.is_registered(AuditLogEntry):
    admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(LogEntryAdminMixin, DharmaModelAdmin):
    date_hierarchy = "timestamp"
    list_select_related = ["content_type"]
    list_display = ["created", "resource_url", "action", "msg_short", "user", "remote_addr"]
    list_filter = ["action", ResourceTypeFilter]
    search_fields = ["object_repr", "actor_email", "object_pk"]
    fields = readonly_fields = (
        "created", "user", "remote_addr", "resource_url", "action", "tenant_id", "changes",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="User")
    def user(self, entry: AuditLogEntry) -> str:
        if entry.actor_id is None:
            return "system"
        try:
            link = reverse("admin:accounts_user_change", args=[entry.actor_id])
        except NoReverseMatch:  # pragma: no cover - the user admin is always registered
            return entry.actor_display
        return format_html('<a href="{}">{}</a>', link, entry.actor_display)

    @admin.display(description="Changes")
    def changes(self, entry: AuditLogEntry) -> str:
        return render_to_string("audit/changes_table.html", {"entry": entry})
