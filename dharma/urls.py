"""Root URLs: health and metrics at the root, the admin, and the API schema.

The metrics endpoints ask for DHARMA_METRICS_TOKEN when it is set (apps/operations/scrape_auth.py).
"""

from django.contrib import admin
from django.urls import include, path
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.operations import views as health_views
from apps.operations.scrape_auth import metrics_token_required
from apps.validation import views as validation_views

urlpatterns = [
    path("health", health_views.health, name="health"),
    path("health/live", health_views.health_live, name="health-live"),
    path("health/ready", health_views.health_ready, name="health-ready"),
    path("api/health", health_views.health, name="api-health"),
    path(
        "metrics/validation",
        metrics_token_required(validation_views.metrics),
        name="metrics-validation",
    ),
    path(
        "metrics",
        metrics_token_required(ExportToDjangoView),
        name="prometheus-django-metrics",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("dharma.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
