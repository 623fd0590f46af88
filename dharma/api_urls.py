"""The REST API, version 1: one router, plural kebab-case routes."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from apps.accounts.api.auth import TokenObtainView, TokenRefresh
from apps.accounts.api.views import EnvironmentViewSet, ProjectMemberViewSet, ProjectViewSet
from apps.accounts.api.viewsets import UUID_PATTERN
from apps.blueprints.api.views import BlueprintViewSet, TemplateViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("blueprints", BlueprintViewSet, basename="blueprint")
router.register("templates", TemplateViewSet, basename="template")

nested = SimpleRouter()
nested.register(
    rf"projects/(?P<project_pk>{UUID_PATTERN})/environments",
    EnvironmentViewSet,
    basename="environment",
)
nested.register(
    rf"projects/(?P<project_pk>{UUID_PATTERN})/members",
    ProjectMemberViewSet,
    basename="project-member",
)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefresh.as_view(), name="token-refresh"),
    path("", include(nested.urls)),
    path("", include("apps.guardrails.api.urls")),
    path("", include("apps.costing.api.urls")),
    path("", include("apps.iac.api.urls")),
    path("", include("apps.deployments.api.urls")),
    path("", include("apps.operations.api.urls")),
    path("", include("apps.audit.api.urls")),
    path("", include(router.urls)),
]
