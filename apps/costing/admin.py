from django.contrib import admin
from django.db import models
from django.db.models import Q

from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.costing.models import (
    BudgetAlert,
    BudgetAllocation,
    BudgetSpending,
    CostEstimate,
    CostOptimizationRecommendation,
    PriceCatalog,
)


@admin.register(BudgetAllocation)
class BudgetAllocationAdmin(DharmaModelAdmin):
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


@admin.register(BudgetSpending)
class BudgetSpendingAdmin(AppendOnlyAdmin):
    list_display = ("allocation", "amount", "spending_date", "description", "recorded_at")
    list_select_related = ("allocation__project",)
    search_fields = ("description",)
    date_hierarchy = "spending_date"


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


@admin.register(CostEstimate)
class CostEstimateAdmin(AppendOnlyAdmin):
    list_display = ("blueprint_version", "project", "monthly_total", "currency", "created_at")
    list_select_related = ("blueprint_version__blueprint", "project")
    list_filter = ("currency",)
    search_fields = ("project__code", "blueprint_version__blueprint__name")
    date_hierarchy = "created_at"
