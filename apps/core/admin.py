"""Admin bases shared by every app.

- `DharmaModelAdmin`: read-only id/timestamps, raw-id widgets for every foreign key that is not
  autocompleted (no dropdown ever loads a whole table), and tenant-scoped listing: a staff user
  who is not a superuser sees only rows that reach their own tenant (`Model.tenant_path`).
  Its "History" page is the object's audit log (django-auditlog's entries, apps/audit): every
  write from the API, the admin, commands and tasks, not only the admin's own edits.
- `AppendOnlyAdmin`: for the append-only tables (history, logs, samples). Rows can be added, and
  viewed, never edited or deleted.
- `DharmaTabularInline` / `DharmaStackedInline`: inlines with the same tenant rules.

Tenant rules for staff who are not superusers (`TenantScopedAdminMixin`, one place for every
model): the fields `is_superuser`, `is_staff`, `groups`, `user_permissions` and `tenant` are never
offered; a new row's `tenant` is the user's own; every foreign key and many-to-many field accepts
only rows of the user's tenant (`tenant_rows`), so a raw id or an autocomplete value naming
another tenant's row is "Select a valid choice" and nothing is written. Platform rows (tenant
NULL) are usable only where the API lets a tenant use them (`SHARED_PLATFORM_ROWS`: system roles,
built-in guardrail policies, public templates, global prices); they are read-only to tenant
staff. Admins of models that belong to no tenant (groups, Celery beat schedules) are for
superusers only (`restrict_platform_admins`).
"""

from typing import Any

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

# Fields through which a user's rights or a row's tenant would be chosen: superusers only.
PLATFORM_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "tenant")

# Models whose platform rows (tenant NULL) a tenant may use as its own (the API lets it): grant a
# system role, derive from a built-in policy, instantiate a public template, price with the global
# catalog. Any other model's platform rows are out of a tenant's reach.
SHARED_PLATFORM_ROWS = frozenset(
    {"accounts.Role", "guardrails.GovernancePolicy", "blueprints.Template", "costing.PriceCatalog"}
)


def tenant_rows(queryset, user):
    """The rows of `queryset` that `user` may list and point at: their tenant's (and shared
    platform rows); everything for a superuser; nothing of a model that has no tenant."""
    if user.is_superuser:
        return queryset
    path = getattr(queryset.model, "tenant_path", None)
    tenant_id = getattr(user, "tenant_id", None)
    if path is None or tenant_id is None:
        return queryset.none()
    reach = Q(**{path: tenant_id})
    if queryset.model._meta.label in SHARED_PLATFORM_ROWS:
        reach |= Q(**{f"{path}__isnull": True})
    return queryset.filter(reach)


def is_platform_row(obj) -> bool:
    """A shared row of no tenant (a system role, a built-in policy...)."""
    model = type(obj)
    if model._meta.label not in SHARED_PLATFORM_ROWS:
        return False
    path = model.tenant_path
    if path == "tenant":
        return obj.tenant_id is None
    return model._base_manager.filter(pk=obj.pk, **{f"{path}__isnull": True}).exists()


def _has_tenant_field(model) -> bool:
    return any(field.name == "tenant" and field.is_relation for field in model._meta.fields)


def _strip_fieldsets(fieldsets, names):
    stripped = []
    for title, options in fieldsets:
        fields = []
        for entry in options.get("fields", ()):
            if isinstance(entry, (list, tuple)):
                line = tuple(name for name in entry if name not in names)
                if line:
                    fields.append(line)
            elif entry not in names:
                fields.append(entry)
        if fields:
            stripped.append((title, {**options, "fields": tuple(fields)}))
    return stripped


def _tenant_bound_form(form_class, tenant_id):
    """The form with its new instance's tenant set to `tenant_id` before validation, and the
    tenant kept in model validation (so a unique (tenant, code) is a form error, not a 500)."""

    class TenantBoundForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance._state.adding:
                self.instance.tenant_id = tenant_id

        def _get_validation_exclusions(self):
            exclusions = super()._get_validation_exclusions()
            exclusions.discard("tenant")
            return exclusions

    TenantBoundForm.__name__ = form_class.__name__
    return TenantBoundForm


