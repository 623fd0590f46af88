"""Costing in the admin. Budgets are written through `budget_allocation_create/update` with the
`budget` rights of the API (PM, Admin in their projects), and are never deleted (as in the API);
alerts are acknowledged and recommendations moved along their statuses by actions calling the
services. Estimates are computed: "Add" prices a blueprint version through
`cost_estimate_create`; nothing about an estimate is typed by hand."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.accounts import rbac
from apps.blueprints.selectors import blueprint_version_for_admin
from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.core.admin_actions import (
    NOT_ALLOWED,
    ServiceFormAdmin,
    action_form,
    changed_fields,
    domain_error_to_form,
    each,
)
from apps.core.exceptions import DomainError
from apps.costing import services
from apps.costing.choices import RecommendationStatus
from apps.costing.models import (
    BudgetAlert,
    BudgetAllocation,
    BudgetSpending,
    CostEstimate,
    CostOptimizationRecommendation,
    PriceCatalog,
)


def _may(request, resource: str, action: str, project) -> bool:
    user = request.user
    if not user.is_superuser and project.tenant_id != user.tenant_id:
        return False
    return rbac.allows(user, resource, action, project_id=project.pk)


@admin.register(BudgetAllocation)
class BudgetAllocationAdmin(ServiceFormAdmin, DharmaModelAdmin):
    list_display = (
        "project",
        "fiscal_year",
        "category",
        "amount",
        "currency",
        "status",
        "effective_date",
    )
    list_filter = ("status", "category", "fiscal_year", "currency")
    list_select_related = ("project",)
    search_fields = ("project__code", "project__name", "description")
    date_hierarchy = "effective_date"
    autocomplete_fields = ("project",)
    fields = ("project", "fiscal_year", "category", "amount", "currency", "description",
              "effective_date", "expiry_date", "status", "metadata")  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        own = ("allocated_by", "allocated_at")
        return (*own, "project") if obj is not None else own

    def get_fields(self, request, obj=None):
        return [*self.fields, "allocated_by", "allocated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # budgets are not deleted (as in the API): set their status

    def service_save(self, request, form, change):
        fields = changed_fields(form, change)
        if change:
            allocation = form.instance
            if not _may(request, "budget", "update", allocation.project):
                raise DomainError(f"Budgets: {NOT_ALLOWED}")
            fields.pop("project", None)
            return services.budget_allocation_update(allocation=allocation, **fields)
        project = fields.pop("project")
        if not _may(request, "budget", "create", project):
            raise DomainError(f"Budgets: {NOT_ALLOWED}", fields={"project": [NOT_ALLOWED]})
        return services.budget_allocation_create(user=request.user, project=project, **fields)


@admin.register(BudgetSpending)
class BudgetSpendingAdmin(AppendOnlyAdmin):
    list_display = ("allocation", "amount", "spending_date", "description", "recorded_at")
    list_select_related = ("allocation__project",)
    search_fields = ("description",)
    date_hierarchy = "spending_date"

    def has_add_permission(self, request):
        # Recorded through budget_spending_record (POST /api/v1/budgets/{id}/spending/), which
        # refuses inactive allocations and raises the alerts.
        return False


@admin.register(BudgetAlert)
class BudgetAlertAdmin(DharmaModelAdmin):
    list_display = (
        "project",
        "severity",
        "message",
        "current_spend",
        "threshold",
        "acknowledged",
        "resolved",
    )
    list_filter = ("severity", "acknowledged", "resolved")
    list_select_related = ("project",)
    search_fields = ("message", "project__code")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)
    actions = ["acknowledge"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False  # raised by spending and estimates

    def has_change_permission(self, request, obj=None):
        return False  # acknowledged through the action

    @admin.action(description="Acknowledge", permissions=["view"])
    def acknowledge(self, request, queryset):
        each(
            self, request, queryset.select_related("project"),
            may=lambda alert: _may(request, "budget", "update", alert.project),
            change=lambda alert: services.budget_alert_acknowledge(
                user=request.user, alert=alert
            ),
            done="alert(s) acknowledged",
        )  # fmt: skip


class DismissForm(forms.Form):
    dismissal_reason = forms.CharField(
        label="reason", max_length=2000, widget=forms.Textarea({"rows": 3})
    )


@admin.register(CostOptimizationRecommendation)
class CostOptimizationRecommendationAdmin(DharmaModelAdmin):
    list_display = (
        "recommendation_type",
        "project",
        "resource_type",
        "resource_id",
        "potential_savings",
        "priority",
        "status",
    )
    list_filter = ("recommendation_type", "priority", "status")
    list_select_related = ("project",)
    search_fields = ("resource_id", "resource_type", "recommendation_details")
    date_hierarchy = "created_at"
    autocomplete_fields = ("project",)
    actions = ["start", "implement", "dismiss", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False  # generated from catalog prices (POST /api/v1/cost-recommendations/)

    def has_change_permission(self, request, obj=None):
        return False  # statuses change through the actions

    def _move(self, request, queryset, status: str, reason: str = "") -> None:
        each(
            self, request, queryset.select_related("project"),
            may=lambda row: _may(request, "cost-optimization", "update", row.project),
            change=lambda row: services.cost_recommendation_set_status(
                user=request.user, recommendation=row, status=status, dismissal_reason=reason
            ),
            done=f"recommendation(s) {status}",
        )  # fmt: skip

    @admin.action(description="Mark in progress", permissions=["view"])
    def start(self, request, queryset):
        self._move(request, queryset, RecommendationStatus.IN_PROGRESS)

    @admin.action(description="Mark implemented", permissions=["view"])
    def implement(self, request, queryset):
        self._move(request, queryset, RecommendationStatus.IMPLEMENTED)

    @admin.action(description="Dismiss (reason)", permissions=["view"])
    def dismiss(self, request, queryset):
        return action_form(
            self, request, queryset, form_class=DismissForm, title="Dismiss recommendations",
            submit="Dismiss",
            apply=lambda data: self._move(
                request, queryset, RecommendationStatus.DISMISSED, data["dismissal_reason"]
            ),
        )  # fmt: skip

    @admin.action(description="Reopen", permissions=["view"])
    def reopen(self, request, queryset):
        self._move(request, queryset, RecommendationStatus.OPEN)


@admin.register(PriceCatalog)
class PriceCatalogAdmin(DharmaModelAdmin):
    """Public list prices (no tenant) and tenants' negotiated prices. Staff who are not
    superusers see the public rows and their own tenant's. Bulk changes go through
    `manage.py load_prices FILE [--tenant SLUG]`."""

    list_display = (
        "tenant",
        "provider",
        "region",
        "resource_type",
        "sku",
        "pricing_model",
        "price",
        "unit",
        "currency",
        "effective_date",
    )
    list_filter = ("provider", "pricing_model", "unit", "resource_type", "region", "currency")
    list_select_related = ("tenant",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ("sku", "resource_type", "region")
    date_hierarchy = "effective_date"

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            Q(tenant__isnull=True) | Q(tenant_id=getattr(request.user, "tenant_id", None))
        )


class EstimateForm(forms.Form):
    blueprint_version = forms.UUIDField(help_text="The id of the blueprint version to price.")
    include_support = forms.BooleanField(required=False)
    include_network_egress = forms.BooleanField(required=False)
    include_backup = forms.BooleanField(required=False)


@admin.register(CostEstimate)
class CostEstimateAdmin(AppendOnlyAdmin):
    """Estimates are computed from catalog prices: "Add" prices a blueprint version through the
    service the API uses (the `costing` read right in its project, as the API asks); totals
    and lines are never typed."""

    list_display = ("blueprint_version", "project", "monthly_total", "currency", "created_at")
    list_select_related = ("blueprint_version__blueprint", "project")
    list_filter = ("currency",)
    search_fields = ("project__code", "blueprint_version__blueprint__name")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EstimateForm(
            request.POST or None,
            initial={"blueprint_version": request.GET.get("blueprint_version", "")},
        )
        if request.method == "POST" and form.is_valid():
            try:
                estimate = self._estimate(request, form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                self.message_user(
                    request,
                    f"Estimated: {estimate.monthly_total} {estimate.currency} a month.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:costing_costestimate_change", args=[estimate.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Estimate a blueprint version",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/costing/costestimate/add.html", context)

    def _estimate(self, request, data) -> CostEstimate:
        version = blueprint_version_for_admin(user=request.user, pk=data["blueprint_version"])
        if not _may(request, "costing", "read", version.blueprint.project):
            raise DomainError(f"Estimates: {NOT_ALLOWED}")
        options = {name: data[name] for name in
                   ("include_support", "include_network_egress", "include_backup")}  # fmt: skip
        return services.cost_estimate_create(user=request.user, version=version, options=options)


# --- "Estimate" on blueprint versions ----------------------------------------------------------
# Costing comes after blueprints in the apps' order, so the action is added to the blueprint
# versions' admin from here (blueprints never import costing).


@admin.action(description="Estimate cost", permissions=["view"])
def estimate_versions(model_admin, request, queryset):
    estimates = CostEstimateAdmin(CostEstimate, model_admin.admin_site)
    options = {"include_support": False, "include_network_egress": False,
               "include_backup": False}  # fmt: skip
    each(
        model_admin, request, queryset,
        may=lambda version: True,  # checked with the version's project in _estimate
        change=lambda version: estimates._estimate(
            request, {"blueprint_version": version.pk, **options}
        ),
        done="version(s) estimated (see Cost estimates)",
    )  # fmt: skip


def _add_version_action() -> None:
    from apps.blueprints.admin import BlueprintVersionAdmin

    if estimate_versions not in BlueprintVersionAdmin.actions:
        BlueprintVersionAdmin.actions = [*BlueprintVersionAdmin.actions, estimate_versions]


_add_version_action()
