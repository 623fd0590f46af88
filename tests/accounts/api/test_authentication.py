"""Bearer tokens: every refusal is a 401 in plain words, and a tenant that is suspended or removed
locks its users out at once (login, access tokens already issued, refresh tokens)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.models import Tenant, User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
PROTECTED = "/api/v1/projects/"


def assert_plain_401(response, code: str):
    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["fields"] == {}
    message = body["error"]["message"]
    assert isinstance(message, str) and message.strip()
    assert "{" not in message and "[" not in message, message
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def login(user) -> dict:
    response = APIClient().post(
        LOGIN,
        {"email": user.email, "password": PASSWORD, "tenant": user.tenant.slug},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def suspend(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(status="suspended")


def remove(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(deleted_at=timezone.now())


# --- 401s in plain words ------------------------------------------------------------------------


def test_no_token_is_a_plain_401():
    assert_plain_401(APIClient().get(PROTECTED), "not_authenticated")


def test_a_malformed_token_is_a_plain_401():
    assert_plain_401(bearer("not-a-token").get(PROTECTED), "token_not_valid")


def test_a_malformed_authorization_header_is_a_plain_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert_plain_401(client.get(PROTECTED), "bad_authorization_header")


def test_an_expired_token_is_a_plain_401():
    user = UserFactory()
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    response = bearer(str(token)).get(PROTECTED)
    assert_plain_401(response, "token_expired")
    assert "expired" in response.json()["error"]["message"]


def test_a_refresh_token_used_as_an_access_token_is_a_plain_401():
    user = UserFactory()
    response = bearer(login(user)["refresh"]).get(PROTECTED)
    assert_plain_401(response, "token_wrong_type")


def test_a_token_of_a_user_that_no_longer_exists_is_a_plain_401():
    token = AccessToken.for_user(UserFactory())
    token["user_id"] = str(uuid.uuid4())
    assert_plain_401(bearer(str(token)).get(PROTECTED), "user_not_found")


def test_a_token_of_an_inactive_user_is_a_plain_401():
    user = UserFactory()
    access = login(user)["access"]
    User.objects.filter(pk=user.pk).update(status="suspended")
    assert_plain_401(bearer(access).get(PROTECTED), "user_inactive")


def test_refresh_refusals_are_plain_401s():
    user = UserFactory()
    tokens = login(user)
    client = APIClient()
    assert_plain_401(client.post(REFRESH, {"refresh": "garbage"}, format="json"), "token_not_valid")
    assert_plain_401(
        client.post(REFRESH, {"refresh": tokens["access"]}, format="json"), "token_wrong_type"
    )
    expired = RefreshToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - timedelta(days=30))
    assert_plain_401(
        client.post(REFRESH, {"refresh": str(expired)}, format="json"), "token_expired"
    )


# --- a suspended or removed tenant ----------------------------------------------------------------


@pytest.mark.parametrize("lock_out", [suspend, remove], ids=["suspended", "removed"])
def test_users_of_a_locked_tenant_cannot_log_in(lock_out):
    user = UserFactory(email="sa@example.com")
    lock_out(user.tenant)
    response = APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")
    assert_plain_401(response, "authentication_failed")


@pytest.mark.parametrize("lock_out", [suspend, remove], ids=["suspended", "removed"])
def test_access_tokens_stop_working_when_the_tenant_is_locked(lock_out):
    user = UserFactory()
    client = bearer(login(user)["access"])
    assert client.get(PROTECTED).status_code != 401
    lock_out(user.tenant)
    assert_plain_401(client.get(PROTECTED), "tenant_inactive")


def test_the_tenant_check_costs_no_extra_query(django_assert_num_queries):
    user = UserFactory()
    from apps.accounts.api.authentication import TenantJWTAuthentication

    token = AccessToken.for_user(user)
    with django_assert_num_queries(1):
        found = TenantJWTAuthentication().get_user(token)
        assert found.tenant.slug == user.tenant.slug


@pytest.mark.parametrize("lock_out", [suspend, remove], ids=["suspended", "removed"])
def test_refresh_tokens_are_refused_when_the_tenant_is_locked(lock_out):
    user = UserFactory()
    refresh = login(user)["refresh"]
    assert APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code == 200
    lock_out(user.tenant)
    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert_plain_401(response, "tenant_inactive")


def test_refresh_tokens_are_refused_when_the_user_is_inactive_or_gone():
    user = UserFactory()
    refresh = login(user)["refresh"]
    User.objects.filter(pk=user.pk).update(status="inactive")
    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert_plain_401(response, "user_inactive")
    token = RefreshToken.for_user(user)
    token["user_id"] = str(uuid.uuid4())
    response = APIClient().post(REFRESH, {"refresh": str(token)}, format="json")
    assert_plain_401(response, "user_not_found")
