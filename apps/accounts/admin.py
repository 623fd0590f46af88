"""Tenants, users, roles and role grants in the admin.

Tenants are the platform's: superusers add, change and delete them; a tenant's staff at most view
their own. A tenant's staff manage their tenant's users (never a superuser, nor a user holding
rights they do not hold), and role grants and roles go through `services.user_role_grant`,
`user_role_revoke` and `role_permissions_check`: only the tenant's administrators grant, only
roles whose rights they hold, never to themselves.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied

from apps.accounts import rbac, services
from apps.accounts.models import (
    Environment,
    Project,
    ProjectMember,
    Role,
    Tenant,
    User,
    UserRole,
)
from apps.core.admin import DharmaModelAdmin, restrict_platform_admins
from apps.core.admin_actions import (
    NOT_ALLOWED,
    ServiceFormAdmin,
    SoftDeleteAdmin,
    changed_fields,
)
from apps.core.exceptions import DomainError


def _form_with_check(form_class, check):
    """`form_class` whose clean() also runs `check(form)`; its domain refusal is a form error
    (added to the form, so a field the admin does not show still reports it)."""

    class CheckedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            if not self.errors:
                try:
                    check(self)
                except DomainError as exc:
                    for name, errors in (exc.fields or {None: [exc.message]}).items():
                        field = name if name in self.fields else None
                        for message in errors:
                            self.add_error(field, message)
            return cleaned

    CheckedForm.__name__ = form_class.__name__
    return CheckedForm


@admin.register(Tenant)
class TenantAdmin(DharmaModelAdmin):
    """The platform's tenants: a tenant's staff may at most view their own."""

    list_display = ("name", "slug", "status", "data_region", "created_at")
    list_filter = ("status", "data_region")
    search_fields = ("name", "slug")
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ("name",)}

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("tenant", "email")


class UserChangeFormForTenant(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DharmaModelAdmin, DjangoUserAdmin):
    form = UserChangeFormForTenant
    add_form = UserCreationForm
    list_display = (
        "email",
        "tenant",
        "first_name",
        "last_name",
        "status",
        "is_staff",
        "last_login",
    )
    list_filter = ("status", "auth_provider", "is_staff", "is_superuser", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("email", "first_name", "last_name", "external_id")
    ordering = ("email",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("tenant",)
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("tenant", "email", "password")}),
        (
            "Profile",
            {"fields": ("first_name", "last_name", "status", "auth_provider", "external_id")},
        ),
        (
            "Admin access",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at", "deleted_at")}),
        ("Preferences", {"classes": ("collapse",), "fields": ("preferences",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("tenant", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login",)

    def _may_manage(self, request, obj) -> bool:
        """A tenant's staff manage themselves and users holding no right beyond their own;
        never a superuser (whose rights are the platform's)."""
        user = request.user
        if user.is_superuser or obj is None or obj.pk == user.pk:
            return True
        if obj.is_superuser:
            return False
        held = [
            f"{resource}:{action}:{scope}"
            for (resource, action), rank in rbac.user_grants(obj).items()
            for scope, scope_rank in rbac.SCOPE_RANK.items()
            if scope_rank == rank
        ]
        return not services.grants_beyond(user=user, permissions=held)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)


