"""Health endpoints, served at the root (plain Django views: they sit on every probe's hot path)."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.operations import health as health_checks


@never_cache
@require_safe
def health(request):
    body, status = health_checks.health_payload()
    return JsonResponse(body, status=status)


@never_cache
@require_safe
def health_live(request):
    return JsonResponse(health_checks.liveness_payload())


@never_cache
@require_safe
def health_ready(request):
    body, status = health_checks.readiness_payload()
    return JsonResponse(body, status=status)
