"""Bearer-token authentication that loads the user with their tenant in one query.

Every refusal is a 401 with a stable code and a plain sentence (simplejwt's own errors carry
nested dicts): `bad_authorization_header`, `token_not_valid`, `token_expired`,
`token_wrong_type`, `user_not_found`, `user_inactive`, `tenant_inactive`.
"""

from typing import TypeVar

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, JWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, Token, UntypedToken

from apps.accounts.models import User
from apps.accounts.signin import signin_refusal

TOKEN_NOT_VALID = "The token is not valid: it is malformed or was not issued by Dharma."  # noqa: S105

T = TypeVar("T", bound=Token)


def decode_token(raw: str | bytes, token_class: type[T]) -> T:
    """The verified token of `token_class`, or a plain 401 saying what is wrong with it."""
    expected = token_class.token_type
    try:
        return token_class(raw)  # type: ignore[arg-type]
    except ExpiredTokenError:
        raise AuthenticationFailed(
            f"The {expected} token has expired; "
            + ("refresh it or log in again." if expected == "access" else "log in again."),
            code="token_expired",
        ) from None
    except TokenError:
        pass
    # Not usable as `token_class`: a valid token of another type, or no valid token at all.
    try:
        other = UntypedToken(raw)  # type: ignore[arg-type]
    except TokenError:
        raise AuthenticationFailed(TOKEN_NOT_VALID, code="token_not_valid") from None
    given = other.get(api_settings.TOKEN_TYPE_CLAIM)
    if given and given != expected:
        raise AuthenticationFailed(
            f"This is a {given} token; send the {expected} token here.", code="token_wrong_type"
        )
    raise AuthenticationFailed(TOKEN_NOT_VALID, code="token_not_valid")


def load_user(user_id) -> User:
    """The token's user with their tenant (one query), if they may still sign in; else a 401."""
    if not user_id:
        raise AuthenticationFailed(TOKEN_NOT_VALID, code="token_not_valid")
    user = User.objects.select_related("tenant").filter(pk=user_id).first()
    refusal = signin_refusal(user)
    if refusal is not None:
        raise AuthenticationFailed(refusal.message, code=refusal.code)
    assert user is not None
    return user


class TenantJWTAuthentication(JWTAuthentication):
    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if not parts or parts[0] not in AUTH_HEADER_TYPE_BYTES:
            return None  # not a bearer token: another authenticator may know it
        if len(parts) != 2:
            raise AuthenticationFailed(
                "The Authorization header must be 'Bearer' and the token, separated by a space.",
                code="bad_authorization_header",
            )
        return parts[1]

    def get_validated_token(self, raw_token: bytes) -> Token:
        return decode_token(raw_token, AccessToken)

    def get_user(self, validated_token):
        return load_user(validated_token.get(api_settings.USER_ID_CLAIM))


class TenantJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme as simplejwt's own authenticator."""

    target_class = "apps.accounts.api.authentication.TenantJWTAuthentication"
