from django.contrib import admin

from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.costing.models import (
    BudgetAlert,
    BudgetAllocation,
    BudgetSpending,
    CostOptimizationRecommendation,
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
