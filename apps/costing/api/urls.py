"""Routes of the costing API, included under /api/v1/ by dharma/api_urls.py."""

from rest_framework.routers import SimpleRouter

from apps.costing.api.views import (
    BudgetAlertViewSet,
    BudgetAllocationViewSet,
    CostEstimateViewSet,
    CostRecommendationViewSet,
)

router = SimpleRouter()
router.register("cost-estimates", CostEstimateViewSet, basename="cost-estimate")
router.register("budgets", BudgetAllocationViewSet, basename="budget")
router.register("budget-alerts", BudgetAlertViewSet, basename="budget-alert")
router.register("cost-recommendations", CostRecommendationViewSet, basename="cost-recommendation")

urlpatterns = router.urls
