"""Who wrote what: the actor and remote address of every audit log entry written in a request.

django-auditlog's middleware reads `request.user` when the request arrives. That is right for
the admin (session authentication runs in middleware), but the API authenticates its bearer
tokens inside DRF, after every middleware ran, so at that point the user is still anonymous.
DRF then sets the authenticated user on the Django request, so this middleware reads the actor
when each entry is written instead: the same code attributes admin, session and API (JWT)
writes. Outside a request (management commands, Celery tasks, beat) no actor is set and the
entry is the system's, without a remote address.

The remote address is the one the API's throttling trusts: REMOTE_ADDR, or with
REST_FRAMEWORK["NUM_PROXIES"] trusted proxies in front, the X-Forwarded-For hop the outermost one
wrote (django-auditlog would take the first hop, which any client can write).
"""

from functools import partial

from auditlog.middleware import AuditlogMiddleware

from apps.accounts.api.throttling import client_address


def _actor_field(request, name: str):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, name, None)


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request) -> str | None:
        return client_address(request) or None

    @staticmethod
    def _get_remote_port(request) -> int | None:
        return None  # only X-Forwarded-Port would say, and any client can write it

    def get_extra_data(self, request) -> dict:
        data = super().get_extra_data(request)
        # django-auditlog sets every other key whose value is callable by calling it as the
        # entry is saved; `actor` itself it only takes as a user object, read here and now.
        del data["actor"]
        data["actor_id"] = partial(_actor_field, request, "pk")
        data["actor_email"] = partial(_actor_field, request, "email")
        return data
