"""Routes of the guardrails API, included under /api/v1/ by dharma/api_urls.py."""

from rest_framework.routers import SimpleRouter

from apps.guardrails.api.views import (
    EvaluationViewSet,
    FindingViewSet,
    PolicyViewSet,
    WaiverViewSet,
)

router = SimpleRouter()
router.register("guardrails/policies", PolicyViewSet, basename="guardrail-policy")
router.register("guardrails/evaluations", EvaluationViewSet, basename="guardrail-evaluation")
router.register("guardrails/findings", FindingViewSet, basename="guardrail-finding")
router.register("guardrails/waivers", WaiverViewSet, basename="guardrail-waiver")

urlpatterns = router.urls
