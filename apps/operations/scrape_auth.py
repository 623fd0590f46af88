"""Who may read the platform-wide figures: `/metrics`, `/metrics/validation` and `/health`'s
guardrail-finding counts (which add up every tenant's findings).

With DHARMA_METRICS_TOKEN set, the metrics endpoints answer only requests carrying
`Authorization: Bearer <token>` (401 without it, 403 with another); Prometheus sends it from a
credentials file (docker/prometheus/). Unset, the metrics endpoints are open, as behind a proxy
that keeps them internal. `/health` always answers its status and checks; the counts are added
only for a request with the token or for a logged-in superuser.
"""

import functools
import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from apps.core.api.errors import error_body

REALM = 'Bearer realm="metrics"'


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def has_metrics_token(request: HttpRequest) -> bool:
    """True when DHARMA_METRICS_TOKEN is set and the request carries it (constant-time)."""
    expected = settings.DHARMA_METRICS_TOKEN
    given = bearer_token(request)
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def may_see_platform_counts(request: HttpRequest) -> bool:
    """The token, or a superuser's session. Anonymous callers cost no query: without a session
    cookie Django does not load a user."""
    if has_metrics_token(request):
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(request.user.is_superuser)


def metrics_token_required(view):
    """Guard a metrics view with DHARMA_METRICS_TOKEN (read per request); unset → open."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if settings.DHARMA_METRICS_TOKEN and not has_metrics_token(request):
            if bearer_token(request) is None:
                response = JsonResponse(
                    error_body(
                        "not_authenticated",
                        "Metrics need the metrics token: send 'Authorization: Bearer <token>'.",
                    ),
                    status=401,
                )
                response["WWW-Authenticate"] = REALM
                return response
            return JsonResponse(
                error_body("permission_denied", "The metrics token is wrong."), status=403
            )
        return view(request, *args, **kwargs)

    return guarded
