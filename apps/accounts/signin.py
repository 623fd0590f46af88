"""Whether an account may use Dharma right now, asked at every way in: password login (API and
admin), every request carrying an access token or a session, and every token refresh.

An account may while the user is active and not deleted and their tenant is active and not
deleted: suspending or archiving a tenant, or removing it, locks all of its users out at once,
tokens already issued included. The tenant is loaded with the user (select_related), so the
question costs no query of its own.
"""

from dataclasses import dataclass

from apps.accounts.choices import TenantStatus


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


USER_NOT_FOUND = Refusal("user_not_found", "The account this token was issued to no longer exists.")
USER_INACTIVE = Refusal("user_inactive", "This account is not active.")
TENANT_INACTIVE = Refusal(
    "tenant_inactive", "This account's organisation is suspended or has been removed."
)


def tenant_is_active(tenant) -> bool:
    return tenant.status == TenantStatus.ACTIVE and tenant.deleted_at is None


def signin_refusal(user) -> Refusal | None:
    """Why `user` (loaded with its tenant, or None when not found) may not sign in, else None."""
    if user is None:
        return USER_NOT_FOUND
    if not user.is_active:
        return USER_INACTIVE
    if not tenant_is_active(user.tenant):
        return TENANT_INACTIVE
    return None
