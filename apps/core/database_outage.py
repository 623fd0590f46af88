"""The database is unreachable: a 503 with Retry-After and one log line, not a 500 and a traceback.

PostgreSQL stopped, restarting, or a connection cut under a request (refused, closed, terminated
by an administrator shutdown) reaches Dharma as django.db.OperationalError or InterfaceError,
wherever the request was: in an API view or its authentication (apps/core/api/errors.py), in
middleware that reads the session, or in the admin (handler500, apps/core/api/error_views.py).
Either way the client is told to come back later:

- under /api/: 503 in the error shape, code `service_unavailable`;
- elsewhere (the admin): a plain HTML 503 page;
- both with `Retry-After: DHARMA_RETRY_AFTER_SECONDS`;

and the log gets one line per request ("database unavailable: GET /api/v1/… (OperationalError:
…)") instead of Django's traceback. Errors of the SQL itself (ProgrammingError, IntegrityError,
…) are bugs or bad input and keep their 500 or 4xx.

The broken connection is not reused: Django closes a connection whose query failed at the end of
the request, and CONN_HEALTH_CHECKS (dharma/settings/base.py) checks a persistent one before a
request uses it, so the first requests after the database is back succeed.
"""

import logging
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

logger = logging.getLogger(__name__)
R = TypeVar("R", bound=HttpResponse)

CODE = "service_unavailable"
MESSAGE = "The database is unavailable; retry after the number of seconds in Retry-After."
PAGE = """<!doctype html>
<html lang="en">
<head><title>Service Unavailable</title></head>
<body>
<h1>Service Unavailable</h1>
<p>The database is unavailable. Try again in {seconds} seconds.</p>
</body>
</html>
"""

# SQLite reports a missing table or column, and SQL it cannot parse, as OperationalError: those
# are errors of the code or of unapplied migrations, not an outage.
_SCHEMA_ERRORS = ("no such table", "no such column", "syntax error")


def unavailability(exc: BaseException | None) -> BaseException | None:
    """The OperationalError or InterfaceError that `exc` is, or was raised from; else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OperationalError | InterfaceError):
            text = str(exc).lower()
            return None if any(error in text for error in _SCHEMA_ERRORS) else exc
        exc = exc.__cause__
    return None


def retry_after() -> str:
    return str(settings.DHARMA_RETRY_AFTER_SECONDS)


def describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip() if lines else ''}".strip()


def log_once(request, exc: BaseException) -> None:
    """One line for the request, however many of its layers saw the failure. `request`: Django's
    or DRF's (which wraps Django's)."""
    request = getattr(request, "_request", request)
    if getattr(request, "_database_outage_logged", False):
        return
    request._database_outage_logged = True
    logger.error("database unavailable: %s %s (%s)", request.method, request.path, describe(exc))


def mark_logged(response: R) -> R:
    """Django's own request log (django.utils.log.log_response) skips a response so marked:
    without it, it would log the status line again, with the traceback."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def html_response() -> HttpResponse:
    response = HttpResponse(
        PAGE.format(seconds=retry_after()), status=503, content_type="text/html; charset=utf-8"
    )
    response["Retry-After"] = retry_after()
    return mark_logged(response)
