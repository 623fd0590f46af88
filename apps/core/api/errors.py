"""One error shape for every API failure.

    {"error": {"code": "validation_error", "message": "…", "fields": {"name": ["…"]},
               "details": {…}}}      # details: only where an error carries more (e.g. a graph's
                                     # full validation result)

Codes are stable and lowercase; `fields` maps an input path to its messages (empty when the error
concerns the whole request). Nothing a client sends produces a 500: unexpected exceptions are
left to Django (logged, 500), but every refusal a client can cause has a 4xx here. A database
that cannot be reached is a 503 `service_unavailable` with Retry-After
(apps/core/database_outage.py).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core import database_outage
from apps.core.api.parsers import RequestTooLarge
from apps.core.exceptions import DomainError

CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"components[3].region": ["…"]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):  # a list serializer's errors, by item index
                path = f"{prefix}[{key}]"
            elif key in {"non_field_errors", api_settings.NON_FIELD_ERRORS_KEY} and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, path))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            if item:
                out.update(_flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def error_body(code: str, message: str, fields: dict | None = None, details=None) -> dict:
    body = {"code": code, "message": message, "fields": fields or {}}
    if details is not None:
        body["details"] = details
    return {"error": body}


def service_unavailable_response(request, exc: BaseException) -> Response:
    """The database could not be reached: 503, Retry-After, one log line."""
    database_outage.log_once(request, exc)
    response = Response(
        error_body(database_outage.CODE, database_outage.MESSAGE),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": database_outage.retry_after()},
    )
    return database_outage.mark_logged(response)


def exception_handler(exc, context):
    outage = database_outage.unavailability(exc)
    if outage is not None and context.get("request") is not None:
        return service_unavailable_response(context["request"], outage)
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, exc.fields, exc.details), status=exc.status_code
        )
    if isinstance(exc, DataError):
        # A value the database cannot hold (a number out of its column's range, …): the
        # serializers bound what they know; this answers for anything they let through.
        return Response(
            error_body("invalid_value", "A value is out of the range the database can store."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):  # Django's limit on form fields
        exc = RequestTooLarge(
            f"The form fields are larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), None)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "The request has invalid fields."
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
    else:
        fields = {}
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        specific_code = getattr(detail, "code", None)
        if isinstance(detail, dict) and "detail" in detail:
            # simplejwt's errors: {"detail": "…", "code": "…", "messages": [{…}]} → the sentence.
            specific_code = detail.get("code") or specific_code
            detail = detail["detail"]
        message = str(detail)
        if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
            # Why a credential was refused: token_expired, tenant_inactive, …
            code = str(specific_code or code)
        code = code or getattr(exc, "default_code", None) or "error"
    response.data = error_body(code or "error", message, fields)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
