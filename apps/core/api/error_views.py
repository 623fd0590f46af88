"""The errors Django answers before (or instead of) an API view, in the API's error shape for
paths under /api/ and as Django's HTML pages elsewhere (the admin):

- `api_not_found`: the last route under /api/, so a path no API route matches (an unknown
  resource, a malformed id) is a JSON 404 whether or not DEBUG is on;
- `bad_request`, `permission_denied`, `page_not_found`, `server_error`: `handler400/403/404/500`
  of dharma/urls.py; `server_error` answers 503 with Retry-After, logged in one line, when the
  exception being handled is the database being unreachable (apps/core/database_outage.py),
  raised in a view or in middleware;
- `csrf_failure`: CSRF_FAILURE_VIEW (DRF's own views check CSRF themselves and answer 403 in the
  error shape; this covers the plain Django views under /api/).
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

from apps.core import database_outage
from apps.core.api.errors import error_body


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def _routed(path: str) -> bool:
    """Whether an API route (not this catch-all) answers `path`."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not api_not_found


@csrf_exempt  # a write to a path that does not exist is a 404, not a CSRF failure
def api_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """No API route matches. With APPEND_SLASH, a read of a route's path without its trailing
    slash is redirected (as Django's CommonMiddleware would); a write is told the path."""
    with_slash = f"{request.path_info}/"
    if settings.APPEND_SLASH and not request.path_info.endswith("/") and _routed(with_slash):
        if request.method in {"GET", "HEAD"}:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{with_slash}?{query}" if query else with_slash)
        return _error(404, "not_found", f"Not found. API paths end with a slash: {with_slash}")
    return _error(404, "not_found", "Not found.")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _error(413, "request_too_large", "The request body is too large.")
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _error(400, "malformed_request", str(exception))
    return _error(400, "malformed_request", "The request is malformed.")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return _error(403, "permission_denied", "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return _error(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls handler500 inside its `except` block: the exception is the one being handled.
    outage = database_outage.unavailability(sys.exc_info()[1])
    if outage is not None:
        database_outage.log_once(request, outage)
        if not is_api(request):
            return database_outage.html_response()
        response = _error(503, database_outage.CODE, database_outage.MESSAGE)
        response["Retry-After"] = database_outage.retry_after()
        return database_outage.mark_logged(response)
    if not is_api(request):
        return defaults.server_error(request)
    return _error(500, "server_error", "The server could not answer; the error was logged.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not is_api(request):
        return csrf.csrf_failure(request, reason)
    return _error(403, "csrf_failed", f"CSRF verification failed: {reason}")
