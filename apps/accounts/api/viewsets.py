"""The one place where API reads are narrowed to the caller's tenant and checked against roles.

Every API viewset derives from `TenantScopedViewSet`: its queryset is the model's rows that reach
the caller's tenant (`Model.tenant_path`), without soft-deleted rows, so another tenant's object
is a 404. `RolePermission` checks (resource, action) against the caller's roles; with only an
`own`-scoped grant the queryset is further narrowed to the caller's own rows.
"""

from rest_framework import permissions, viewsets

from apps.accounts import rbac

UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

ACTIONS = {
    "list": "read",
    "retrieve": "read",
    "create": "create",
    "update": "update",
    "partial_update": "update",
    "destroy": "delete",
}


class RolePermission(permissions.BasePermission):
    """Collection actions are checked up front; object actions only once the object is found
    in the caller's tenant, so another tenant's object is a 404 and never a 403."""

    message = "Your roles do not allow this action."

    def _scope(self, request, view) -> int | None:
        action = view.rbac_action()
        scope = (
            rbac.TENANT
            if action is None
            else rbac.scope_for(request.user, view.permission_resource, action)
        )
        request.rbac_scope = scope
        return scope

    def has_permission(self, request, view) -> bool:
        if (view.lookup_url_kwarg or view.lookup_field) in view.kwargs:
            return True  # decided in has_object_permission, after the tenant-scoped lookup
        return self._scope(request, view) is not None

    def has_object_permission(self, request, view, obj) -> bool:
        scope = self._scope(request, view)
        if scope is None:
            return False
        if scope > rbac.OWN or view.owner_field is None:
            return True
        return getattr(obj, f"{view.owner_field}_id", None) == request.user.pk


class TenantScopedViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    # Only UUIDs route to an object; anything else is a 404 from the URL resolver.
    lookup_value_regex = UUID_PATTERN
    permission_resource: str = ""
    owner_field: str | None = "created_by"
    # Actions any member of the tenant may perform, whatever their roles.
    open_actions: frozenset[str] = frozenset()
    extra_actions: dict[str, str] = {}

    def rbac_action(self) -> str | None:
        if self.action in self.open_actions:
            return None
        return self.extra_actions.get(self.action) or ACTIONS.get(self.action, "read")

    @property
    def tenant_id(self):
        """The caller's tenant (views behind IsAuthenticated always have a real user)."""
        return self.request.user.tenant_id

    def get_queryset(self):
        queryset = super().get_queryset().for_tenant(self.tenant_id)
        if hasattr(queryset.model, "deleted_at"):
            queryset = queryset.filter(deleted_at__isnull=True)
        # A listing with only an own-scoped grant shows the caller's own rows.
        scope = getattr(self.request, "rbac_scope", rbac.TENANT)
        if self.action == "list" and scope == rbac.OWN and self.owner_field is not None:
            queryset = queryset.filter(**{self.owner_field: self.request.user})
        return queryset
