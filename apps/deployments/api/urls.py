"""Routes of the deployments API, included under /api/v1/ by dharma/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.deployments.api.views import ApprovalViewSet, ExecutionViewSet, LogViewSet

router = SimpleRouter()
router.register("deployments/approvals", ApprovalViewSet, basename="deployment-approval")
router.register("deployments/executions", ExecutionViewSet, basename="deployment-execution")

urlpatterns = [
    # Logs are listed (filtered by execution, step, level), not addressed one by one.
    path(
        "deployments/logs/",
        LogViewSet.as_view({"get": "list"}),
        name="deployment-log-list",
    ),
    *router.urls,
]
