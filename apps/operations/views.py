"""Health endpoints, served at the root (plain Django views: they sit on every probe's hot path)."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from apps.operations import health as health_checks
from apps.operations.scrape_auth import may_see_platform_counts

# What django.views.decorators.cache.never_cache sets, without recomputing it on every probe.
NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _probe_response(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = NO_STORE
    return response


@require_safe
def health(request):
    body, status = health_checks.health_payload(include_stats=may_see_platform_counts(request))
    return _probe_response(body, status)


@require_safe
def health_live(request):
    return _probe_response(health_checks.liveness_payload())


@require_safe
def health_ready(request):
    body, status = health_checks.readiness_payload()
    return _probe_response(body, status)
