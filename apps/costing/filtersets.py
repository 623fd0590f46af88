"""Query filters of the costing API (invalid values are 400s, not empty pages)."""

import django_filters

from apps.core.api.filters import TenantSafeFilterSet
from apps.core.models import AlertSeverity
from apps.costing.choices import RecommendationStatus, RecommendationType
from apps.costing.models import BudgetAlert, CostEstimate, CostOptimizationRecommendation


class CostEstimateFilter(TenantSafeFilterSet):
    blueprint = django_filters.UUIDFilter(field_name="blueprint_version__blueprint")
    blueprint_version = django_filters.UUIDFilter(field_name="blueprint_version")
    project = django_filters.UUIDFilter(field_name="project")

    class Meta:
        model = CostEstimate
        fields = ["blueprint", "blueprint_version", "project"]


class BudgetAlertFilter(TenantSafeFilterSet):
    severity = django_filters.ChoiceFilter(choices=AlertSeverity.choices)
    project = django_filters.UUIDFilter(field_name="project")

    class Meta:
        model = BudgetAlert
        fields = ["severity", "project", "acknowledged", "resolved"]


class CostRecommendationFilter(TenantSafeFilterSet):
    status = django_filters.ChoiceFilter(choices=RecommendationStatus.choices)
    type = django_filters.ChoiceFilter(
        field_name="recommendation_type", choices=RecommendationType.choices
    )
    project = django_filters.UUIDFilter(field_name="project")

    class Meta:
        model = CostOptimizationRecommendation
        fields = ["status", "type", "project"]
