"""The audit log API: read-only, tenant-scoped, for roles granted `audit:read`."""

from apps.accounts.api.viewsets import TenantScopedViewSet
from apps.audit.api.serializers import AuditLogEntrySerializer
from apps.audit.filtersets import AuditLogFilter
from apps.audit.models import AuditLogEntry


class AuditLogViewSet(TenantScopedViewSet):
    """Every write to the tenant's objects: who (a user, or "system"), when, what object, the
    action and the changed fields with their old and new values. Newest first."""

    # Narrowed to the caller's tenant by TenantScopedViewSet (the entries' `tenant_id`).
    queryset = AuditLogEntry.objects.select_related("content_type")
    serializer_class = AuditLogEntrySerializer
    permission_resource = "audit"
    owner_field = None
    project_field = None
    http_method_names = ["get", "head", "options"]
    lookup_value_regex = "[0-9]+"
    filterset_class = AuditLogFilter
    search_fields = ["object_repr"]
    ordering_fields = ["timestamp"]
    ordering = ["-timestamp", "-id"]

    def rbac_action(self) -> str:
        # Reading is all there is: a write is refused as a method not allowed (405), once the
        # caller is known to be allowed to read.
        return "read"
