"""Bearer-token authentication that loads the user with their tenant in one query."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from apps.accounts.models import User


class TenantJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user = User.objects.select_related("tenant").filter(pk=user_id).first()
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class TenantJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme as simplejwt's own authenticator."""

    target_class = "apps.accounts.api.authentication.TenantJWTAuthentication"
