"""Routes of the IaC API, included under /api/v1/ by dharma/api_urls.py."""

from rest_framework.routers import SimpleRouter

from apps.iac.api.views import GenerationViewSet, ImportViewSet

router = SimpleRouter()
router.register("iac/generations", GenerationViewSet, basename="iac-generation")
router.register("iac/imports", ImportViewSet, basename="iac-import")

urlpatterns = router.urls
