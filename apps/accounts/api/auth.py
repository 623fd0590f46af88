"""API authentication: e-mail + password (+ tenant slug) → JWT access and refresh tokens.

Both endpoints are throttled per client address (apps/accounts/api/throttling.py): `login` and
`token_refresh` in REST_FRAMEWORK's DEFAULT_THROTTLE_RATES.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from apps.accounts.api.authentication import decode_token, load_user
from apps.accounts.api.throttling import ClientAddressRateThrottle
from apps.core.api.serializers import StrictSerializer


class TokenRequestSerializer(StrictSerializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    tenant = serializers.SlugField(
        required=False, help_text="Tenant slug; needed when the e-mail exists in several tenants."
    )


TokenResponse = inline_serializer(
    "TokenResponse",
    {
        "access": serializers.CharField(),
        "refresh": serializers.CharField(),
        "token_type": serializers.CharField(),
        "expires_in": serializers.IntegerField(),
        "user": inline_serializer(
            "TokenUser",
            {
                "id": serializers.UUIDField(),
                "email": serializers.EmailField(),
                "tenant": serializers.SlugField(),
            },
        ),
    },
)


class TokenObtainView(APIView):
    """Log in: answers a short-lived access token and a refresh token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressRateThrottle]
    throttle_scope = "login"

    def get_authenticate_header(self, request) -> str:
        # Wrong credentials are 401 (with a challenge), not 403.
        return 'Bearer realm="api"'

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponse,
            401: OpenApiResponse(description="Wrong e-mail, password or tenant, or inactive."),
        },
        auth=[],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["email"],
            password=data.validated_data["password"],
            tenant=data.validated_data.get("tenant"),
        )
        if user is None:
            raise AuthenticationFailed(
                "E-mail, password or tenant is wrong, or the account is not active."
            )
        update_last_login(None, user)
        refresh = RefreshToken.for_user(user)
        refresh["tenant_id"] = str(user.tenant_id)
        access = refresh.access_token
        return Response(
            {
                "access": str(access),
                "refresh": str(refresh),
                "token_type": "Bearer",
                "expires_in": int(access.lifetime.total_seconds()),
                "user": {"id": user.pk, "email": user.email, "tenant": user.tenant.slug},
            }
        )


class ActiveAccountTokenRefreshSerializer(TokenRefreshSerializer):
    """A refresh token buys a new access token only while its user and their tenant are still
    active; every refusal is a plain 401 (apps/accounts/api/authentication.py)."""

    def validate(self, attrs):
        refresh = decode_token(attrs["refresh"], RefreshToken)
        load_user(refresh.payload.get(jwt_settings.USER_ID_CLAIM))
        return super().validate(attrs)


class TokenRefresh(TokenRefreshView):
    """Exchange a refresh token for a new access token."""

    serializer_class = ActiveAccountTokenRefreshSerializer
    throttle_classes = [ClientAddressRateThrottle]
    throttle_scope = "token_refresh"
