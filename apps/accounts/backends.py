"""Authentication by e-mail and password within a tenant.

E-mail is unique per tenant, not globally. The caller may name the tenant (`tenant=<slug>`); when it
does not, the login succeeds only if exactly one active user with that e-mail has that password.
Users of a suspended or removed tenant cannot log in, and a session they already hold stops
working: Django reloads the session's user through `get_user` on every request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from apps.accounts.signin import signin_refusal


class TenantEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, tenant=None, **kwargs):
        User = get_user_model()
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not email or password is None:
            return None
        candidates = User.objects.filter(email__iexact=email, deleted_at__isnull=True)
        if tenant is not None:
            candidates = candidates.filter(tenant__slug=tenant)
        matches = [
            user
            for user in candidates.select_related("tenant")
            if user.check_password(password) and self.user_can_authenticate(user)
        ]
        if not matches:
            # Spend the same hashing time as a real check, so timing does not reveal e-mails.
            User().set_password(password)
            return None
        return matches[0] if len(matches) == 1 else None

    def user_can_authenticate(self, user) -> bool:
        return signin_refusal(user) is None

    def get_user(self, user_id):
        """The session's user with their tenant, in one query; None (logged out) when either is
        no longer active."""
        User = get_user_model()
        user = User._default_manager.select_related("tenant").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