@admin.register(Role)
class RoleAdmin(DharmaModelAdmin):
    """A tenant's staff see the system roles and their tenant's; the tenant's administrators
    define their tenant's roles, with no right they do not hold themselves."""

    list_display = ("code", "name", "tenant", "is_system", "updated_at")
    list_filter = ("is_system",)
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description")
    date_hierarchy = "created_at"
    autocomplete_fields = ("tenant",)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "is_system")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        def check(form):
            if "permissions" in form.cleaned_data:
                services.role_permissions_check(
                    role=form.instance,
                    permissions=form.cleaned_data["permissions"],
                    user=request.user,
                )

        return _form_with_check(form, check)

    def _administers(self, request) -> bool:
        return services.may_administer_roles(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._administers(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._administers(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._administers(request)


@admin.register(UserRole)
class UserRoleAdmin(DharmaModelAdmin):
    """Role grants, through `services.user_role_grant` / `user_role_revoke`: `granted_by` is
    the acting user; a grant's user and role are chosen when it is made, then only its expiry
    changes."""

    list_display = ("user", "role", "granted_by", "granted_at", "expires_at")
    list_filter = ("role__code",)
    list_select_related = ("user", "role", "granted_by")
    search_fields = ("user__email", "role__code")
    date_hierarchy = "granted_at"
    autocomplete_fields = ("user", "role")
    fields = ("user", "role", "expires_at", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, "user", "role")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        def check(form):
            user = form.cleaned_data.get("user", form.instance.user if obj else None)
            role = form.cleaned_data.get("role", form.instance.role if obj else None)
            if user is not None and role is not None:
                services.role_grant_check(user=user, role=role, granted_by=request.user)

        return _form_with_check(form, check)

    def save_model(self, request, obj, form, change):
        saved = services.user_role_grant(
            user=obj.user, role=obj.role, granted_by=request.user, expires_at=obj.expires_at
        )
        obj.pk, obj.granted_by, obj.granted_at = saved.pk, saved.granted_by, saved.granted_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.user_role_revoke(user_role=obj, revoked_by=request.user)

    def delete_queryset(self, request, queryset):
        for user_role in queryset.select_related("user", "role"):
            try:
                services.user_role_revoke(user_role=user_role, revoked_by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{user_role}: {exc.message}", level=messages.ERROR)

    def _may_grant(self, request, obj) -> bool:
        if obj is None:
            return services.may_administer_roles(request.user)
        try:
            services.role_grant_check(user=obj.user, role=obj.role, granted_by=request.user)
        except DomainError:
            return False
        return True

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_grant(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_grant(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_grant(request, obj)


def _may_project(request, action: str, project=None) -> bool:
    """Whether the acting user may take `action` on `project` (on the tenant's projects when
    None), as the API's projects, environments and members endpoints decide."""
    user = request.user
    if user.is_superuser:
        return True
    if project is not None and project.tenant_id != user.tenant_id:
        return False
    return rbac.allows(user, "project", action, project_id=project.pk if project else rbac.ANY)


@admin.register(Project)
class ProjectAdmin(SoftDeleteAdmin, ServiceFormAdmin, DharmaModelAdmin):
    """Projects through `services.project_create` / `project_update` / `project_delete` (a soft
    delete, as the API's). The creator becomes the owner and first member; a superuser creating
    one for a tenant names its owner, whose tenant the project joins."""

    list_display = ("code", "name", "tenant", "status", "scope", "primary_provider", "created_at")
    list_filter = ("status", "scope", "primary_provider")
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description")
    date_hierarchy = "created_at"
    autocomplete_fields = ("owner",)
    fields = ("code", "name", "description", "status", "scope", "primary_provider", "owner")

    def get_fields(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return [name for name in self.fields if name != "owner"]
        return self.fields if obj is None else ("tenant", *self.fields, "deleted_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("tenant", "owner", "deleted_at")

    def service_save(self, request, form, change):
        fields = changed_fields(form, change)
        if change:
            if not _may_project(request, "update", form.instance):
                raise DomainError(f"Projects: {NOT_ALLOWED}")
            return services.project_update(project=form.instance, **fields)
        creator = fields.pop("owner", None) or request.user
        if creator.tenant_id is None:
            raise DomainError(
                "A project belongs to its owner's tenant: choose an owner.",
                fields={"owner": ["Required for a project of a tenant."]},
            )
        if not _may_project(request, "create"):
            raise DomainError(f"Projects: {NOT_ALLOWED}")
        return services.project_create(user=creator, **fields)

    def delete_model(self, request, obj):
        if not _may_project(request, "delete", obj):
            raise PermissionDenied
        services.project_delete(project=obj)

    def delete_queryset(self, request, queryset):
        for project in queryset:
            self.delete_model(request, project)


@admin.register(ProjectMember)
class ProjectMemberAdmin(ServiceFormAdmin, DharmaModelAdmin):
    """Members through `services.project_member_add` / `project_member_remove`: a member is
    added (by the acting user) or removed, never edited."""

    list_display = ("user", "project", "added_by", "created_at")
    list_select_related = ("user", "project", "added_by")
    search_fields = ("user__email", "project__code", "project__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("user", "project")
    fields = ("project", "user")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else (*self.fields, "added_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("project", "user", "added_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def service_save(self, request, form, change):
        project = form.cleaned_data["project"]
        if not _may_project(request, "create", project):
            raise DomainError(f"Members of this project: {NOT_ALLOWED}")
        return services.project_member_add(
            project=project, user_id=form.cleaned_data["user"].pk, added_by=request.user
        )

    def delete_model(self, request, obj):
        if not _may_project(request, "delete", obj.project):
            raise PermissionDenied
        services.project_member_remove(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset.select_related("project"):
            self.delete_model(request, member)


@admin.register(Environment)
class EnvironmentAdmin(SoftDeleteAdmin, ServiceFormAdmin, DharmaModelAdmin):
    """Environments through `services.environment_create` / `environment_update` /
    `environment_delete` (soft)."""

    list_display = ("name", "project", "type", "created_at")
    list_filter = ("type",)
    list_select_related = ("project",)
    search_fields = ("name", "project__code", "project__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)
    fields = ("project", "name", "type", "description")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else (*self.fields, "deleted_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("project", "deleted_at")

    def service_save(self, request, form, change):
        fields = changed_fields(form, change)
        if change:
            if not _may_project(request, "update", form.instance.project):
                raise DomainError(f"Environments of this project: {NOT_ALLOWED}")
            return services.environment_update(environment=form.instance, **fields)
        project = fields.pop("project")
        if not _may_project(request, "create", project):
            raise DomainError(
                f"Environments of this project: {NOT_ALLOWED}", fields={"project": [NOT_ALLOWED]}
            )
        return services.environment_create(project=project, **fields)

    def delete_model(self, request, obj):
        if not _may_project(request, "delete", obj.project):
            raise PermissionDenied
        services.environment_delete(environment=obj)

    def delete_queryset(self, request, queryset):
        for environment in queryset.select_related("project"):
            self.delete_model(request, environment)


# Django's groups and Celery beat's schedules belong to no tenant: superusers only. (Their admins
# are registered by the apps listed before Dharma's in INSTALLED_APPS, so they exist by now.)
restrict_platform_admins(admin.site)
