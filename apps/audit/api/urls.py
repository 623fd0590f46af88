"""Routes of the audit log API, included under /api/v1/ by dharma/api_urls.py."""

from rest_framework.routers import SimpleRouter

from apps.audit.api.views import AuditLogViewSet

router = SimpleRouter()
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = router.urls
