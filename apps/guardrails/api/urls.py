"""Routes of the guardrails API, included under /api/v1/ by dharma/api_urls.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