class TenantScopedAdminMixin:
    """The tenant rules of every Dharma admin and inline (see the module's docstring)."""

    model: type[models.Model]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = tenant_rows(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = tenant_rows(field.queryset, request.user)
        return field

    def get_exclude(self, request, obj=None):
        exclude = super().get_exclude(request, obj)
        if request.user.is_superuser:
            return exclude
        names = {field.name for field in self.model._meta.get_fields()}
        hidden = [name for name in PLATFORM_FIELDS if name in names]
        return [*(exclude or ()), *(name for name in hidden if name not in (exclude or ()))]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return _strip_fieldsets(fieldsets, PLATFORM_FIELDS)

    def _bind_tenant(self, form_class, request):
        if request.user.is_superuser or not _has_tenant_field(self.model):
            return form_class
        return _tenant_bound_form(form_class, request.user.tenant_id)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and not request.user.is_superuser:
            return not is_platform_row(obj)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and not request.user.is_superuser:
            return not is_platform_row(obj)
        return allowed


class DharmaModelAdmin(TenantScopedAdminMixin, AuditlogHistoryAdminMixin, admin.ModelAdmin):
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
        return tenant_rows(super().get_queryset(request), request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return self._bind_tenant(form, request)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser and _has_tenant_field(self.model):
            obj.tenant_id = request.user.tenant_id
        super().save_model(request, obj, form, change)

    def get_list_filter(self, request):
        """Tenant staff filter by their own rows' related objects only (a plain related filter
        would list every tenant's), never by tenant or platform flags."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        narrowed = []
        for entry in filters:
            if isinstance(entry, str):
                if entry.split("__")[0] in PLATFORM_FIELDS:
                    continue
                field = self._list_filter_field(entry)
                if field is not None and field.is_relation:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
                elif field is not None and "__" in entry and _lists_all_values(field):
                    entry = (entry, OwnRowsValuesListFilter)
            narrowed.append(entry)
        return narrowed

    def _list_filter_field(self, path: str):
        model: Any = self.model
        field = None
        for part in path.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:  # a lookup that is not a field: left as declared
                return None
            model = field.related_model or model
        return field


def _lists_all_values(field) -> bool:
    """Whether Django would list the field's values with `AllValuesFieldListFilter`, which for a
    field across a relation (`role__code`) reads every row of the related table."""
    for test, filter_class in admin.FieldListFilter._field_list_filters:  # type: ignore[attr-defined]
        if test(field):
            return filter_class is admin.AllValuesFieldListFilter
    return False


class OwnRowsValuesListFilter(admin.AllValuesFieldListFilter):
    """The values of a field across a relation that the admin's own (tenant-scoped) rows have,
    instead of every value in the related table, other tenants' included."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .order_by(field_path)
            .values_list(field_path, flat=True)
            .distinct()
        )


class AppendOnlyAdmin(DharmaModelAdmin):
    """Rows of an append-only table are written once and then only read."""

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible through the view permission; nothing is editable.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DharmaInlineMixin(TenantScopedAdminMixin):
    """Tenant rules for inlines: their foreign keys, hidden fields and a new row's tenant."""

    def get_queryset(self, request):
        return tenant_rows(super().get_queryset(request), request.user)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = self._bind_tenant(formset.form, request)
        if form is formset.form:
            return formset
        return type(formset.__name__, (formset,), {"form": form})


class DharmaTabularInline(DharmaInlineMixin, admin.TabularInline):
    pass


class DharmaStackedInline(DharmaInlineMixin, admin.StackedInline):
    pass


class PlatformAdminMixin:
    """An admin of platform-wide rows (no tenant): superusers only, invisible to tenant staff."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def restrict_platform_admins(site: admin.AdminSite) -> None:
    """Re-register every admin of a model without a tenant (`tenant_path`) — Django's groups,
    Celery beat's schedules, any third-party model — as superuser-only. Called once the admins
    of the apps before Dharma's are registered (apps/accounts/admin.py)."""
    for model, model_admin in list(site._registry.items()):
        if hasattr(model, "tenant_path") or isinstance(model_admin, PlatformAdminMixin):
            continue
        cls = type(model_admin)
        restricted = type(cls.__name__, (PlatformAdminMixin, cls), {"__module__": cls.__module__})
        site.unregister(model)
        site.register(model, restricted)
