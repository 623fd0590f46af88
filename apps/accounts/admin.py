from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from apps.accounts.models import (
    Environment,
    Project,
    ProjectMember,
    Role,
    Tenant,
    User,
    UserRole,
)
from apps.core.admin import DharmaModelAdmin


@admin.register(Tenant)
class TenantAdmin(DharmaModelAdmin):
    list_display = ("name", "slug", "status", "data_region", "created_at")
    list_filter = ("status", "data_region")
    search_fields = ("name", "slug")
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ("name",)}


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


@admin.register(Role)
class RoleAdmin(DharmaModelAdmin):
    list_display = ("code", "name", "tenant", "is_system", "updated_at")
    list_filter = ("is_system",)
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description")
    date_hierarchy = "created_at"
    autocomplete_fields = ("tenant",)


@admin.register(UserRole)
class UserRoleAdmin(DharmaModelAdmin):
    list_display = ("user", "role", "granted_by", "granted_at", "expires_at")
    list_filter = ("role__code",)
    list_select_related = ("user", "role", "granted_by")
    search_fields = ("user__email", "role__code")
    date_hierarchy = "granted_at"
    autocomplete_fields = ("user", "role", "granted_by")


@admin.register(Project)
class ProjectAdmin(DharmaModelAdmin):
    list_display = ("code", "name", "tenant", "status", "scope", "primary_provider", "created_at")
    list_filter = ("status", "scope", "primary_provider")
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description")
    date_hierarchy = "created_at"
    autocomplete_fields = ("tenant", "owner")


@admin.register(ProjectMember)
class ProjectMemberAdmin(DharmaModelAdmin):
    list_display = ("user", "project", "added_by", "created_at")
    list_select_related = ("user", "project", "added_by")
    search_fields = ("user__email", "project__code", "project__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("user", "project", "added_by")


@admin.register(Environment)
class EnvironmentAdmin(DharmaModelAdmin):
    list_display = ("name", "project", "type", "created_at")
    list_filter = ("type",)
    list_select_related = ("project",)
    search_fields = ("name", "project__code", "project__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)
