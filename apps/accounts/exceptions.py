"""Refusals of the accounts domain."""

from apps.core.exceptions import DomainError


class RoleGrantRefused(DomainError):
    """The acting user may not grant (or revoke, or define) this role."""

    status_code = 403
    code = "role_grant_refused"
