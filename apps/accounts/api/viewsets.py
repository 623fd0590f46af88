"""The one place where API reads are narrowed to the caller's tenant and checked against roles.

Every API viewset derives from `TenantScopedViewSet`: its queryset is the model's rows that reach
the caller's tenant (`Model.tenant_path`), without soft-deleted rows, so another tenant's object
is a 404. `RolePermission` checks (resource, action) against the caller's roles; with only a
`project`-scoped grant a view's rows are those of the caller's projects (`project_field`), and
with only an `own`-scoped grant the caller's own rows (`owner_field`). A row the caller can find
in their tenant but not act on is a 403.
"""

from django.db.models import Q
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
            else rbac.scope_for_any(request.user, view.rbac_resources(), action)
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
        if scope == rbac.TENANT:
            return True
        if scope == rbac.PROJECT:
            if view.project_field is None or view.in_callers_projects(
                getattr(obj, f"{view.project_field}_id")
            ):
                return True
        elif view.owner_field is None:
            return True  # an own-scoped grant on rows that have no owner
        # Own rows: what an own-scoped grant reaches, and a project-scoped one too.
        return (
            view.owner_field is not None
            and getattr(obj, f"{view.owner_field}_id", None) == request.user.pk
        )


class TenantScopedViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    # Only UUIDs route to an object; anything else is a 404 from the URL resolver.
    lookup_value_regex = UUID_PATTERN
    # The resource of the role matrix this view checks; a tuple when any of several grants opens
    # it (the widest scope wins).
    permission_resource: str | tuple[str, ...] = ""
    owner_field: str | None = "created_by"
    # The row's project, for project-scoped grants (None: rows not in a project, which a
    # project-scoped grant covers as a tenant-scoped one would).
    project_field: str | None = None
    # Actions any member of the tenant may perform, whatever their roles.
    open_actions: frozenset[str] = frozenset()
    # Actions that list rows: narrowed to the caller's reach (object actions check each row).
    listing_actions: frozenset[str] = frozenset({"list"})
    extra_actions: dict[str, str] = {}

    def rbac_resources(self) -> str | tuple[str, ...]:
        return self.permission_resource

    def rbac_action(self) -> str | None:
        if self.action in self.open_actions:
            return None
        return self.extra_actions.get(self.action) or ACTIONS.get(self.action, "read")

    @property
    def tenant_id(self):
        """The caller's tenant (views behind IsAuthenticated always have a real user)."""
        return self.request.user.tenant_id

    def in_callers_projects(self, project_id) -> bool:
        return str(project_id) in rbac.member_projects(self.request.user)

    def check_project(self, project) -> None:
        """Before writing a row into `project`: a grant narrower than the tenant must reach it."""
        scope = getattr(self.request, "rbac_scope", rbac.TENANT)
        if scope != rbac.TENANT and not self.in_callers_projects(project.pk):
            self.permission_denied(self.request, message="You are not a member of this project.")

    def get_queryset(self):
        queryset = super().get_queryset().for_tenant(self.tenant_id)
        if hasattr(queryset.model, "deleted_at"):
            queryset = queryset.filter(deleted_at__isnull=True)
        if self.action not in self.listing_actions:
            return queryset
        # A listing shows the rows the caller's widest grant reaches: their projects' rows
        # (project scope), and their own rows (own scope, and always with project scope too).
        scope = getattr(self.request, "rbac_scope", rbac.TENANT)
        if scope == rbac.TENANT:
            return queryset
        reach = Q()
        if scope == rbac.PROJECT:
            if self.project_field is None:
                return queryset
            reach |= Q(**{f"{self.project_field}__in": rbac.member_projects(self.request.user)})
        if self.owner_field is not None:
            reach |= Q(**{self.owner_field: self.request.user})
        return queryset.filter(reach) if reach else queryset
