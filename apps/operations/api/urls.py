"""Routes of the operations API, included under /api/v1/ by dharma/api_urls.py."""

from django.urls import re_path

from apps.accounts.api.viewsets import UUID_PATTERN
from apps.operations.api.views import ExecutionIncidentViewSet

urlpatterns = [
    re_path(
        rf"^deployments/executions/(?P<pk>{UUID_PATTERN})/incident/$",
        ExecutionIncidentViewSet.as_view({"post": "incident"}),
        name="deployment-execution-incident",
    ),
]
