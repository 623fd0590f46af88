"""Root URLs: health and metrics at the root, the admin, and the API schema.

The metrics endpoints ask for DHARMA_METRICS_TOKEN when it is set (apps/operations/scrape_auth.py).
"""

from django.contrib import admin
from django.urls import include, path, re_path
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.api import error_views
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
    # Last: a path under /api/ that no route matches is a JSON 404 (also with DEBUG on).
    re_path(r"^api/(?P<path>.*)$", error_views.api_not_found, name="api-not-found"),
]

# Errors Django answers itself: JSON in the error shape under /api/, HTML elsewhere.
handler400 = error_views.bad_request
handler403 = error_views.permission_denied
handler404 = error_views.page_not_found
handler500 = error_views.server_error
