"""Root URLs: health and metrics at the root, the admin, and the API schema."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.operations import views as health_views
from apps.validation import views as validation_views

urlpatterns = [
    path("health", health_views.health, name="health"),
    path("health/live", health_views.health_live, name="health-live"),
    path("health/ready", health_views.health_ready, name="health-ready"),
    path("api/health", health_views.health, name="api-health"),
    path("metrics/validation", validation_views.metrics, name="metrics-validation"),
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("dharma.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
